"""Mounted at /api/v1/platform/ (before the JSON API's own routes)."""

from django.urls import path

from jubao.platforms import views

app_name = "platforms"
urlpatterns = [
    path("keys", views.keys, name="keys"),
    path("ping", views.ping, name="ping"),
]
