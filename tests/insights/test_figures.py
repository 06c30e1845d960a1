"""Platforms' periodic handling figures: submitted through the signed API (idempotent per month)
or the workbench, and published per platform and added up on the transparency page."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from jubao.accounts.models import Role
from jubao.accounts.services import platform_create
from jubao.errors import DomainError, Forbidden
from jubao.insights.models import PlatformFigures
from jubao.insights.services import figures_submit
from jubao.ledger.models import LedgerEntry
from tests.platforms.conftest import sign

pytestmark = pytest.mark.django_db
BASE = "http://testserver/api/v1/platform"


def _month(offset: int = 1) -> str:
    today = timezone.localdate()
    year, month = today.year, today.month - offset
    while month < 1:
        year, month = year - 1, month + 12
    return f"{year:04d}-{month:02d}"


@pytest.fixture
def api(client: Client, private_key, platform_key):
    """Signed calls to the platform API as the platform."""

    def call(method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        raw = json.dumps(body).encode() if body is not None else b""
        kwargs: dict[str, Any] = {"url": BASE + path, "method": method, "body": raw}
        if body is None:
            kwargs["components"] = ("@method", "@authority", "@path")
        headers = sign(private_key, **kwargs)
        if method == "GET":
            return client.get("/api/v1/platform" + path, headers=headers)
        return client.post(
            "/api/v1/platform" + path, data=raw, content_type="application/json", headers=headers
        )

    return call


def _figures(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "period": _month(),
        "received": 120,
        "handled": 110,
        "removed": 80,
        "accounts_handled": 12,
        "median_hours": "18.5",
    }
    body.update(overrides)
    return body


def _actions() -> list[str]:
    return list(
        LedgerEntry.objects.filter(action__startswith="transparency.figures").values_list(
            "action", flat=True
        )
    )


def test_submit_and_resubmit_through_the_signed_api(api, platform):
    created = api("POST", "/figures", _figures())
    assert created.status_code == 201, created.content
    assert created.json()["revision"] == 1 and created.json()["period"] == _month()
    # The very same figures again: nothing changes, nothing is recorded.
    same = api("POST", "/figures", _figures())
    assert same.status_code == 200 and same.json()["revision"] == 1
    assert _actions() == ["transparency.figures_submit"]
    # Different figures for the same month replace them; the replacement is recorded.
    replaced = api("POST", "/figures", _figures(removed=90, median_hours=20))
    assert replaced.status_code == 200 and replaced.json()["revision"] == 2
    figures = PlatformFigures.objects.get()
    assert figures.removed == 90 and figures.median_hours == Decimal("20.0")
    assert figures.history[0]["removed"] == 80 and figures.history[0]["revision"] == 1
    assert _actions() == ["transparency.figures_submit", "transparency.figures_replace"]
    entry = LedgerEntry.objects.filter(action="transparency.figures_replace").get()
    assert entry.actor == f"platform:{platform.pk}"

    listed = api("GET", "/figures")
    assert listed.status_code == 200
    assert [(i["period"], i["removed"]) for i in listed.json()["items"]] == [(_month(), 90)]


def test_bad_figures_are_refused(api, client):
    assert api("POST", "/figures", _figures(period="2026-13")).json()["error"]["field"] == "period"
    future = api("POST", "/figures", _figures(period=_month(-2)))
    assert future.status_code == 400 and future.json()["error"]["code"] == "period"
    assert api("POST", "/figures", _figures(received=-1)).status_code == 400
    uneven = api("POST", "/figures", _figures(removed=200))
    assert uneven.status_code == 400 and uneven.json()["error"]["code"] == "inconsistent"
    # Unsigned calls are refused.
    unsigned = client.post("/api/v1/platform/figures", _figures(), content_type="application/json")
    assert unsigned.status_code == 401
    assert not PlatformFigures.objects.exists()


def test_operators_submit_for_their_own_platform_only(platform, offices, make_user, staff_client):
    other = platform_create(
        actor="system",
        name="月光论坛",
        name_en="Moonlight",
        icp_number="浙ICP备20260002号",
        jurisdiction=offices["330106"],
    )
    operator = make_user("op", Role.PLATFORM, office=None, platform=platform)
    with pytest.raises(Forbidden):
        figures_submit(platform=other, by=operator, **_figures())
    with pytest.raises(DomainError):
        figures_submit(platform=platform, by=operator, **_figures(handled=200))

    browser = staff_client(operator)
    assert browser.get("/workbench/transparency/figures/").status_code == 200
    sent = browser.post("/workbench/transparency/figures/", _figures())
    assert sent.status_code == 302
    figures = PlatformFigures.objects.get()
    assert figures.platform == platform and figures.submitted_by == operator
    entry = LedgerEntry.objects.get(action="transparency.figures_submit")
    assert entry.actor == f"user:{operator.pk}"
    page = browser.get("/workbench/transparency/figures/").content.decode()
    assert f'data-month="{_month()}"' in page
    # Office staff are not platform operators.
    clerk = make_user("clerk2", Role.INTAKE)
    assert staff_client(clerk).get("/workbench/transparency/figures/").status_code == 403


def test_published_per_platform_and_added_up(platform, offices, client):
    other = platform_create(
        actor="system",
        name="月光论坛",
        name_en="Moonlight",
        icp_number="浙ICP备20260002号",
        jurisdiction=offices["330106"],
    )
    figures_submit(platform=platform, **_figures())
    figures_submit(platform=other, **_figures(received=30, handled=20, removed=5, median_hours=40))
    figures_submit(platform=other, **_figures(period=_month(2), received=7, handled=7, removed=7))
    page = client.get("/transparency/").content.decode()
    totals = page.split('data-transparency="platform-totals"')[1].split("</table>")[0]
    row = totals.split(f'data-month="{_month()}"')[1].split("</tr>")[0]
    assert "<td>2</td>" in row  # two platforms
    assert '<td data-figure="received">150</td>' in row
    assert '<td data-figure="handled">130</td>' in row
    assert '<td data-figure="removed">85</td>' in row
    assert "40.0" in row  # the slowest platform's median
    older = totals.split(f'data-month="{_month(2)}"')[1].split("</tr>")[0]
    assert '<td data-figure="received">7</td>' in older
    per_platform = page.split('data-transparency="platform-figures"')[1].split("</table>")[0]
    assert per_platform.count("<tr data-platform=") == 3
