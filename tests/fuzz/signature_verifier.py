"""Fuzz target: the verifier of platforms' signed requests (`jubao.platforms.signatures`).

An input is an HTTP request written out as text (latin-1, as WSGI passes headers):

    POST /api/v1/platform/ping?page=2
    Content-Type: application/json
    Signature-Input: sig1=("@method" "@authority" "@path");created=...;keyid="...";nonce="..."
    Signature: sig1=:...:

    {"hello":"jubao"}

The seeds carry real signatures by the fuzzing platform's fixed key, made for the fixed clock
below, so they verify and their mutations start from requests that are accepted. Since a
mutated signature never verifies, a request may also ask to be signed after mutation with the
pseudo-header `X-Fuzz-Sign: <created, seconds from the clock> <nonce> <component> ...`: the
harness then signs whatever the input made of the request, which takes the fuzzer past the
signature into the digest, coverage, age and replay checks.

`signature_verify` must return the platform or raise `SignatureError` with a known code, never
anything else; when it accepts a request with a body, that body must be the one its signed
Content-Digest names. Each input runs in a transaction that is rolled back, so a nonce is
never remembered from one input to the next.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import sys
from typing import Any

from tests.fuzz import harness

NAME = "signature_verifier"
INSTRUMENT = ("jubao", "http_message_signatures", "http_sfv")
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
KEY_ID = "fuzz-platform-key"
PLATFORM = "模糊测试平台"
SIGN = "x-fuzz-sign"
HOST = "testserver"


def private_key() -> Any:
    """The fuzzing platform's key: fixed, so that the committed seeds stay valid."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"jubao fuzz platform").digest())


def setup() -> None:
    harness.django_ready(database=True)
    from jubao.platforms import signatures  # noqa: F401  (imported here to be instrumented)

    prepare()


def prepare() -> None:
    """The platform and its registered key, in the database in use (once)."""
    from jubao.accounts.models import Office
    from jubao.accounts.services import offices_load, platform_create
    from jubao.platforms.keys import platform_key_add, public_key_raw
    from jubao.platforms.models import PlatformKey

    if PlatformKey.objects.filter(key_id=KEY_ID).exists():
        return
    if not Office.objects.exists():
        offices_load(actor="system")
    platform = platform_create(
        actor="system",
        name=PLATFORM,
        name_en="Fuzz Platform",
        icp_number="浙ICP备20269999号",
        jurisdiction=Office.objects.get(code="330106"),
    )
    raw = base64.b64encode(public_key_raw(private_key().public_key())).decode()
    platform_key_add(actor="system", platform=platform, key_id=KEY_ID, public_key=raw)


def parse(data: bytes) -> tuple[str, str, list[tuple[str, str]], bytes] | None:
    """Method, target, headers and body of a request written as text; None if it is not one."""
    head, _sep, body = data.partition(b"\n\n")
    lines = head.decode("latin-1").split("\n")
    method, _space, target = lines[0].strip().partition(" ")
    if not method.isascii() or not method.isalpha() or not target.startswith("/"):
        return None
    headers = []
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if colon and name.strip():
            headers.append((name.strip(), value.strip()))
    return method.upper(), target.strip(), headers, body


def sign(
    method: str, target: str, headers: list[tuple[str, str]], body: bytes, directive: str
) -> list[tuple[str, str]] | None:
    """The headers with a signature made now by the platform's key, as the directive says."""
    from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms
    from http_message_signatures.exceptions import HTTPMessageSignaturesException
    from http_message_signatures.structures import CaseInsensitiveDict

    from jubao.platforms.signatures import SignedMessage

    parts = directive.split()
    if len(parts) < 2:
        return None
    try:
        created = NOW + dt.timedelta(seconds=int(parts[0]))
    except (ValueError, OverflowError):
        return None
    nonce, components = parts[1], parts[2:]
    message = SignedMessage(method, f"http://{HOST}{target}", CaseInsensitiveDict(headers))
    signer = HTTPMessageSigner(
        signature_algorithm=algorithms.ED25519,
        key_resolver=MappingKeyResolver(public_keys={}, private_keys={KEY_ID: private_key()}),
    )
    try:
        signer.sign(
            message,
            key_id=KEY_ID,
            created=created,
            nonce=nonce,
            label="sig1",
            covered_component_ids=[c for c in components if c != "content-digest"],
            body=body if "content-digest" in components else None,
        )
    except (HTTPMessageSignaturesException, ValueError, TypeError, KeyError, OverflowError):
        return None  # the harness could not sign this request: nothing to test
    return list(message.headers.items())


def request(data: bytes) -> Any:
    """A Django request as the view would get it, or None when the input is not a request
    that reaches a view (Django refuses a bad Host before any view runs)."""
    from django.core.exceptions import DisallowedHost
    from django.test import RequestFactory

    parsed = parse(data)
    if parsed is None:
        return None
    method, target, headers, body = parsed
    directive = next((v for n, v in headers if n.lower() == SIGN), None)
    headers = [(n, v) for n, v in headers if n.lower() != SIGN]
    if directive is not None:
        signed = sign(method, target, headers, body, directive)
        if signed is None:
            return None
        headers = signed
    content_type = next((v for n, v in headers if n.lower() == "content-type"), "")
    extra = {n: v for n, v in headers if n.lower() not in ("content-type", "content-length")}
    try:
        made = RequestFactory().generic(
            method, target, data=body, content_type=content_type, headers=extra
        )
        made.get_host()
    except (DisallowedHost, ValueError, UnicodeError):
        return None
    return made


def one_input(data: bytes) -> None:
    from django.db import transaction

    from jubao.platforms.signatures import _MESSAGES, SignatureError, signature_verify

    made = request(data)
    if made is None:
        return
    with transaction.atomic():
        try:
            platform = signature_verify(made, now=NOW)
        except SignatureError as refused:
            assert refused.code in _MESSAGES and refused.status == 401, refused.code
            return
        finally:
            transaction.set_rollback(True)
    assert platform.name == PLATFORM, platform
    assert f'keyid="{KEY_ID}"' in made.headers.get("signature-input", "")
    body = made.body
    if body:
        digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
        assert f"sha-256=:{digest}:" in made.headers.get("content-digest", ""), "unsigned body"


def main() -> None:
    harness.fuzz(one_input, setup=setup, instrument=INSTRUMENT)


if __name__ == "__main__":
    main()
    sys.exit(0)
