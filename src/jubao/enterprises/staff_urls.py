"""The enterprise area in the workbench, mounted at /workbench/enterprises/."""

from django.urls import include, path

from jubao.enterprises import staff_views

app_name = "enterprise_staff"
urlpatterns = [
    path("", staff_views.enterprises, name="list"),
    path("<int:pk>/", staff_views.enterprise, name="detail"),
    path("<int:pk>/decide/", staff_views.decide, name="decide"),
    path("documents/<uuid:ref>/", staff_views.document, name="document"),
    path("", include("jubao.enterprises.counsel_urls")),
]
