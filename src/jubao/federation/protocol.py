"""The wire format between instances: a JSON envelope, signed both ways with RFC 9421.

A request is `POST <peer>/federation/inbox` with the envelope as body,
`Content-Type: application/json` and `Jubao-Message-Id`; its signature (label "jubao", Ed25519,
the sender's key) covers the method, authority, path, content type, Content-Digest and message
id, with created, expires and a nonce. The answer, the receipt, is signed by the receiver over
its own Content-Digest, content type and the same message id, so the sender knows the right
instance took the message. The signature policy and the library calls are those of the platform
API (`jubao.platforms.signatures`).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from http_message_signatures import HTTPSignatureKeyResolver
from http_message_signatures.structures import CaseInsensitiveDict

from jubao.errors import DomainError
from jubao.federation import keys, tree
from jubao.federation.models import Peer
from jubao.platforms.signatures import (
    SignatureError,
    SignedMessage,
    incoming,
    message_sign,
    message_verify,
)

INBOX_PATH = "/federation/inbox"
MESSAGE_ID = "Jubao-Message-Id"
REQUEST_COMPONENTS = (
    "@method",
    "@authority",
    "@path",
    "content-type",
    "content-digest",
    "jubao-message-id",
)
RECEIPT_COMPONENTS = ("content-type", "content-digest", "jubao-message-id")
KINDS = (
    "case.transfer",
    "report.join",
    "case.status",
    "case.answer",
    "fingerprint.announce",
    "fingerprint.query",
    "figures.rollup",
)


class EnvelopeError(DomainError):
    """A signed message that is not a well-formed envelope for us."""

    status = 400

    def __init__(self) -> None:
        super().__init__(_("The message is not a valid federation envelope."), code="malformed")


class EnvelopeConflict(DomainError):
    """A message id used again with another body: a replay with changed content."""

    status = 409

    def __init__(self) -> None:
        super().__init__(
            _("This message id was already used with different content."), code="conflict"
        )


def encode(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def envelope(*, peer: Peer, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """A new message to `peer`: a fresh id, who sends it to whom, when, and what."""
    assert kind in KINDS, kind
    return {
        "id": str(uuid.uuid4()),
        "kind": kind,
        "sender": tree.own_code(),
        "recipient": peer.code,
        "created": timezone.now().isoformat(),
        "body": body,
    }


def _lifetime() -> int:
    return settings.JUBAO_FEDERATION_SIGNATURE_MAX_AGE


def _signed_headers(
    *, url: str, message_id: str, body: bytes, components: tuple[str, ...]
) -> dict[str, str]:
    message = SignedMessage(
        "POST",
        url,
        CaseInsensitiveDict({"Content-Type": "application/json", MESSAGE_ID: message_id}),
    )
    message_sign(
        message,
        body,
        key=keys.signing_key(),
        key_id=keys.key_id(),
        components=components,
        lifetime=_lifetime(),
    )
    return dict(message.headers.items())


def sign_request(*, url: str, message_id: str, body: bytes) -> dict[str, str]:
    """The headers of a signed POST of `body` to `url`."""
    return _signed_headers(url=url, message_id=message_id, body=body, components=REQUEST_COMPONENTS)


def sign_receipt(*, url: str, message_id: str, body: bytes) -> dict[str, str]:
    """The headers of our signed answer to a message."""
    return _signed_headers(url=url, message_id=message_id, body=body, components=RECEIPT_COMPONENTS)


class _PeerKeys(HTTPSignatureKeyResolver):
    """Resolves the key ids of enabled peers (or of one expected peer only)."""

    def __init__(self, only: Peer | None = None) -> None:
        self.only = only
        self.peer: Peer | None = None

    def resolve_public_key(self, key_id: str) -> Ed25519PublicKey:
        peers = Peer.objects.filter(key_id=key_id, enabled=True)
        if self.only is not None:
            peers = peers.filter(pk=self.only.pk)
        peer = peers.first()
        if peer is None:
            raise SignatureError("unknown_key")
        self.peer = peer
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(peer.public_key))

    def key_id(self) -> str:
        assert self.peer is not None
        return self.peer.key_id


def _verify(message: SignedMessage, body: bytes, resolver: _PeerKeys, required: tuple[str, ...]):
    return message_verify(
        message,
        body,
        resolver=resolver,
        required=required,
        key_id=resolver.key_id,
        max_age=settings.JUBAO_FEDERATION_SIGNATURE_MAX_AGE,
        skew=settings.JUBAO_FEDERATION_CLOCK_SKEW,
    )


def verify_request(request: HttpRequest) -> tuple[Peer, dict[str, Any]]:
    """The peer that signed `request` and its envelope; SignatureError (401) for a bad,
    missing, expired or replayed signature, EnvelopeError (400) for a body that is not an
    envelope from that peer to us."""
    resolver = _PeerKeys()
    _verify(incoming(request), request.body, resolver, REQUEST_COMPONENTS)
    assert resolver.peer is not None
    return resolver.peer, parse(request.body, resolver.peer, request.headers.get(MESSAGE_ID, ""))


def parse(body: bytes, peer: Peer, message_id: str) -> dict[str, Any]:
    try:
        data = json.loads(body)
        uuid.UUID(str(data["id"]))
        created = dt.datetime.fromisoformat(str(data["created"]))
    except (ValueError, TypeError, KeyError):
        raise EnvelopeError() from None
    ok = (
        isinstance(data, dict)
        and data["id"] == message_id
        and data.get("kind") in KINDS
        and data.get("sender") == peer.code
        and data.get("recipient") == tree.own_code()
        and isinstance(data.get("body"), dict)
        and created.tzinfo is not None
    )
    if not ok:
        raise EnvelopeError()
    return data


def verify_receipt(
    *, peer: Peer, url: str, message_id: str, headers: dict[str, str], body: bytes
) -> dict[str, Any]:
    """The body of a peer's signed receipt for our message; SignatureError when it is not
    signed by that peer for that message."""
    resolver = _PeerKeys(only=peer)
    message = SignedMessage("POST", url, CaseInsensitiveDict(headers))
    _verify(message, body, resolver, RECEIPT_COMPONENTS)
    if message.headers.get(MESSAGE_ID) != message_id:
        raise SignatureError("signature_invalid")
    try:
        data = json.loads(body)
    except ValueError:
        raise SignatureError("signature_invalid") from None
    if not isinstance(data, dict) or data.get("message") != message_id:
        raise SignatureError("signature_invalid")
    return data
