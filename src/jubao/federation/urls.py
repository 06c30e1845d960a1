"""Mounted at /federation/: the signed inbox and our published identity."""

from django.urls import path

from jubao.federation import views

app_name = "federation"
urlpatterns = [
    path("inbox", views.inbox, name="inbox"),
    path("identity", views.identity, name="identity"),
]
