from django.contrib.auth import views as auth_views
from django.urls import path

from jubao.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("second-factor/", views.otp, name="otp"),
    path("security/", views.security, name="security"),
]
