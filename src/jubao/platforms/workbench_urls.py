"""The platform workbench, mounted at /workbench/platform/."""

from django.urls import path

from jubao.platforms import workbench

app_name = "platform_work"
urlpatterns = [
    path("", workbench.transfers, name="transfers"),
    path("closed/", workbench.transfers_closed, name="closed"),
    path("<uuid:public_id>/", workbench.transfer, name="transfer"),
    path("<uuid:public_id>/reporter/", workbench.reporter, name="reporter"),
    path("<uuid:public_id>/acknowledge/", workbench.acknowledge, name="acknowledge"),
    path("<uuid:public_id>/question/", workbench.question, name="question"),
    path("<uuid:public_id>/report/", workbench.report, name="report"),
    path("<uuid:public_id>/dispute/", workbench.dispute, name="dispute"),
]
