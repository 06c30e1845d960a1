"""The JSON API under /api/v1/ (django-ninja, OpenAPI 3.1).

Each app contributes a router; domain errors become JSON here, in one place.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from jubao.catalogue.api import router as catalogue_router
from jubao.errors import DomainError

api = NinjaAPI(
    title="jubao API",
    version="1",
    description="Reporting and closed-loop handling of network infringement information.",
    urls_namespace="api",
)
api.add_router("/catalogue", catalogue_router)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, {"error": exc.as_dict()}, status=exc.status)
