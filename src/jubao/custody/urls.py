from django.urls import path

from jubao.custody import views

app_name = "custody"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:pk>/decide/", views.decide, name="decide"),
    path("<int:pk>/identity/", views.identity, name="identity"),
    path("cases/<int:pk>/request/", views.request_new, name="request"),
]
