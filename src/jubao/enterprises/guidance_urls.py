"""Public guidance and training material, included in the `enterprise` namespace at
/enterprise/guidance/ (see urls.py)."""

from django.urls import path

from jubao.enterprises import guidance_views as views

urlpatterns = [
    path("", views.guidance_list, name="guidance"),
    path("<int:pk>/", views.guidance_detail, name="guidance_detail"),
]
