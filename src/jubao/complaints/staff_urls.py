"""Handling complaints in the workbench, mounted at /workbench/complaints/."""

from django.urls import path

from jubao.complaints import staff_views

app_name = "complaints_staff"
urlpatterns = [
    path("", staff_views.complaint_list, name="list"),
    path("<int:pk>/", staff_views.detail, name="detail"),
    path("<int:pk>/<slug:action>/", staff_views.act, name="act"),
]
