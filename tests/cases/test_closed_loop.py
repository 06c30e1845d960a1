"""A report through the whole loop: every step is answered on the reporter's receipt page."""

from __future__ import annotations

import pytest
from django.test import Client

from jubao.cases.services import case_transition
from jubao.cases.workflow import Move
from jubao.intake.models import Report
from jubao.ledger.verify import ledger_verify
from tests.cases.conftest import tier1_measure

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _memory_notifications(settings):
    from jubao.notify.backends import MemoryBackend
    from jubao.notify.services import backend

    settings.JUBAO_NOTIFY_SMS_BACKEND = "jubao.notify.backends.MemoryBackend"
    backend.cache_clear()
    MemoryBackend.outbox.clear()
    yield
    backend.cache_clear()


def test_from_report_to_evaluation(
    client: Client, report_body, cast, offices, django_capture_on_commit_callbacks
):
    receipt = client.post("/api/v1/reports", report_body(), content_type="application/json")
    code = receipt.json()["receipt"]
    case = Report.objects.get().case
    steps = [
        (Move.ACCEPT, "intake", {}),
        (Move.START_REVIEW, "reviewer", {}),
        (Move.JUDGE, "reviewer", {"result": "infringing", "reasons": "公开住址和电话"}),
        (Move.PROPOSE_DISPOSAL, "disposal", {"measure": tier1_measure(), "reasons": "删除"}),
        (Move.APPROVE, "approver", {}),
        (Move.START_DISPOSAL, "disposal", {}),
        (Move.DISPOSE, "disposal", {"note": "平台已删除"}),
        (Move.ANSWER, "intake", {"message": "您举报的帖子已被删除。"}),
    ]
    for move, who, params in steps:
        with django_capture_on_commit_callbacks(execute=True):
            case = case_transition(case=case, move=move, actor=cast[who], **params)
    assert case.status == "answered"
    from jubao.notify.backends import MemoryBackend

    texts_sent = [body for to, _subject, body in MemoryBackend.outbox if to == "13912345678"]
    assert len(texts_sent) == len(steps)
    assert "您举报的帖子已被删除。" in texts_sent[-1]
    status = client.get(
        "/api/v1/reports/status", HTTP_X_RECEIPT_CODE=code, HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    texts = " ".join(line["text"] for line in status["lines"])
    assert "您举报的帖子已被删除。" in texts
    assert "Answer sent" in texts and "Accepted" in texts
    assert status["can_evaluate"] is True
    evaluated = client.post(
        "/api/v1/reports/evaluation",
        {"score": 4, "comment": "处理及时"},
        content_type="application/json",
        HTTP_X_RECEIPT_CODE=code,
    )
    assert evaluated.status_code == 201
    case.refresh_from_db()
    assert case.status == "evaluated"
    case = case_transition(case=case, move=Move.CLOSE, actor=cast["intake"])
    assert case.status == "closed"
    assert ledger_verify().ok
