"""The complaint window on the portal, mounted at /complaints/."""

from django.urls import path

from jubao.complaints import views

app_name = "complaints"
urlpatterns = [
    path("", views.procedure, name="procedure"),
    path("new/", views.file, name="file"),
    path("done/", views.done, name="done"),
    path("done/complaint.txt", views.receipt_download, name="receipt_download"),
    path("inquiry/", views.inquiry, name="inquiry"),
    path("inquiry/status/", views.status, name="status"),
    path("inquiry/evaluate/", views.evaluate, name="evaluate"),
    path("inquiry/leave/", views.leave, name="leave"),
]
