"""Property-based tests of the rest of the JSON API: the public operations (catalogue, proof-of-work
challenge, reports and their follow-up) and the staff ones (the case queue and supervision, with
a signed-in staff session), with requests generated from the OpenAPI schema, valid and invalid.

No answer may be a server error, and every answer must match the schema: a documented status
code, its content type and its body schema. With the platform operations of
`test_schemathesis.py`, every operation of the API is covered (the last test checks that).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from django.db import transaction
from django.test import Client
from hypothesis import settings

from jubao.api import api
from tests.api.test_schemathesis import CHECKS, EXAMPLES, HYPOTHESIS, PREFIX, _prepare, _send

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _schema() -> Any:
    raw = json.loads(json.dumps(api.get_openapi_schema()))
    loaded = schemathesis.openapi.from_dict(raw, config=schemathesis.Config())
    loaded.config.generation.update(
        max_examples=EXAMPLES, deterministic=True, database="none", with_security_parameters=False
    )
    return loaded.exclude(path_regex=f"^{PREFIX}")


schema = _schema()


@pytest.fixture
def staff(staff_client: Any, make_user: Any) -> Client:
    """A supervisor of the central office, signed in with the second factor."""
    from jubao.accounts.models import Role

    return staff_client(make_user("api_fuzz_supervisor", Role.SUPERVISOR, office="000000"))


@schema.parametrize()
@settings(HYPOTHESIS, max_examples=EXAMPLES)
def test_public_and_staff_calls_get_no_server_error_and_match_the_schema(
    case: schemathesis.Case, client: Client, staff: Client, offices: Any
) -> None:
    prepared = _prepare(case)
    # Staff operations are sent with the staff session; the public ones anonymously.
    sender = staff if case.path.startswith("/api/v1/cases") else client
    with transaction.atomic():
        response = _send(sender, prepared)
        transaction.set_rollback(True)
    case.validate_response(response, checks=CHECKS)


def test_every_operation_of_the_api_is_fuzzed() -> None:
    """This file's operations and the platform ones together are the whole API."""
    ours = {result.ok().label for result in schema.get_all_operations()}
    paths = api.get_openapi_schema()["paths"]
    everything = {f"{m.upper()} {p}" for p, ops in paths.items() for m in ops}
    platform = {label for label in everything if label.split(" ", 1)[1].startswith(PREFIX)}
    assert ours | platform == everything and ours and not ours & platform
