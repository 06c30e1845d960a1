"""Response headers that Django's own settings do not cover."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


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
