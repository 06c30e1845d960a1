"""The JSON API under /api/v1/ (django-ninja, OpenAPI 3.1).

Each app contributes a router; domain errors become JSON here, in one place.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from jubao.cases.api import router as cases_router
from jubao.catalogue.api import router as catalogue_router
from jubao.errors import DomainError, storage_full, storage_full_message
from jubao.insights.api import router as insights_router
from jubao.intake.api import router as intake_router
from jubao.measures.api import router as measures_router
from jubao.platforms.api import router as platform_router

api = NinjaAPI(
    title="jubao API",
    version="1",
    description="Reporting and closed-loop handling of network infringement information.",
    urls_namespace="api",
)
api.add_router("/catalogue", catalogue_router)
api.add_router("", intake_router)
api.add_router("", cases_router)
api.add_router("/platform", platform_router)
api.add_router("/platform", measures_router)
api.add_router("/platform", insights_router)
log = logging.getLogger(__name__)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, {"error": exc.as_dict()}, status=exc.status)


def _field(location: list[Any]) -> str:
    # ninja reports ("body", "payload", "targets", 0, "url"); the client knows only the tail.
    parts = [str(p) for p in location if p not in ("body", "payload", "header", "query", "form")]
    return ".".join(parts)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """django-ninja's own refusals (a body that is not JSON...) in the same shape as ours."""
    if exc.status_code == 400:
        body = {"code": "invalid_request", "message": gettext("The request is not valid.")}
    else:
        body = {"code": f"http_{exc.status_code}", "message": str(exc)}
    return api.create_response(request, {"error": body}, status=exc.status_code)


@api.exception_handler(ValidationError)
def invalid_request(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """Schema errors in the same shape as domain errors, with a translated summary."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        errors.setdefault(_field(list(error.get("loc", []))), []).append(str(error.get("msg")))
    body = {
        "code": "invalid_request",
        "message": gettext("The request is not valid."),
        "errors": errors,
    }
    return api.create_response(request, {"error": body}, status=400)


@api.exception_handler(Exception)
def unexpected_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A full disk is a clear, retryable refusal (503); anything else stays a server error."""
    if not storage_full(exc):
        raise exc
    log.error("storage full: %s %s refused (%s)", request.method, request.path, type(exc).__name__)
    body = {
        "code": "storage_full",
        "message": storage_full_message(),
    }
    response = api.create_response(request, {"error": body}, status=503)
    response["Retry-After"] = "60"
    return response
