"""Workbench pages of measures, mounted at /workbench/measures/."""

from django.urls import path

from jubao.measures import views

app_name = "measures"
urlpatterns = [
    path("blacklist/", views.blacklist, name="blacklist"),
    path("blacklist/<int:pk>/appeal/", views.appeal, name="appeal"),
    path("blacklist/<int:pk>/decide/", views.decide, name="decide"),
    path("cases/<int:pk>/<int:mid>/<slug:verb>/", views.act, name="act"),
    path(
        "cases/<int:pk>/<int:mid>/conversions/<int:cid>/<slug:verb>/",
        views.conversion,
        name="conversion",
    ),
]
