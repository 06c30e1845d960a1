from django.urls import path

from jubao.intake import staff_views

app_name = "intake_staff"
urlpatterns = [
    path("", staff_views.choose, name="choose"),
    path("<str:code>/", staff_views.enter, name="enter"),
]
