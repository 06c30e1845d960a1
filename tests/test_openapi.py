"""The committed OpenAPI snapshot matches the API, and the API serves it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from jubao.web.management.commands.openapi import openapi_text

SNAPSHOT = Path(__file__).resolve().parents[1] / "docs" / "openapi.json"


def test_the_snapshot_is_current():
    assert SNAPSHOT.read_text(encoding="utf-8") == openapi_text(), "run `make openapi` and commit"


@pytest.mark.django_db
def test_the_api_serves_openapi_3_1(client: Client):
    document = client.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    assert (
        json.loads(SNAPSHOT.read_text(encoding="utf-8"))["paths"].keys() == document["paths"].keys()
    )
