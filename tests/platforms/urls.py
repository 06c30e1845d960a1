"""The platform API mounted where the site mounts it, for tests that go through HTTP."""

from django.urls import include, path

urlpatterns = [path("api/v1/platform/", include("jubao.platforms.urls"))]
