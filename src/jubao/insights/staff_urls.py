"""Transparency work in the workbench (typical cases, laws library, platforms' figures), mounted at
/workbench/transparency/."""

from django.urls import path

from jubao.insights import monitoring_views, staff_views

app_name = "transparency_staff"
urlpatterns = [
    path("cases/", staff_views.typical_list, name="typical_list"),
    path("cases/new/", staff_views.typical_new, name="typical_new"),
    path("cases/<int:pk>/", staff_views.typical, name="typical"),
    path("cases/<int:pk>/check/", staff_views.typical_check, name="typical_check"),
    path("cases/<int:pk>/approve/", staff_views.typical_approve, name="typical_approve"),
    path("cases/<int:pk>/publish/", staff_views.typical_publish, name="typical_publish"),
    path("cases/<int:pk>/withdraw/", staff_views.typical_withdraw, name="typical_withdraw"),
    path("laws/", staff_views.law_list, name="laws"),
    path("laws/new/", staff_views.law_new, name="law_new"),
    path("laws/<int:pk>/", staff_views.law_edit, name="law_edit"),
    path("laws/<int:pk>/publish/", staff_views.law_publish, name="law_publish"),
    path("figures/", staff_views.figures, name="figures"),
    path("warnings/", monitoring_views.warning_list, name="warnings"),
    path("warnings/<int:pk>/", monitoring_views.warning, name="warning"),
    path(
        "warnings/<int:pk>/acknowledge/",
        monitoring_views.warning_acknowledge,
        name="warning_acknowledge",
    ),
    path("warnings/<int:pk>/close/", monitoring_views.warning_close, name="warning_close"),
    path("satisfaction/", monitoring_views.satisfaction_page, name="satisfaction"),
]

# Statistics (§4): the dashboard, its exports and the monthly report.
from jubao.insights import statistics_views  # noqa: E402

urlpatterns += [
    path("statistics/", statistics_views.dashboard, name="statistics"),
    path("statistics/report.pdf", statistics_views.monthly_report, name="statistics_report"),
    path(
        "statistics/export/<str:name>.<str:fmt>",
        statistics_views.export,
        name="statistics_export",
    ),
]
