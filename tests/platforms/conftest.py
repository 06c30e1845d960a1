"""A platform with a registered key, and a signer that signs requests as a platform does."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms
from http_message_signatures.structures import CaseInsensitiveDict

from jubao.accounts.models import Platform
from jubao.platforms.keys import platform_key_add, public_key_raw
from jubao.platforms.models import PlatformKey
from jubao.platforms.signatures import SignedMessage

KEY_ID = "xinghe-2026-01"
PING = "http://testserver/api/v1/platform/ping"
COMPONENTS = ("@method", "@authority", "@path", "content-digest")


def raw_public(private: Ed25519PrivateKey) -> str:
    return base64.b64encode(public_key_raw(private.public_key())).decode()


@pytest.fixture
def private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def platform_key(platform: Platform, private_key: Ed25519PrivateKey) -> PlatformKey:
    return platform_key_add(
        actor="system", platform=platform, key_id=KEY_ID, public_key=raw_public(private_key)
    )


def sign(
    private: Ed25519PrivateKey,
    *,
    url: str = PING,
    method: str = "POST",
    body: bytes = b'{"hello":"jubao"}',
    key_id: str = KEY_ID,
    created: dt.datetime | None = None,
    nonce: str | None = None,
    components: tuple[str, ...] = COMPONENTS,
) -> dict[str, str]:
    """The headers a platform sends: Content-Digest, Signature-Input and Signature."""
    message = SignedMessage(method, url, CaseInsensitiveDict())
    signer = HTTPMessageSigner(
        signature_algorithm=algorithms.ED25519,
        key_resolver=MappingKeyResolver(public_keys={}, private_keys={key_id: private}),
    )
    signer.sign(
        message,
        key_id=key_id,
        created=created or timezone.now(),
        nonce=nonce or secrets.token_urlsafe(16),
        label="sig1",
        covered_component_ids=[c for c in components if c != "content-digest"],
        body=body if "content-digest" in components else None,
    )
    return dict(message.headers.items())


@pytest.fixture
def post_signed(client: Any, private_key: Ed25519PrivateKey) -> Callable[..., Any]:
    """POST to the ping endpoint, signed by the platform's key unless told otherwise."""

    def post(*, send_body: bytes | None = None, path: str = "/api/v1/platform/ping", **kw: Any):
        headers = sign(kw.pop("private", private_key), **kw)
        body = kw.get("body", b'{"hello":"jubao"}') if send_body is None else send_body
        return client.post(path, data=body, content_type="application/json", headers=headers)

    return post
