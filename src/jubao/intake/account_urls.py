from django.urls import path

from jubao.intake import account_views

app_name = "citizen"
urlpatterns = [
    path("signup/", account_views.signup, name="signup"),
    path("verify/", account_views.verify, name="verify"),
    path("signin/", account_views.signin, name="signin"),
    path("reports/", account_views.reports, name="reports"),
    path("reports/<int:pk>/follow/", account_views.follow, name="follow"),
]
