"""Fixtures of the transparency tests: a finished case whose reports hold personal data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from jubao.cases.models import Case
from jubao.cases.services import case_transition
from jubao.cases.workflow import Move
from jubao.intake.models import Report
from tests.cases.conftest import tier1_measure
from tests.platforms.conftest import platform_key, private_key  # noqa: F401

PHONE = "13912345678"
ADDRESS = "杭州市西湖区文三路100号5栋2单元301室"
DESCRIPTION = f"有人在论坛上公开了我的家庭住址{ADDRESS}和手机号{PHONE}，号召大家去我家门口闹事。"


@pytest.fixture(autouse=True)
def _easy(easy_pow_and_no_rate_limits: None) -> None:
    """Reports filed here solve cheap challenges and meet no rate limit."""


@pytest.fixture
def file_report(client: Client, report_body: Callable[..., dict]) -> Callable[..., Report]:
    def make(**overrides: Any) -> Report:
        response = client.post(
            "/api/v1/reports", report_body(**overrides), content_type="application/json"
        )
        assert response.status_code == 201, response.content
        return Report.objects.get(reference=response.json()["reference"])

    return make


@pytest.fixture
def home_office(settings: Any) -> None:
    """Reports about content on no known platform go to an office of the cast's province."""
    settings.JUBAO_OFFICE_CODE = "330106"


@pytest.fixture
def finished_case(
    file_report: Callable[..., Report], cast: dict, offices: dict, home_office: None
) -> Case:
    """A case judged, disposed of, answered and closed; its report names a home address and a
    phone number. The content is on no registered platform: the office disposes of it."""
    case = file_report(description=DESCRIPTION).case
    steps: list[tuple[Move, str, dict[str, Any]]] = [
        (Move.ACCEPT, "intake", {}),
        (Move.START_REVIEW, "reviewer", {}),
        (
            Move.JUDGE,
            "reviewer",
            {"result": "infringing", "reasons": "公开他人住址和电话，构成人肉搜索"},
        ),
        (Move.PROPOSE_DISPOSAL, "disposal", {"measure": tier1_measure(), "reasons": "删除"}),
        (Move.APPROVE, "approver", {}),
        (Move.START_DISPOSAL, "disposal", {}),
        (Move.DISPOSE, "disposal", {"note": "平台已删除"}),
        (Move.ANSWER, "intake", {"message": "您举报的帖子已被删除。"}),
        (Move.CLOSE, "intake", {}),
    ]
    for move, who, params in steps:
        case = case_transition(case=case, move=move, actor=cast[who], **params)
    assert case.status == "closed"
    return case
