"""Mounted at /workbench/federation/."""

from django.urls import path

from jubao.federation import views

app_name = "federation_staff"
urlpatterns = [path("", views.overview, name="overview")]
