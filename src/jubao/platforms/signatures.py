"""HTTP Message Signatures (RFC 9421, Ed25519) for the platform API, both ways.

Incoming: every request from a platform carries `Signature-Input` and `Signature` headers and,
when it has a body, a signed `Content-Digest` (RFC 9530, sha-256). `signature_verify` returns
the platform that signed, or raises `SignatureError` with a stable code. The structured-field
parsing and the signature base come from the http-message-signatures library; the policy (which
components must be covered, the age limit, replayed nonces, revoked keys) is ours.

Outgoing: `request_sign` signs our webhooks with this instance's key (see `keys.py`).

`message_verify` and `message_sign` hold the policy and the library calls without naming a key
store: the federation between instances (`jubao.federation.protocol`) signs with them too.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from http_message_signatures import (
    ContentDigest,
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    InvalidSignature,
    algorithms,
)
from http_message_signatures.structures import CaseInsensitiveDict

from jubao.accounts.models import Platform, PlatformStatus
from jubao.errors import DomainError
from jubao.platforms import keys
from jubao.platforms.models import PlatformKey, SeenNonce

# What a platform's signature must cover; "@query" too when the URL has a query.
REQUIRED_COMPONENTS = ("@method", "@authority", "@path")
# What our webhook signatures cover.
WEBHOOK_COMPONENTS = ("@method", "@authority", "@path", "content-type", "idempotency-key")

_MESSAGES = {
    "signature_missing": _("The request is not signed."),
    "signature_invalid": _("The request signature is not valid."),
    "digest_mismatch": _("The request body does not match its signed Content-Digest."),
    "signature_expired": _("The request signature has expired or is not yet valid."),
    "replayed": _("This signature has already been used."),
    "unknown_key": _("The signing key is unknown or revoked."),
}


class SignatureError(DomainError):
    """A refused platform request; the code says why, the message never says more."""

    status = 401

    def __init__(self, code: str) -> None:
        super().__init__(_MESSAGES[code], code=code)


@dataclass
class SignedMessage:
    """The view of a request the signature library reads and writes."""

    method: str
    url: str
    headers: Any


class _PlatformKeys(HTTPSignatureKeyResolver):
    def __init__(self) -> None:
        self.key: PlatformKey | None = None

    def resolve_public_key(self, key_id: str) -> Ed25519PublicKey:
        key = (
            PlatformKey.objects.select_related("platform")
            .filter(key_id=key_id, revoked_at=None, platform__status=PlatformStatus.ACTIVE)
            .first()
        )
        if key is None:
            raise SignatureError("unknown_key")
        self.key = key
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(key.public_key))


class _Verifier(HTTPMessageVerifier):
    """Our time policy, against an explicit clock, with one error code per kind of refusal."""

    def __init__(
        self, *, now: dt.datetime, resolver: HTTPSignatureKeyResolver, max_age: int, skew: int
    ) -> None:
        super().__init__(signature_algorithm=algorithms.ED25519, key_resolver=resolver)
        self.now = now
        self.max_age = dt.timedelta(seconds=max_age)
        self.max_clock_skew = dt.timedelta(seconds=skew)

    def validate_created_and_expires(self, sig_input: Any, max_age: Any = None) -> None:
        params = sig_input.params
        for name in ("created", "keyid", "nonce", "alg"):
            if name not in params:
                raise SignatureError("signature_invalid")
        if params["alg"] != "ed25519" or type(params["created"]) is not int:
            raise SignatureError("signature_invalid")
        created = _instant(params["created"])
        if created > self.now + self.max_clock_skew:
            raise SignatureError("signature_expired")
        # Arithmetic on the trusted clock only: near the end of the calendar, `created + ...`
        # would overflow.
        if created < self.now - self.max_age - self.max_clock_skew:
            raise SignatureError("signature_expired")
        expires = params.get("expires")
        if expires is not None and (
            type(expires) is not int or _instant(expires) < self.now - self.max_clock_skew
        ):
            raise SignatureError("signature_expired")


def _instant(timestamp: int) -> dt.datetime:
    """A signature's timestamp as a time; one that no date can hold (the fuzzer sent year
    561981) is a malformed signature, not a server error."""
    try:
        return dt.datetime.fromtimestamp(timestamp, tz=dt.UTC)
    except (OverflowError, ValueError, OSError):
        raise SignatureError("signature_invalid") from None


def incoming(request: HttpRequest) -> SignedMessage:
    """The message as the client sent it. RFC 9421 signs the path before percent-decoding, so
    the raw request target is used when the server passes it on (gunicorn does, as RAW_URI);
    otherwise Django's re-encoded path, which matches whenever the client encoded minimally."""
    raw = request.META.get("RAW_URI") or request.META.get("REQUEST_URI") or ""
    if raw.startswith("/"):
        url = f"{request.scheme}://{request.get_host()}{raw}"
    else:
        url = request.build_absolute_uri()
    return SignedMessage(request.method or "GET", url, request.headers)


