"""The enterprise area on the portal, mounted at /enterprise/."""

from django.urls import include, path

from jubao.enterprises import views

app_name = "enterprise"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("register/", views.register, name="register"),
    path("guidance/", include("jubao.enterprises.guidance_urls")),
]
