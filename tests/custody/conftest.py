"""Custody fixtures: named staff in two jurisdictions and a report filed through the intake API."""

from __future__ import annotations

import pytest
from django.test import Client

from jubao.accounts.models import Role, User
from jubao.cases.models import Case
from jubao.custody.models import RevealRequest
from jubao.custody.services import reveal_decide, reveal_request
from jubao.intake.models import Report

REASON = "需要联系举报人核实帖子截图的原始来源和发布时间"
NAME, PHONE = "金丝雀张三", "13912345678"


@pytest.fixture(autouse=True)
def _easy(easy_pow_and_no_rate_limits):
    """Reports are filed through the API: cheap challenges, no rate limit."""


@pytest.fixture
def people(make_user) -> dict[str, User]:
    """Zhejiang staff (the default office) and a reviewer and a custodian of Guangdong."""
    return {
        "alice": make_user("alice", Role.REVIEWER),  # asks for the identity
        "bob": make_user("bob", Role.DISPOSAL),  # a colleague on the same case
        "carol": make_user("carol", Role.CUSTODIAN),  # the identity custodian
        "auditor": make_user("aud", Role.AUDITOR),
        "gd_reviewer": make_user("gd_reviewer", Role.REVIEWER, office="440000"),
        "gd_custodian": make_user("gd_custodian", Role.CUSTODIAN, office="440000"),
    }


@pytest.fixture
def report(client: Client, report_body, offices) -> Report:
    """A report with the reporter's name and phone sealed, its case in Zhejiang's jurisdiction."""
    response = client.post("/api/v1/reports", report_body(), content_type="application/json")
    assert response.status_code == 201, response.content
    filed = Report.objects.get()
    Case.objects.filter(pk=filed.case_id).update(jurisdiction=offices["330000"])
    return Report.objects.select_related("case").get(pk=filed.pk)


@pytest.fixture
def pending(people, report) -> RevealRequest:
    return reveal_request(case=report.case, report=report, requester=people["alice"], reason=REASON)


@pytest.fixture
def approved(people, pending) -> RevealRequest:
    return reveal_decide(request=pending, custodian=people["carol"], approve=True, note="")
