"""Measures on a case about content and an account on the platform, and signed platform calls."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from jubao.cases.models import Case, Judgement, Proposal
from jubao.catalogue import get_catalogue
from jubao.errors import DomainError
from jubao.intake.models import Report
from jubao.measures.conversions import conversion_approve, conversion_pending
from jubao.measures.models import Measure
from jubao.measures.services import measures_order
from tests.platforms.conftest import platform_key, private_key, sign  # noqa: F401

BASE = "http://testserver/api/v1/platform"
ACCOUNT = "@zhangsan_1990"
# A Monday in a week without holidays, so working-day deadlines are easy to reason about.
T0 = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))


@pytest.fixture(autouse=True)
def _easy(easy_pow_and_no_rate_limits):
    """Reports filed here solve cheap challenges and meet no rate limit."""


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def case(client, report_body, platform) -> Case:
    """A case about a post and its account on the platform."""
    target = {
        "url": "https://xinghe.example/p/12345",
        "platform": "星河社区",
        "account_name": ACCOUNT,
        "excerpt": "她家就住在某小区5栋2单元301",
    }
    response = client.post(
        "/api/v1/reports", report_body(targets=[target]), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    found = Report.objects.get().case
    assert found.platform == platform
    return found


@pytest.fixture
def order(case, cast) -> Callable[[str], Measure]:
    """Order measure `code` on the case as an approved proposal would (one target)."""

    def make(code: str) -> Measure:
        spec = get_catalogue().measure(code)
        judgement = Judgement.objects.create(
            case=case, judge=cast["member3"], result="infringing", reasons="证据充分"
        )
        proposal = Proposal.objects.create(
            case=case,
            judgement=judgement,
            proposer=cast["disposal"],
            measure_code=code,
            tier=spec.tier.level,
            level_required=spec.tier.level,
            approvals_required=spec.tier.approvers,
            reasons="多次公开他人住址",
        )
        ordered = measures_order(case=case, proposal=proposal)
        assert len(ordered) == 1
        return ordered[0]

    return make


@pytest.fixture
def signed(client, private_key, platform_key) -> Callable[..., Any]:  # noqa: F811
    """A signed POST to the platform API as the platform."""

    def post(path: str, body: dict[str, Any]) -> Any:
        raw = json.dumps(body).encode()
        headers = sign(private_key, url=BASE + path, method="POST", body=raw)
        return client.post(
            "/api/v1/platform" + path, data=raw, content_type="application/json", headers=headers
        )

    return post


@contextmanager
def refused(code: str) -> Iterator[None]:
    """The block raises a DomainError with this stable code (messages follow the language)."""
    with pytest.raises(DomainError) as info:
        yield
    assert info.value.code == code, info.value.code


def approve_removal(measure: Measure, approver: Any) -> Measure:
    """Approve the removal proposed in place of `measure` (tier 1: one approval) and return the
    removal measure that replaced it."""
    pending = conversion_pending(measure)
    assert pending is not None, "no removal was proposed"
    conversion_approve(conversion=pending, by=approver)
    measure.refresh_from_db()
    assert measure.replaced_by is not None
    return measure.replaced_by
