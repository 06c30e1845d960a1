"""The site's URLs plus what the measures app contributes, mounted where the site will mount it:
the workbench pages under /workbench/measures/ and the platform router under /api/v1/platform/."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from ninja import NinjaAPI

from jubao.errors import DomainError
from jubao.measures.api import router
from jubao.urls import urlpatterns as site

api = NinjaAPI(title="measures (test)", version="test", urls_namespace="measures-test-api")
api.add_router("/platform", router)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, {"error": exc.as_dict()}, status=exc.status)


urlpatterns = [
    path("workbench/measures/", include("jubao.measures.urls")),
    path("api/v1/", api.urls),
    *site,
]