def _required(request: HttpRequest) -> tuple[str, ...]:
    if request.META.get("QUERY_STRING"):
        return (*REQUIRED_COMPONENTS, "@query")
    return REQUIRED_COMPONENTS


def message_verify(
    message: SignedMessage,
    body: bytes,
    *,
    resolver: HTTPSignatureKeyResolver,
    required: tuple[str, ...],
    key_id: Callable[[], str],
    max_age: int,
    skew: int,
    now: dt.datetime | None = None,
) -> Any:
    """Check one RFC 9421 signature on `message` (a request or a response); return the
    library's result, or raise SignatureError.

    Shared by the platform API and the federation between instances: the signature must cover
    `required` and, with a body, its Content-Digest; carry created, keyid, nonce and alg
    ed25519; be neither too old nor from the future; and its nonce must be new for the key
    (`key_id()` names the key the resolver found).
    """
    if "signature" not in message.headers or "signature-input" not in message.headers:
        raise SignatureError("signature_missing")
    verifier = _Verifier(now=now or timezone.now(), resolver=resolver, max_age=max_age, skew=skew)
    try:
        (result,) = verifier.verify(message, max_age=None, require_components=required)
    except InvalidSignature as exc:
        # The library wraps what the key resolver raises.
        if isinstance(exc.__cause__, SignatureError):
            raise exc.__cause__ from None
        raise SignatureError("signature_invalid") from None
    _check_digest(result.covered_components, body)
    lifetime = max_age + 2 * skew
    _remember_nonce(key_id(), str(result.nonce), int(result.parameters["created"]), lifetime)
    return result


def signature_verify(request: HttpRequest, *, now: dt.datetime | None = None) -> Platform:
    """Check a platform's request; return the platform, or raise SignatureError.

    Refused: no signature; a malformed one or one that does not verify; a signature not covering
    the method, authority, path (and query), or the body's Content-Digest; an unknown or revoked
    key; one created too long ago or in the future; a nonce already seen with the same key.
    """
    resolver = _PlatformKeys()

    def found() -> str:
        assert resolver.key is not None
        return resolver.key.key_id

    message_verify(
        incoming(request),
        request.body,
        resolver=resolver,
        required=_required(request),
        key_id=found,
        max_age=settings.JUBAO_PLATFORM_SIGNATURE_MAX_AGE,
        skew=settings.JUBAO_PLATFORM_CLOCK_SKEW,
        now=now,
    )
    assert resolver.key is not None
    return resolver.key.platform


def _check_digest(covered: dict[str, str], body: bytes) -> None:
    try:
        if ContentDigest.verify_components(covered, body) or not body:
            return
    except InvalidSignature:
        pass
    raise SignatureError("digest_mismatch")


def _remember_nonce(key_id: str, nonce: str, created: int, lifetime: int) -> None:
    if not 1 <= len(nonce) <= 128:
        raise SignatureError("signature_invalid")
    expires_at = dt.datetime.fromtimestamp(created, tz=dt.UTC) + dt.timedelta(seconds=lifetime)
    try:
        with transaction.atomic():
            SeenNonce.objects.create(key_id=key_id, nonce=nonce, expires_at=expires_at)
    except IntegrityError:
        raise SignatureError("replayed") from None


def nonces_purge(*, now: dt.datetime | None = None) -> int:
    """Forget nonces whose signatures can no longer be accepted anyway."""
    deleted, _rows = SeenNonce.objects.filter(expires_at__lt=now or timezone.now()).delete()
    return deleted


class _PrivateKey(HTTPSignatureKeyResolver):
    def __init__(self, key: Ed25519PrivateKey) -> None:
        self.key = key

    def resolve_private_key(self, key_id: str) -> Any:
        return self.key


def message_sign(
    message: SignedMessage,
    body: bytes,
    *,
    key: Ed25519PrivateKey,
    key_id: str,
    components: tuple[str, ...],
    lifetime: int,
) -> None:
    """Sign `message` in place (RFC 9421, Ed25519, label "jubao"): the components of
    `components` it has, the body's Content-Digest, created, expires and a fresh nonce."""
    now = timezone.now()
    covered = [c for c in components if c.startswith("@") or c in message.headers]
    HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=_PrivateKey(key)).sign(
        message,
        key_id=key_id,
        created=now,
        expires=now + dt.timedelta(seconds=lifetime),
        nonce=secrets.token_urlsafe(16),
        label="jubao",
        covered_component_ids=covered,
        body=body,
    )


def request_sign(*, method: str, url: str, headers: dict[str, str], body: bytes) -> dict[str, str]:
    """Sign an outgoing request with our key; return the headers with the signature added."""
    message = SignedMessage(method, url, CaseInsensitiveDict(headers))
    message_sign(
        message,
        body,
        key=keys.signing_key(),
        key_id=keys.signing_key_id(),
        components=WEBHOOK_COMPONENTS,
        lifetime=settings.JUBAO_PLATFORM_SIGNATURE_MAX_AGE,
    )
    return dict(message.headers.items())
