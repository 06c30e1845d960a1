from django.urls import path

from jubao.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("bulk/", views.bulk, name="bulk"),
    path("supervision/", views.supervision, name="supervision"),
    path("<int:pk>/", views.case_page, name="case"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/move/<slug:name>/", views.move, name="move"),
    path("<int:pk>/vote/", views.vote, name="vote"),
    path("evidence/<uuid:ref>/", views.evidence, name="evidence"),
    path(
        "<int:pk>/transfers/<uuid:ref>/answer/",
        views.transfer_answer_view,
        name="transfer_answer",
    ),
    path("transfer-evidence/<uuid:ref>/", views.transfer_evidence, name="transfer_evidence"),
]
