"""The public reporting guidelines, mounted at /guidelines/."""

from django.urls import path

from jubao.catalogue import views

app_name = "catalogue"
urlpatterns = [
    path("", views.guidelines, name="guidelines"),
    path("measures/", views.measures, name="measures"),
    path("referrals/", views.referrals, name="referrals"),
    path("<str:code>/", views.item_detail, name="item"),
]
