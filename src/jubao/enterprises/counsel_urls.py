"""Workbench pages of the guidance work, included in the `enterprise_staff` namespace at
/workbench/enterprises/ (see staff_urls.py)."""

from django.urls import path

from jubao.enterprises import counsel_views as views

urlpatterns = [
    path("liaison/", views.liaison_list, name="liaison"),
    path("liaison/<int:pk>/", views.liaison_set, name="liaison_set"),
    path("guidance/", views.guidance_list, name="guidance_list"),
    path("guidance/new/", views.guidance_new, name="guidance_new"),
    path("guidance/<int:pk>/", views.guidance_preview, name="guidance_preview"),
    path("guidance/<int:pk>/publish/", views.guidance_publish, name="guidance_publish"),
    path("guidance/<int:pk>/unpublish/", views.guidance_unpublish, name="guidance_unpublish"),
    path("<int:pk>/counselling/", views.counselling_add, name="counselling_add"),
    path("<int:pk>/joint/", views.joint_add, name="joint_add"),
]
