"""URL configuration: the portal, the workbench, accounts and the JSON API."""

from django.contrib import admin
from django.urls import include, path

from jubao.api import api

urlpatterns = [
    path("", include("jubao.web.urls")),
    path("", include("jubao.intake.urls")),
    path("workbench/intake/", include("jubao.intake.staff_urls")),
    path("workbench/cases/", include("jubao.cases.urls")),
    path("workbench/custody/", include("jubao.custody.urls")),
    path("workbench/measures/", include("jubao.measures.urls")),
    path("workbench/platform/", include("jubao.platforms.workbench_urls")),
    path("workbench/enterprises/", include("jubao.enterprises.staff_urls")),
    path("enterprise/", include("jubao.enterprises.urls")),
    path("workbench/oversight/", include("jubao.oversight.urls")),
    path("workbench/complaints/", include("jubao.complaints.staff_urls")),
    path("complaints/", include("jubao.complaints.urls")),
    path("workbench/transparency/", include("jubao.insights.staff_urls")),
    path("transparency/", include("jubao.insights.urls")),
    path("workbench/federation/", include("jubao.federation.staff_urls")),
    path("federation/", include("jubao.federation.urls")),
    path("account/", include("jubao.intake.account_urls")),
    path("accounts/", include("jubao.accounts.urls")),
    path("guidelines/", include("jubao.catalogue.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/platform/", include("jubao.platforms.urls")),
    path("api/v1/", api.urls),
    path("backoffice/", admin.site.urls),
]
