"""Cases and measures handed to a platform through the signed API, and the platform's answers."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from jubao.cases.services import case_transition
from jubao.cases.workflow import Move
from jubao.intake.models import Report, ReportEvent
from jubao.ledger.verify import ledger_verify
from jubao.measures.models import Measure, MeasureStatus
from jubao.platforms.models import Transfer, TransferStatus
from jubao.platforms.services import transfer_answer
from jubao.platforms.webhooks import Webhook
from tests.cases.conftest import tier1_measure
from tests.intake.conftest import png_bytes
from tests.platforms.conftest import sign

pytestmark = pytest.mark.django_db

BASE = "http://testserver/api/v1/platform"


@pytest.fixture(autouse=True)
def _easy(easy_pow_and_no_rate_limits):
    """Reports filed here solve cheap challenges and meet no rate limit."""


@pytest.fixture
def api(client, private_key, platform_key):
    """Signed calls to the platform API as the platform."""

    def call(method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        raw = json.dumps(body).encode() if body is not None else b""
        components = ("@method", "@authority", "@path", "@query") if "?" in path else None
        kwargs: dict[str, Any] = {"url": BASE + path, "method": method, "body": raw}
        if body is None:
            kwargs["components"] = components or ("@method", "@authority", "@path")
        headers = sign(private_key, **kwargs)
        if method == "GET":
            return client.get("/api/v1/platform" + path, headers=headers)
        return client.post(
            "/api/v1/platform" + path, data=raw, content_type="application/json", headers=headers
        )

    return call


@pytest.fixture
def approved_case(client, report_body, cast, platform, offices):
    """A case about content on the platform, judged, with its measure approved."""
    response = client.post("/api/v1/reports", report_body(), content_type="application/json")
    assert response.status_code == 201
    case = Report.objects.get().case
    assert case.platform == platform
    # The platform's office handles it: give the cast that jurisdiction's view.
    steps = [
        (Move.ACCEPT, "intake", {}),
        (Move.START_REVIEW, "reviewer", {}),
        (Move.JUDGE, "reviewer", {"result": "infringing", "reasons": "公开住址"}),
        (Move.PROPOSE_DISPOSAL, "disposal", {"measure": tier1_measure(), "reasons": "删除"}),
        (Move.APPROVE, "approver", {}),
    ]
    for move, who, params in steps:
        case = case_transition(case=case, move=move, actor=cast[who], **params)
    return case


def _png() -> str:
    return base64.b64encode(png_bytes()).decode()


def test_an_approved_measure_reaches_the_platform_and_comes_back(api, approved_case, cast):
    case = case_transition(case=approved_case, move=Move.START_DISPOSAL, actor=cast["disposal"])
    measure = Measure.objects.get(case=case)
    transfer = Transfer.objects.get(case=case)
    assert transfer.measure == measure and measure.status == MeasureStatus.ORDERED
    assert Webhook.objects.filter(event="transfer.created").count() == 1
    assert "platform_transfer" in case.clocks

    listed = api("GET", "/transfers").json()["items"]
    assert [t["id"] for t in listed] == [str(transfer.public_id)]
    payload = listed[0]["case"]
    assert payload["measure"]["code"] == tier1_measure()
    assert "extends_to" in payload["measure"] and "period" in payload["measure"]
    text = json.dumps(payload, ensure_ascii=False)
    # The reporter's identity and own account never reach the platform.
    assert "金丝雀张三" not in text and "13912345678" not in text
    assert "号召大家" not in text

    # The office may not record the disposal before the platform reports.
    from jubao.errors import DomainError

    with pytest.raises(DomainError) as refused:
        case_transition(case=case, move=Move.DISPOSE, actor=cast["disposal"], note="x")
    assert refused.value.code == "platform_pending"

    path = f"/transfers/{transfer.public_id}"
    assert api("POST", path + "/acknowledge", {"reference": "XH-1"}).json()["status"] == (
        "acknowledged"
    )
    assert api("POST", path + "/acknowledge", {"reference": "XH-2"}).status_code == 200
    asked = api("POST", path + "/questions", {"question": "请提供截图"}).json()
    assert asked["status"] == "question"
    transfer_answer(transfer=transfer, by=cast["intake"], answer="见附件")
    assert Webhook.objects.filter(event="transfer.answered").count() == 1
    done = api(
        "POST",
        path + "/report",
        {"note": "已删除", "evidence": [{"name": "removed.png", "content_base64": _png()}]},
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "done"
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.ACTIVE and measure.applied_at
    case.refresh_from_db()
    assert case.clocks["platform_transfer"]["stopped_at"]
    # The reporter reads the platform's answer on the receipt page.
    assert ReportEvent.objects.filter(body__contains="已删除").exists()
    case = case_transition(case=case, move=Move.DISPOSE, actor=cast["disposal"], note="已核实")
    assert case.status == "disposed"
    # Reporting twice is a conflict, not a second report.
    again = api("POST", path + "/report", {"note": "x", "evidence": []})
    assert again.status_code == 409
    assert ledger_verify().ok


def test_a_report_needs_evidence_and_refuses_bad_files(api, approved_case, cast):
    case_transition(case=approved_case, move=Move.START_DISPOSAL, actor=cast["disposal"])
    transfer = Transfer.objects.get()
    path = f"/transfers/{transfer.public_id}/report"
    assert api("POST", path, {"note": "done", "evidence": []}).status_code == 400
    bad = api(
        "POST", path, {"note": "done", "evidence": [{"name": "a.png", "content_base64": "%%"}]}
    )
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "evidence.0"
    fake = base64.b64encode(b"MZ not a png").decode()
    refused = api(
        "POST", path, {"note": "d", "evidence": [{"name": "a.png", "content_base64": fake}]}
    )
    assert refused.status_code == 400
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.SENT and not transfer.evidence.exists()


def test_a_platform_sees_only_its_own_transfers(api, approved_case, cast, platform):
    from jubao.accounts.services import platform_create

    case_transition(case=approved_case, move=Move.START_DISPOSAL, actor=cast["disposal"])
    transfer = Transfer.objects.get()
    other = platform_create(
        actor="system",
        name="别家",
        name_en="Other",
        icp_number="浙ICP备20260002号",
        jurisdiction=platform.jurisdiction,
    )
    Transfer.objects.filter(pk=transfer.pk).update(platform=other)
    assert api("GET", "/transfers").json()["items"] == []
    assert api("GET", f"/transfers/{transfer.public_id}").status_code == 404


def test_unsigned_calls_are_refused(client):
    response = client.get("/api/v1/platform/transfers")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "signature_missing"


def test_a_dispute_marks_the_measure_not_carried_out(api, approved_case, cast):
    case_transition(case=approved_case, move=Move.START_DISPOSAL, actor=cast["disposal"])
    transfer = Transfer.objects.get()
    body = api("POST", f"/transfers/{transfer.public_id}/dispute", {"reason": "内容不在本平台"})
    assert body.json()["status"] == "disputed"
    assert Measure.objects.get().status == MeasureStatus.FAILED


def test_a_whole_case_can_be_handed_to_the_platform(api, client, report_body, cast, platform):
    client.post("/api/v1/reports", report_body(), content_type="application/json")
    case = Report.objects.get().case
    case = case_transition(case=case, move=Move.TRANSFER, actor=cast["intake"], to_platform=True)
    assert case.status == "transferred"
    transfer = Transfer.objects.get(case=case)
    assert transfer.kind == "case" and transfer.measure is None
    assert api("GET", "/transfers").json()["items"][0]["kind"] == "case"


def test_officers_answer_questions_and_see_the_platform_files_on_the_case_page(
    api, approved_case, cast, verified_client
):
    case = case_transition(case=approved_case, move=Move.START_DISPOSAL, actor=cast["disposal"])
    transfer = Transfer.objects.get()
    path = f"/transfers/{transfer.public_id}"
    api("POST", path + "/questions", {"question": "帖子已被作者删除？"})
    client = verified_client(cast["intake"])
    page = client.get(f"/workbench/cases/{case.pk}/").content.decode()
    assert 'data-form="transfer-answer"' in page and "帖子已被作者删除？" in page
    client.post(
        f"/workbench/cases/{case.pk}/transfers/{transfer.public_id}/answer/", {"answer": "仍可访问"}
    )
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.SENT
    assert transfer.events.filter(kind="answer", by=cast["intake"]).exists()
    done = api(
        "POST",
        path + "/report",
        {"note": "已删除", "evidence": [{"name": "removed.png", "content_base64": _png()}]},
    )
    assert done.status_code == 200
    evidence = transfer.evidence.get()
    shown = client.get(f"/workbench/cases/transfer-evidence/{evidence.vault_ref}/")
    assert shown.status_code == 200 and shown["Content-Type"] == evidence.staff_media_type
    assert shown["Cache-Control"] == "private, no-store"


def test_a_case_handed_to_its_platform_stays_supervised_until_it_answers(
    api, client, report_body, cast
):
    from datetime import timedelta

    from django.utils import timezone

    from jubao.cases.selectors import supervision_list

    client.post("/api/v1/reports", report_body(), content_type="application/json")
    case = Report.objects.get().case
    case = case_transition(case=case, move=Move.TRANSFER, actor=cast["intake"], to_platform=True)
    assert case.clocks["platform_transfer"]["stopped_at"] is None
    assert case.clocks["acceptance"]["stopped_at"] is not None
    later = timezone.now() + timedelta(days=30)
    assert case in supervision_list(cast["supervisor"], now=later)
    transfer = Transfer.objects.get(case=case)
    api("POST", f"/transfers/{transfer.public_id}/dispute", {"reason": "不属于本平台"})
    case.refresh_from_db()
    assert case.due_at is None
    assert case not in supervision_list(cast["supervisor"], now=later)
