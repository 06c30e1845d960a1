"""A case about a platform registered where another instance serves goes there; what happens
there comes back to the reporter's receipt page here."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from jubao.accounts.models import Role
from jubao.cases.models import Case
from jubao.cases.services import case_transition
from jubao.cases.workflow import REPORTER, Move
from jubao.federation.fingerprints import of_case
from jubao.federation.jobs import fingerprints_sync, hops_watch, routes_run
from jubao.federation.models import Direction, Link, MessageStatus, OutMessage
from jubao.federation.outbox import messages_deliver
from jubao.intake.models import Report
from jubao.ledger.models import LedgerEntry

from .conftest import transfer_body

pytestmark = pytest.mark.django_db
URL = "https://nanyue.example/t/4242"


@pytest.fixture
def file_report(client: Client, report_body, south_platform):
    def go(url: str = URL, name: str = "南粤论坛") -> str:
        target = {"url": url, "platform": name, "excerpt": "他的电话是13800138000"}
        response = client.post(
            "/api/v1/reports", report_body(targets=[target]), content_type="application/json"
        )
        assert response.status_code == 201, response.content
        return response.json()["receipt"]

    return go


def _case(receipt_index: int = 0) -> Case:
    return Report.objects.order_by("pk")[receipt_index].case


def test_a_case_about_a_platform_served_elsewhere_starts_here_and_is_routed(
    settings, file_report, guangdong, central, router
):
    file_report()
    case = _case()
    assert case.jurisdiction.code == "330000" and case.status == "pending"
    assert routes_run() == []  # no duty officer configured: staff decide
    settings.JUBAO_FEDERATION_ROUTER = "router"
    assert routes_run() == [case.reference]
    case.refresh_from_db()
    assert case.status == "transferred" and case.jurisdiction.code == "440100"
    link = Link.objects.get(direction=Direction.OUT, case=case)
    assert link.peer == guangdong.peer and link.office_code == "440100"
    message = OutMessage.objects.get(kind="case.transfer")
    assert message.peer == guangdong.peer and message.status == MessageStatus.PENDING
    sent = json.dumps(message.envelope, ensure_ascii=False)
    for secret in ("金丝雀张三", "13912345678", "13800138000"):
        assert secret not in sent
    assert message.envelope["body"]["reports"][0]["targets"][0]["url"] == URL
    assert message.envelope["body"]["fingerprints"]


def test_an_officer_transferring_to_an_office_served_elsewhere_forwards_it(
    file_report, guangdong, make_user, offices
):
    file_report()
    clerk = make_user("clerk_fed", Role.INTAKE)
    case_transition(case=_case(), move=Move.TRANSFER, actor=clerk, office=offices["440300"])
    assert OutMessage.objects.get().envelope["body"]["case"]["office"] == "440300"


def test_a_transfer_within_our_own_tree_stays_here(file_report, guangdong, make_user, offices):
    file_report()
    clerk = make_user("clerk_fed", Role.INTAKE)
    case_transition(case=_case(), move=Move.TRANSFER, actor=clerk, office=offices["330106"])
    assert not OutMessage.objects.exists() and not Link.objects.exists()


def _forwarded(settings, file_report) -> tuple[str, Case]:
    settings.JUBAO_FEDERATION_ROUTER = "router"
    receipt = file_report()
    routes_run()
    return receipt, _case()


def test_status_and_answer_come_back_to_the_receipt(
    settings, client, file_report, guangdong, router, send
):
    receipt, case = _forwarded(settings, file_report)
    at = timezone.now()

    def status(kind: str, status: str, message: str, moment: dt.datetime) -> None:
        body = {"case": str(case.public_id), "status": status, "message": message}
        body.update(at=moment.isoformat(), reference="A2611290001XY")
        response = send(guangdong, guangdong.envelope(kind, body))
        assert response.status_code == 200, response.content

    status("case.status", "accepted", "", at)
    view = client.get("/api/v1/reports/status", HTTP_X_RECEIPT_CODE=receipt).json()
    assert view["status"] == "accepted"
    status("case.answer", "answered", "帖子已删除。", at + dt.timedelta(minutes=5))
    status("case.status", "under_review", "", at + dt.timedelta(minutes=1))  # late, ignored
    view = client.get(
        "/api/v1/reports/status", HTTP_X_RECEIPT_CODE=receipt, HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    assert view["status"] == "answered"
    texts = " ".join(line["text"] for line in view["lines"])
    assert "帖子已删除。" in texts and "Under review" not in texts
    link = Link.objects.get(case=case)
    assert link.settled_at and link.answered_at and link.remote_reference == "A2611290001XY"


def test_a_status_for_a_case_we_never_sent_is_refused(send, guangdong):
    body = {"case": "7f1c2a52-1d5e-4a53-9a55-6c1f3c0d2a10", "status": "accepted"}
    body.update(at=timezone.now().isoformat(), message="")
    response = send(guangdong, guangdong.envelope("case.status", body))
    assert response.status_code == 404


def test_a_report_about_content_handled_elsewhere_joins_that_case(
    settings, file_report, guangdong, router, send
):
    file_report()
    values = of_case(_case())
    announce = {
        "case": "7f1c2a52-1d5e-4a53-9a55-6c1f3c0d2a10",
        "office": "440100",
        "opened": (timezone.now() - dt.timedelta(days=1)).isoformat(),
        "open": True,
        "fingerprints": values,
    }
    send(guangdong, guangdong.envelope("fingerprint.announce", {"cases": [announce]}))
    settings.JUBAO_FEDERATION_ROUTER = "router"
    routes_run()
    message = OutMessage.objects.get(peer=guangdong.peer)
    assert message.kind == "report.join"
    assert message.envelope["body"]["join"] == announce["case"]


def test_a_case_that_came_from_a_peer_reports_every_move_back(send, guangdong, platform, cast):
    data = guangdong.envelope("case.transfer", transfer_body())
    send(guangdong, data)
    case = Case.objects.get()
    case_transition(case=case, move=Move.ACCEPT, actor=cast["intake"])
    back = OutMessage.objects.get(kind="case.status")
    assert back.peer == guangdong.peer
    assert back.envelope["body"]["case"] == data["body"]["case"]["id"]
    assert back.envelope["body"]["status"] == "accepted"
    assert Link.objects.get(direction=Direction.IN).settled_at is not None


def test_a_peer_that_is_down_gets_the_message_later(settings, file_report, guangdong, router):
    _forwarded(settings, file_report)
    assert messages_deliver() == 1
    message = OutMessage.objects.get()
    assert message.status == MessageStatus.PENDING and message.attempts == 1
    assert message.last_error and message.next_attempt_at > timezone.now()
    assert messages_deliver() == 0  # not due yet
    settings.JUBAO_FEDERATION_MAX_ATTEMPTS = 2
    messages_deliver(now=message.next_attempt_at + dt.timedelta(seconds=1))
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and message.attempts == 2


def test_a_late_hop_goes_to_supervision_once(settings, file_report, guangdong, router, make_user):
    _forwarded(settings, file_report)
    link = Link.objects.get()
    later = link.due_at + dt.timedelta(minutes=1)
    assert hops_watch(now=later) == [link.pk]
    assert hops_watch(now=later) == []
    assert LedgerEntry.objects.filter(action="federation.hop_overdue").count() == 1


def test_our_open_cases_are_announced_and_withdrawn_when_finished(
    file_report, guangdong, central, platform
):
    file_report("https://xinghe.example/p/1", "星河社区")  # a platform of ours: handled here
    assert fingerprints_sync() == 1
    announced = OutMessage.objects.filter(kind="fingerprint.announce")
    assert {m.peer.code for m in announced} == {"000000", "440000"}
    assert fingerprints_sync() == 0
    case = _case()
    case_transition(case=case, move=Move.WITHDRAW, actor=REPORTER)
    assert fingerprints_sync() == 1
    last = announced.order_by("-pk").first()
    assert last is not None and last.envelope["body"]["cases"][0]["open"] is False
