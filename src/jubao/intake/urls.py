from django.urls import path

from jubao.intake import views

app_name = "intake"
urlpatterns = [
    path("report/", views.guide, name="guide"),
    path("report/area/<slug:code>/", views.area, name="area"),
    path("report/done/", views.done, name="done"),
    path("report/done/receipt.txt", views.receipt_download, name="receipt_download"),
    path("report/<str:code>/", views.report, name="report"),
    path("receipt/", views.receipt, name="receipt"),
    path("receipt/status/", views.status, name="status"),
    path("receipt/leave/", views.leave, name="leave"),
    path("receipt/<slug:action>/", views.act, name="act"),
]
