"""The platform API's own endpoints: our published keys, and a signed ping to test signing."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from jubao.platforms.keys import published_keys
from jubao.platforms.signatures import SignatureError, signature_verify


@require_GET
def keys(request: HttpRequest) -> JsonResponse:
    """The public keys our webhooks are signed with."""
    return JsonResponse({"keys": published_keys()})


@csrf_exempt  # Authenticated by the request signature, not by a session cookie.
@require_POST
def ping(request: HttpRequest) -> JsonResponse:
    """Answer a correctly signed request with the platform it was signed for."""
    try:
        platform = signature_verify(request)
    except SignatureError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    return JsonResponse({"platform": platform.name, "icp_number": platform.icp_number})
