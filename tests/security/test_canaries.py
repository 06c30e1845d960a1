"""Leak canaries beyond intake: a canary reporter's identity is absent from everything a case
produces on its way: the platform's payload and API answers, webhooks, transfer events, ledger
entries, the workbench pages, the reporter-facing pages of other parts (complaints), typical case
drafts and error pages.

The intake canary (tests/intake/test_canary.py) covers submission itself: logs, database dumps,
raw SQLite files, sessions and stored files.
"""

from __future__ import annotations

import json

import pytest

from jubao.cases.models import Case
from jubao.cases.services import case_transition
from jubao.cases.workflow import Move
from jubao.intake.models import Report
from jubao.ledger.models import LedgerEntry
from jubao.platforms.models import Transfer, TransferEvent
from jubao.platforms.webhooks import Webhook
from jubao.vault.services import vault_open_many
from tests.intake.test_canary import CANARY_NAME, CANARY_PHONE, leaks
from tests.platforms.conftest import platform_key, private_key  # noqa: F401
from tests.platforms.test_transfers import api  # noqa: F401  (signed calls as the platform)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _easy(easy_pow_and_no_rate_limits):
    """Reports filed here solve cheap challenges and meet no rate limit."""


def _canary_report(client, report_body) -> Report:
    body = report_body(contact={"name": CANARY_NAME, "phone": CANARY_PHONE, "email": ""})
    response = client.post("/api/v1/reports", body, content_type="application/json")
    assert response.status_code == 201, response.content
    return Report.objects.get()


@pytest.fixture
def handed(client, report_body, cast, platform) -> Case:
    """A canary's report, judged, its measure approved and handed to the platform."""
    report = _canary_report(client, report_body)
    sealed = vault_open_many(table="intake.report", row=report.vault_ref, fields=["name", "phone"])
    assert sealed == {"name": CANARY_NAME, "phone": CANARY_PHONE}  # the canary was really filed
    case = report.case
    steps = [
        (Move.ACCEPT, "intake", {}),
        (Move.START_REVIEW, "reviewer", {}),
        (Move.JUDGE, "reviewer", {"result": "infringing", "reasons": "公开住址"}),
        (Move.PROPOSE_DISPOSAL, "disposal", {"measure": "content.remove", "reasons": "删除"}),
        (Move.APPROVE, "approver", {}),
        (Move.START_DISPOSAL, "disposal", {}),
    ]
    for move, who, params in steps:
        case = case_transition(case=case, move=move, actor=cast[who], **params)
    return case


def test_nothing_sent_to_or_read_by_the_platform_names_the_reporter(
    handed,
    api,  # noqa: F811
):
    transfer = Transfer.objects.get(case=handed)
    assert not leaks(json.dumps(transfer.payload, ensure_ascii=False))
    for hook in Webhook.objects.all():
        assert not leaks(json.dumps(hook.body, ensure_ascii=False)), hook.event
    for event in TransferEvent.objects.all():
        assert not leaks(event.text + json.dumps(event.data, ensure_ascii=False))
    for path in ("/transfers", f"/transfers/{transfer.public_id}", "/transfers?all=true"):
        response = api("GET", path)
        assert response.status_code == 200 and not leaks(response.content), path
    refused = api("GET", f"/transfers/{transfer.public_id}/reporter")
    assert refused.status_code == 403 and not leaks(refused.content)


def test_the_ledger_and_the_workbench_pages_do_not_name_the_reporter(handed, cast, verified_client):
    for entry in LedgerEntry.objects.all():
        assert not leaks(f"{entry.actor} {entry.action} {entry.ref}"), entry.action
    staff = verified_client(cast["intake"])
    for path in (
        f"/workbench/cases/{handed.pk}/",
        "/workbench/cases/",
        "/workbench/cases/supervision/",
        "/api/v1/cases",
    ):
        response = staff.get(path)
        assert response.status_code in (200, 403), path
        assert not leaks(response.content), path


def test_error_pages_and_a_typical_case_draft_do_not_name_the_reporter(
    client, report_body, cast, make_user, platform
):
    report = _canary_report(client, report_body)
    for path in (f"/report/{CANARY_PHONE}/", f"/guidelines/{CANARY_NAME}/", "/receipt/status/"):
        response = client.get(path)
        assert not leaks(response.content), path
    # A typical case drafted from the finished case carries nothing of the reporter either.
    from jubao.insights.services import typical_case_draft

    case = case_transition(
        case=report.case, move=Move.REFUSE, actor=cast["intake"], reason="supervision"
    )
    supervisor = make_user("canary_sup", "supervisor")
    draft = typical_case_draft(user=supervisor, case=case)
    assert draft.text and not leaks(draft.title + draft.text)
