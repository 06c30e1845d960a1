from django.urls import path

from jubao.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:pk>/", views.case_page, name="case"),
    path("<int:pk>/move/<slug:name>/", views.move, name="move"),
    path("<int:pk>/vote/", views.vote, name="vote"),
    path("evidence/<uuid:ref>/", views.evidence, name="evidence"),
]
