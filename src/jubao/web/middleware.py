"""Response headers that Django's own settings do not cover."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from jubao.errors import storage_full, storage_full_message

log = logging.getLogger(__name__)


def permissions_policy(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Sets `Permissions-Policy` (settings.JUBAO_PERMISSIONS_POLICY) on every response: no page
    of jubao needs the camera, the microphone, the location, payment or USB devices, so a
    script injected despite the Content-Security-Policy cannot ask for them either."""
    value = settings.JUBAO_PERMISSIONS_POLICY

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if value:
            response.headers.setdefault("Permissions-Policy", value)
        return response

    return middleware


class StorageFull:
    """A page request that failed because the disk or the database is full gets a clear,
    translated 503 page (nothing of it was kept: the transaction rolled back) instead of a
    server error; the API answers the same in JSON (`jubao.api`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not storage_full(exception):
            return None
        log.error(
            "storage full: %s %s refused (%s)",
            request.method,
            request.path,
            type(exception).__name__,
        )
        response = render(
            request,
            "web/error.html",
            {"title": _("Storage full"), "message": storage_full_message()},
            status=503,
        )
        response["Retry-After"] = "60"
        return response
