"""Property-based tests of the platform API: requests generated from the OpenAPI schema.

Every operation under /api/v1/platform/ is called with requests generated from its schema (valid
ones and, in the negative mode, invalid ones), each signed as the platform signs (RFC 9421,
Ed25519) just before it is sent, so that the real handlers run. No answer may be a server error,
and every answer must match the schema: a documented status code, its content type and its body
schema. About half of the generated calls use the ids of a real transfer and of a real dispute
label (and a well-formed blacklist check hash), so that they reach the handlers' success paths.

A second test sends the same requests unsigned or with a garbage signature: each must be a 401
with the documented error body.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
import uuid
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import pytest
import requests
import schemathesis
from django.db import transaction
from django.test import Client
from django.utils.encoding import escape_uri_path
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from jubao.api import api
from tests.api.conftest import Seeded
from tests.platforms.conftest import KEY_ID

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

BASE_URL = "http://testserver"
PREFIX = "/api/v1/platform/"
EXAMPLES = 30
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Hop-by-hop and entity headers the test client sets itself.
NOT_FORWARDED = {"host", "content-type", "content-length", "connection", "accept-encoding"}
# Headers of a "signed" request that does not verify; the API must refuse it with 401.
GARBAGE = {
    "Signature-Input": 'sig1=("@method" "@authority" "@path");created=1;keyid="x";alg="ed25519"',
    "Signature": "sig1=:AAAA:",
}
REFUSALS = ("signature_missing", "signature_invalid", "signature_expired", "unknown_key")


def _schema(*, signed: bool) -> Any:
    """The platform operations of the live API schema, generated reproducibly."""
    raw = json.loads(json.dumps(api.get_openapi_schema()))
    loaded = schemathesis.openapi.from_dict(raw, config=schemathesis.Config())
    loaded.config.generation.update(
        max_examples=EXAMPLES,
        deterministic=True,
        database="none",
        # The signed test signs every request; the other lets the Signature header be generated.
        with_security_parameters=not signed,
    )
    return loaded.include(path_regex=f"^{PREFIX}")


signed_schema = _schema(signed=True)
unsigned_schema = _schema(signed=False)

HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)


def _prepare(case: schemathesis.Case) -> requests.PreparedRequest:
    """The request exactly as it goes on the wire: method, full URL with query, body bytes."""
    kwargs = case.as_transport_kwargs(base_url=BASE_URL)
    accepted = ("method", "url", "headers", "params", "json", "data", "files", "cookies")
    prepared = requests.Request(**{k: v for k, v in kwargs.items() if k in accepted}).prepare()
    # The server rebuilds "@path" from the decoded path, escaped as Django escapes it; generated
    # path parameters are sent in that same form (for ids, which are UUIDs, nothing changes).
    url = urlsplit(prepared.url or "")
    prepared.url = urlunsplit(url._replace(path=escape_uri_path(unquote(url.path))))
    return prepared


def _body(prepared: requests.PreparedRequest) -> bytes:
    body = prepared.body or b""
    return body.encode() if isinstance(body, str) else body


def _sign(prepared: requests.PreparedRequest, private_key: Any) -> None:
    """Sign as docs/platform-api.md says: method, authority, path, query if any, body digest."""
    signer = HTTPMessageSigner(
        signature_algorithm=algorithms.ED25519,
        key_resolver=MappingKeyResolver(public_keys={}, private_keys={KEY_ID: private_key}),
    )
    components = ["@method", "@authority", "@path"]
    if "?" in (prepared.url or ""):
        components.append("@query")
    body = _body(prepared)
    signer.sign(
        prepared,
        key_id=KEY_ID,
        nonce=secrets.token_urlsafe(16),
        label="sig1",
        covered_component_ids=components,
        body=body or None,
    )


def _send(client: Client, prepared: requests.PreparedRequest) -> schemathesis.Response:
    """Send through Django's test client; answer in the shape schemathesis validates."""
    url = prepared.url or ""
    assert url.startswith(BASE_URL), url
    headers = {k: v for k, v in prepared.headers.items() if k.lower() not in NOT_FORWARDED}
    started = time.monotonic()
    answer = client.generic(
        prepared.method or "GET",
        url.removeprefix(BASE_URL),
        data=_body(prepared),
        content_type=prepared.headers.get("Content-Type", "application/octet-stream"),
        headers=headers,
    )
    return schemathesis.Response(
        status_code=answer.status_code,
        headers={name.lower(): [value] for name, value in answer.headers.items()},
        content=answer.content,
        request=prepared,
        elapsed=time.monotonic() - started,
        verify=True,
        message=answer.reason_phrase,
        encoding=answer.charset,
    )


