"""The reveal services: request, decision and opening, each refused with a reason otherwise."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from jubao.accounts.models import Role, User
from jubao.accounts.services import role_grant
from jubao.cases.models import Case
from jubao.catalogue import get_catalogue
from jubao.custody import services
from jubao.custody.models import RevealRequest
from jubao.custody.services import reveal_decide, reveal_open, reveal_request
from jubao.errors import DomainError, Forbidden, NotFound
from jubao.ledger.canonical import payload_hash
from jubao.ledger.models import LedgerEntry
from jubao.ledger.verify import ledger_verify
from tests.custody.conftest import NAME, PHONE, REASON

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger_calls(monkeypatch) -> list[dict]:
    """Every ledger_append call of the custody services, passed on to the real ledger."""
    calls: list[dict] = []
    real = services.ledger_append

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(services, "ledger_append", spy)
    return calls


def _entries() -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(action__startswith="identity.").order_by("index"))


def _travel(monkeypatch, delta: dt.timedelta) -> None:
    later = timezone.now() + delta
    monkeypatch.setattr(timezone, "now", lambda: later)


def test_request_approve_open_each_step_is_in_the_ledger(people, report, ledger_calls):
    alice, carol = people["alice"], people["carol"]
    reveal = reveal_request(case=report.case, report=report, requester=alice, reason=REASON)
    assert (reveal.status, reveal.reason) == ("pending", REASON)
    decided = reveal_decide(request=reveal, custodian=carol, approve=True, note="")
    assert decided.status == "approved" and decided.decided_by == carol
    assert decided.expires_at - decided.decided_at == dt.timedelta(hours=24)
    identity = reveal_open(request=reveal, user=alice)
    assert identity == {"name": NAME, "phone": PHONE, "email": None}
    entries = _entries()
    assert [(e.action, e.actor) for e in entries] == [
        ("identity.request", f"user:{alice.pk}"),
        ("identity.approve", f"user:{carol.pk}"),
        ("identity.open", f"user:{alice.pk}"),
    ]
    assert entries[0].ref == f"custody.revealrequest:{reveal.pk}"
    assert entries[2].ref == f"intake.report:{report.pk}"
    assert ledger_verify().ok


def test_every_opening_is_recorded(people, approved):
    for _ in range(3):
        reveal_open(request=approved, user=people["alice"])
    assert [e.action for e in _entries()].count("identity.open") == 3


def test_the_identity_and_the_reason_never_reach_the_ledger(people, report, ledger_calls):
    reveal = reveal_request(
        case=report.case, report=report, requester=people["alice"], reason=REASON
    )
    reveal_decide(request=reveal, custodian=people["carol"], approve=True, note="可以联系")
    reveal_open(request=reveal, user=people["alice"])
    assert len(ledger_calls) == 3
    entries = _entries()
    for call, entry in zip(ledger_calls, entries, strict=True):
        # The spied payload is the one recorded: its hash is the entry's.
        assert entry.payload_hash == payload_hash(call["payload"])
        text = json.dumps(call, default=str, ensure_ascii=False)
        for secret in (NAME, PHONE, REASON, "可以联系"):
            assert secret not in text
        assert PHONE not in f"{entry.actor} {entry.action} {entry.ref}"


def test_approval_lasts_the_configured_hours(people, pending, settings):
    settings.JUBAO_REVEAL_HOURS = 2
    decided = reveal_decide(request=pending, custodian=people["carol"], approve=True)
    assert decided.expires_at - decided.decided_at == dt.timedelta(hours=2)


def test_a_refusal_needs_a_note_and_opens_nothing(people, pending):
    with pytest.raises(DomainError) as raised:
        reveal_decide(request=pending, custodian=people["carol"], approve=False, note=" ")
    assert raised.value.field == "note"
    pending.refresh_from_db()
    assert pending.status == "pending"
    refused = reveal_decide(
        request=pending, custodian=people["carol"], approve=False, note="理由不足"
    )
    assert (refused.status, refused.expires_at) == ("refused", None)
    with pytest.raises(Forbidden) as raised:
        reveal_open(request=refused, user=people["alice"])
    assert raised.value.code == "not_approved"
    assert [e.action for e in _entries()] == ["identity.request", "identity.refuse"]


def test_a_decided_request_cannot_be_decided_again(people, approved):
    with pytest.raises(DomainError) as raised:
        reveal_decide(request=approved, custodian=people["carol"], approve=False, note="撤回")
    assert raised.value.code == "decided"
    approved.refresh_from_db()
    assert approved.status == "approved"


def test_a_pending_request_opens_nothing(people, pending):
    with pytest.raises(Forbidden):
        reveal_open(request=pending, user=people["alice"])
    assert [e.action for e in _entries()] == ["identity.request"]


def test_access_ends_when_the_time_is_up(people, approved, monkeypatch):
    _travel(monkeypatch, dt.timedelta(hours=23, minutes=59))
    assert reveal_open(request=approved, user=people["alice"])["phone"] == PHONE
    _travel(monkeypatch, dt.timedelta(hours=24))
    with pytest.raises(Forbidden) as raised:
        reveal_open(request=approved, user=people["alice"])
    assert raised.value.code == "expired"
    assert [e.action for e in _entries()].count("identity.open") == 1


def test_no_one_decides_their_own_request(people, report, make_user):
    both = make_user("dora", Role.REVIEWER)
    role_grant(actor="system", user=both, role=Role.CUSTODIAN)
    both = User.objects.get(pk=both.pk)
    reveal = reveal_request(case=report.case, report=report, requester=both, reason=REASON)
    with pytest.raises(Forbidden) as raised:
        reveal_decide(request=reveal, custodian=both, approve=True)
    assert raised.value.code == "own_request"
    reveal.refresh_from_db()
    assert reveal.status == "pending" and reveal.decided_by is None


def test_the_database_refuses_a_decision_by_the_requester(people, pending):
    now = timezone.now()
    decision = {"status": "approved", "decided_at": now, "expires_at": now + dt.timedelta(hours=1)}
    rows = RevealRequest.objects.filter(pk=pending.pk)
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        rows.update(decided_by=people["alice"], **decision)
    assert "reveal_not_decided_by_requester" in str(raised.value)
    assert rows.update(decided_by=people["carol"], **decision) == 1


def test_the_database_refuses_an_approval_without_a_time_limit(people, pending):
    rows = RevealRequest.objects.filter(pk=pending.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.update(status="approved", decided_by=people["carol"], decided_at=timezone.now())


def test_only_the_custodian_decides(people, pending):
    for who in ("alice", "bob", "auditor"):
        with pytest.raises(Forbidden):
            reveal_decide(request=pending, custodian=people[who], approve=True)
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_a_custodian_of_another_jurisdiction_cannot_decide(people, pending):
    with pytest.raises(NotFound):
        reveal_decide(request=pending, custodian=people["gd_custodian"], approve=True)


def test_only_the_requester_opens_an_approved_request(people, approved, make_user):
    for user in (people["bob"], people["carol"], make_user("erin", Role.REVIEWER)):
        with pytest.raises(Forbidden):
            reveal_open(request=approved, user=user)
    assert "identity.open" not in [e.action for e in _entries()]


def test_requests_about_cases_outside_the_jurisdiction_are_refused(people, report):
    with pytest.raises(NotFound):
        reveal_request(
            case=report.case, report=report, requester=people["gd_reviewer"], reason=REASON
        )
    assert not RevealRequest.objects.exists()


def test_custodians_and_auditors_do_not_ask(people, report):
    for who in ("carol", "auditor"):
        with pytest.raises(Forbidden):
            reveal_request(case=report.case, report=report, requester=people[who], reason=REASON)


def test_a_request_needs_a_real_reason(people, report):
    with pytest.raises(DomainError) as raised:
        reveal_request(case=report.case, report=report, requester=people["alice"], reason=" 联系 ")
    assert raised.value.field == "reason"
    assert not RevealRequest.objects.exists()


def test_the_report_must_belong_to_the_case(people, report, offices):
    other = Case.objects.create(
        reference="T-OTHER-1",
        item_code=report.item_code,
        track="cyberviolence",
        priority=10,
        jurisdiction=offices["330000"],
        **get_catalogue().stamp(),
    )
    with pytest.raises(DomainError) as raised:
        reveal_request(case=other, report=report, requester=people["alice"], reason=REASON)
    assert raised.value.field == "report"


def test_one_pending_request_per_report_and_requester(people, pending, report):
    with pytest.raises(DomainError) as raised:
        reveal_request(case=report.case, report=report, requester=people["alice"], reason=REASON)
    assert raised.value.code == "duplicate"
    other = reveal_request(case=report.case, report=report, requester=people["bob"], reason=REASON)
    assert other.status == "pending"


def test_a_requester_who_leaves_the_jurisdiction_loses_access(people, approved, offices):
    alice = people["alice"]
    alice.office = offices["440000"]
    alice.save(update_fields=["office"])
    with pytest.raises(NotFound):
        reveal_open(request=approved, user=alice)
