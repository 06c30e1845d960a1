"""Public transparency pages, mounted at /transparency/."""

from django.urls import path

from jubao.insights import views

app_name = "transparency"
urlpatterns = [
    path("", views.index, name="index"),
    path("cases/", views.typical_list, name="typical_list"),
    path("cases/<int:pk>/", views.typical_detail, name="typical_detail"),
    path("laws/", views.law_list, name="laws"),
    path("laws/<int:pk>/", views.law_detail, name="law_detail"),
]
