"""The worked example in docs/platform-api.md verifies, and signing it again gives its bytes."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from django.test import RequestFactory
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms
from http_message_signatures.structures import CaseInsensitiveDict

from jubao.platforms.keys import platform_key_add
from jubao.platforms.signatures import SignatureError, SignedMessage, signature_verify

DOC = Path(__file__).resolve().parents[2] / "docs" / "platform-api.md"


def example(name: str) -> str:
    """The fenced block that follows `<!-- example: name -->` in the document."""
    match = re.search(rf"<!-- example: {name} -->\n```\w*\n(.*?)\n```", DOC.read_text(), re.S)
    assert match, f"example {name!r} not found"
    return match.group(1)


def parsed_request() -> tuple[str, str, dict[str, str], bytes]:
    head, body = example("request").split("\n\n", 1)
    request_line, *lines = head.split("\n")
    method, path, _version = request_line.split(" ")
    headers = dict(line.split(": ", 1) for line in lines)
    return method, path, headers, body.encode()


def created_of(headers: dict[str, str]) -> dt.datetime:
    seconds = int(re.search(r";created=(\d+)", headers["Signature-Input"]).group(1))
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def django_request(method: str, path: str, headers: dict[str, str], body: bytes):
    extra = {k: v for k, v in headers.items() if k not in ("Content-Type", "Content-Length")}
    return RequestFactory().generic(
        method,
        path,
        data=body,
        content_type=headers["Content-Type"],
        secure=True,
        headers={**extra, "Host": headers["Host"]},
    )


@pytest.fixture
def example_key(platform, settings):
    settings.ALLOWED_HOSTS = ["jubao.example.cn"]
    return platform_key_add(
        actor="system",
        platform=platform,
        key_id="xinghe-2026-01",
        public_key=example("public key"),
    )


@pytest.mark.usefixtures("example_key")
def test_the_documented_request_is_accepted_within_its_lifetime(platform):
    method, path, headers, body = parsed_request()
    assert int(headers["Content-Length"]) == len(body)
    now = created_of(headers) + dt.timedelta(seconds=60)
    assert signature_verify(django_request(method, path, headers, body), now=now) == platform
    with pytest.raises(SignatureError) as refused:  # ... once only.
        signature_verify(django_request(method, path, headers, body), now=now)
    assert refused.value.code == "replayed"


@pytest.mark.usefixtures("example_key")
def test_the_documented_request_is_refused_after_its_lifetime():
    method, path, headers, body = parsed_request()
    later = created_of(headers) + dt.timedelta(hours=1)
    with pytest.raises(SignatureError) as refused:
        signature_verify(django_request(method, path, headers, body), now=later)
    assert refused.value.code == "signature_expired"


def test_signing_the_documented_request_again_gives_the_documented_base_and_signature():
    method, path, headers, body = parsed_request()
    key = load_pem_private_key(example("private key").encode(), password=None)
    params = dict(re.findall(r';(\w+)=("[^"]*"|\d+)', headers["Signature-Input"]))
    created = created_of(headers)
    signer = HTTPMessageSigner(
        signature_algorithm=algorithms.ED25519,
        key_resolver=MappingKeyResolver(public_keys={}, private_keys={"xinghe-2026-01": key}),
    )
    arguments = dict(
        key_id=params["keyid"].strip('"'),
        created=created,
        expires=dt.datetime.fromtimestamp(int(params["expires"]), tz=dt.UTC),
        nonce=params["nonce"].strip('"'),
        label="sig1",
        covered_component_ids=["@method", "@authority", "@path"],
        body=body,
    )
    url = f"https://{headers['Host']}{path}"
    prepared = signer.prepare(SignedMessage(method, url, CaseInsensitiveDict()), **arguments)
    assert prepared.signature_base.decode() == example("signature base")
    message = SignedMessage(method, url, CaseInsensitiveDict())
    signer.sign(message, **arguments)
    for name in ("Content-Digest", "Signature-Input", "Signature"):
        assert message.headers[name] == headers[name]