def _use_real_values(case: schemathesis.Case, seeded: Seeded) -> None:
    """Ids that exist, and a well-formed check hash, so that the call gets past the lookups."""
    for name in case.path_parameters or {}:
        real = seeded.transfer.public_id if name == "transfer_id" else seeded.label.public_id
        case.path_parameters[name] = str(real)
    if case.path.endswith("/blacklist/check") and isinstance(case.body, dict):
        case.body["key"] = hashlib.sha256(repr(case.body).encode()).hexdigest()


@signed_schema.parametrize()
@signed_schema.given(real_values=st.booleans())
@HYPOTHESIS
def test_signed_calls_get_no_server_error_and_match_the_schema(
    case: schemathesis.Case, real_values: bool, client: Client, seeded: Seeded, private_key: Any
) -> None:
    if real_values:
        _use_real_values(case, seeded)
    prepared = _prepare(case)
    _sign(prepared, private_key)
    # Each example starts from the seeded state: a fresh transfer, a label with no statement.
    with transaction.atomic():
        response = _send(client, prepared)
        transaction.set_rollback(True)
    case.validate_response(response, checks=CHECKS)
    # The signature is good, so no request may be refused as unsigned.
    assert response.status_code != 401, response.content


@unsigned_schema.parametrize()
@unsigned_schema.given(garbage=st.booleans())
@settings(HYPOTHESIS, max_examples=EXAMPLES // 3)
def test_unsigned_calls_are_refused_with_the_error_body(
    case: schemathesis.Case, garbage: bool, client: Client, seeded: Seeded
) -> None:
    _use_real_values(case, seeded)
    prepared = _prepare(case)
    if garbage:
        prepared.headers.update(GARBAGE)
    else:
        prepared.headers.pop("Signature-Input", None)
    response = _send(client, prepared)
    case.validate_response(response, checks=CHECKS)
    assert response.status_code == 401, response.content
    error = json.loads(response.content)["error"]
    assert error["code"] in REFUSALS, error


def test_the_run_covers_every_platform_operation() -> None:
    """The platform API in the schema, all of it, and nothing else."""
    operations = [result.ok() for result in signed_schema.get_all_operations()]
    labels = {op.label for op in operations}
    paths = api.get_openapi_schema()["paths"]
    expected = {
        f"{method.upper()} {path}"
        for path, ops in paths.items()
        for method, op in ops.items()
        if "platform" in op.get("tags", [])
    }
    assert labels == expected and len(labels) >= 8
    assert all(op.path.startswith(PREFIX) for op in operations)


def test_a_signed_call_with_a_real_id_reaches_the_handler(
    client: Client, seeded: Seeded, private_key: Any
) -> None:
    """The signing and sending used above are right: a plain signed call succeeds."""
    operation = signed_schema[f"{PREFIX}transfers/{{transfer_id}}"]["GET"]
    case = operation.Case(path_parameters={"transfer_id": str(seeded.transfer.public_id)})
    prepared = _prepare(case)
    _sign(prepared, private_key)
    response = _send(client, prepared)
    case.validate_response(response, checks=CHECKS)
    assert response.status_code == 200, response.content
    assert json.loads(response.content)["id"] == str(seeded.transfer.public_id)
    assert str(uuid.UUID(json.loads(response.content)["id"])) == str(seeded.transfer.public_id)


def test_a_body_that_is_not_json_gets_the_error_body(
    client: Client, seeded: Seeded, private_key: Any
) -> None:
    """Found by the run above: django-ninja answered such a body with its own `{"detail": ...}`."""
    operation = signed_schema[f"{PREFIX}transfers/{{transfer_id}}/acknowledge"]["POST"]
    case = operation.Case(path_parameters={"transfer_id": str(seeded.transfer.public_id)})
    prepared = _prepare(case)
    prepared.prepare_body(data=b"\x80{not json", files=None)
    prepared.headers["Content-Type"] = "application/json"
    _sign(prepared, private_key)
    response = _send(client, prepared)
    case.validate_response(response, checks=CHECKS)
    assert response.status_code == 400
    assert json.loads(response.content)["error"]["code"] == "invalid_request"
