"""Supervision of platforms in the workbench, mounted at /workbench/oversight/."""

from django.urls import path

from jubao.oversight import views

app_name = "oversight"
urlpatterns = [
    path("", views.problems, name="problems"),
    path("problems/new/", views.problem_new, name="problem_new"),
    path("problems/<int:pk>/", views.problem, name="problem"),
    path("problems/<int:pk>/rectification/", views.problem_rectify, name="problem_rectify"),
    path("problems/<int:pk>/verify/", views.problem_verify, name="problem_verify"),
    path("problems/<int:pk>/reopen/", views.problem_reopen, name="problem_reopen"),
    path("files/<uuid:ref>/", views.rectification_file, name="file"),
    path("plans/", views.plans, name="plans"),
    path("plans/<int:pk>/", views.plan, name="plan"),
    path("plans/<int:pk>/findings/", views.plan_finding, name="plan_finding"),
    path("plans/<int:pk>/status/", views.plan_status, name="plan_status"),
    path("scorecards/", views.scorecards_page, name="scorecards"),
    path("platforms/<int:pk>/", views.platform, name="platform"),
    path("platforms/<int:pk>/interviews/", views.platform_interview, name="platform_interview"),
    path("platforms/<int:pk>/penalties/", views.platform_penalty, name="platform_penalty"),
    path("platform/", views.own_problems, name="own_problems"),
    path("platform/<int:pk>/", views.own_problem, name="own_problem"),
]
