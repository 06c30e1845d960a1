"""Client addresses behind trusted proxies, and submission rate limits.

Limits are counted in the shared cache (django-ratelimit): per client address and per reporter
identity. Both are counted under a keyed hash with a key of their own, kept only in the cache for
the length of the window: never in the database, and never the value itself.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_ratelimit import ALL
from django_ratelimit.core import is_ratelimited

from jubao.conf import key_material
from jubao.errors import DomainError


def _counter_key(kind: str, value: str) -> str:
    key = key_material("ratelimit", env="JUBAO_RATELIMIT_KEY")
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


class RateLimited(DomainError):
    status = 429

    def __init__(self) -> None:
        super().__init__(
            _("Too many requests from you in a short time. Wait a while and try again."),
            code="rate_limited",
        )


def client_address(request: HttpRequest) -> str:
    """The client's address: the socket's, or the one added by the outermost trusted proxy."""
    proxies = settings.JUBAO_TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return str(request.META.get("REMOTE_ADDR", ""))


def _hit(request: HttpRequest, group: str, value: str, rate: str) -> bool:
    return bool(
        is_ratelimited(
            request, group=group, key=lambda _g, _r: value, rate=rate, method=ALL, increment=True
        )
    )


def limit_submission(request: HttpRequest, *, identity: str = "") -> None:
    """Count one submission from this address (and identity); raise RateLimited past the rate."""
    address = _counter_key("address", client_address(request))
    if _hit(request, "submit-address", address, settings.JUBAO_RATE_SUBMIT_ADDRESS):
        raise RateLimited()
    if identity:
        key = _counter_key("identity", identity.strip().lower())
        if _hit(request, "submit-identity", key, settings.JUBAO_RATE_SUBMIT_IDENTITY):
            raise RateLimited()


def limit_receipt_lookup(request: HttpRequest) -> None:
    """Receipt look-ups are limited per address, against guessing codes."""
    address = _counter_key("address", client_address(request))
    if _hit(request, "receipt-address", address, settings.JUBAO_RATE_RECEIPT_ADDRESS):
        raise RateLimited()
