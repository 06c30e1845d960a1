"""The whole life of a time-limited private measure: applied, extended once, lifted at the
deadline by the timer, or turned into removal when the reporter's proof holds."""

from __future__ import annotations

import datetime as dt

import pytest

from jubao.intake.models import ReportEvent
from jubao.ledger.models import LedgerEntry
from jubao.ledger.verify import ledger_verify
from jubao.measures.lifecycle import (
    MeasureConflict,
    measures_watch,
    private_extend,
    private_proof_received,
)
from jubao.measures.models import Measure, MeasureStatus
from jubao.measures.services import measure_applied
from jubao.platforms.models import Transfer
from jubao.platforms.webhooks import Webhook
from tests.measures.conftest import T0, approve_removal, refused

pytestmark = pytest.mark.django_db
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def private(order) -> Measure:
    measure = order("content.private")
    assert measure.status == MeasureStatus.ORDERED and measure.transfer.platform_id
    return measure_applied(measure=measure, at=T0)


def test_applying_sets_the_period_and_the_proof_deadline(private):
    assert private.status == MeasureStatus.ACTIVE and private.applied_at == T0
    assert private.ends_at.date() == dt.date(2026, 3, 17)  # fifteen calendar days, end of day
    # Ten working days from Monday 2 March 2026: Monday 16 March.
    assert private.proof_due_at.date() == dt.date(2026, 3, 16)


def test_it_extends_once_and_refuses_a_second_time(private, cast):
    first_due, first_end = private.proof_due_at, private.ends_at
    extended = private_extend(measure=private, by=cast["disposal"])
    assert extended.extensions_used == 1
    assert extended.proof_due_at.date() == dt.date(2026, 3, 23)  # five more working days
    assert extended.ends_at > first_end and extended.proof_due_at > first_due
    assert Webhook.objects.filter(event="measure.extended").count() == 1
    assert ReportEvent.objects.filter(body__contains="2026-03-23").exists()
    entries = LedgerEntry.objects.count()
    with refused("no_extension_left"):
        private_extend(measure=private, by=cast["disposal"])
    private.refresh_from_db()
    assert private.extensions_used == 1 and private.proof_due_at == extended.proof_due_at
    assert LedgerEntry.objects.count() == entries


def test_the_timer_lifts_it_when_no_proof_arrives(private, cast):
    private_extend(measure=private, by=cast["disposal"])
    private.refresh_from_db()
    # At the first deadline nothing happens: the measure was extended.
    assert measures_watch(now=dt.datetime(2026, 3, 17, 9, tzinfo=dt.UTC)).lifted == []
    result = measures_watch(now=private.proof_due_at + MINUTE)
    assert result.lifted == [private.pk]
    private.refresh_from_db()
    assert (
        private.status == MeasureStatus.ENDED and private.ended_at == private.proof_due_at + MINUTE
    )
    hook = Webhook.objects.get(event="measure.lifted")
    assert hook.body["measure"] == str(private.public_id) and hook.body["reason"] == "proof_timeout"
    assert ReportEvent.objects.filter(body__contains="public again").exists() or (
        ReportEvent.objects.filter(body__contains="恢复公开").exists()
    )
    # Running the timer again changes nothing.
    assert measures_watch(now=private.proof_due_at + 2 * MINUTE).lifted == []
    assert Webhook.objects.filter(event="measure.lifted").count() == 1
    assert ledger_verify().ok


def test_proof_that_holds_turns_it_into_removal_once_approved(private, cast):
    private_proof_received(measure=private, by=cast["disposal"], holds=True)
    private.refresh_from_db()
    # Removal is proposed, not yet ordered: the content stays private meanwhile, and the proof
    # deadline no longer lifts it.
    assert private.status == MeasureStatus.ACTIVE and private.replaced_by is None
    assert not Transfer.objects.filter(measure__code="content.remove").exists()
    assert measures_watch(now=private.proof_due_at + MINUTE).lifted == []
    removal = approve_removal(private, cast["approver"])
    private.refresh_from_db()
    assert private.status == MeasureStatus.CONVERTED and private.replaced_by == removal
    assert removal.code == "content.remove" and removal.target == private.target
    assert removal.status == MeasureStatus.ORDERED
    transfer = Transfer.objects.get(measure=removal)
    assert transfer.payload["measure"]["code"] == "content.remove"
    converted = Webhook.objects.get(event="measure.converted")
    assert converted.body["replaced_by"] == str(removal.public_id)
    # The converted measure no longer runs out or gets lifted.
    assert measures_watch(now=T0 + dt.timedelta(days=60)).lifted == []
    with pytest.raises(MeasureConflict):
        private_extend(measure=private, by=cast["disposal"])
    assert ledger_verify().ok


def test_proof_that_does_not_hold_lifts_it(private, cast):
    private_proof_received(measure=private, by=cast["disposal"], holds=False)
    private.refresh_from_db()
    assert private.status == MeasureStatus.ENDED
    assert Webhook.objects.get(event="measure.lifted").body["reason"] == "proof_rejected"
    assert not Measure.objects.filter(code="content.remove").exists()


def test_only_private_measures_in_force_take_these_steps(order, cast):
    ordered = order("content.private")
    with refused("invalid_state"):
        private_extend(measure=ordered, by=cast["disposal"])
    label = measure_applied(measure=order("content.dispute_label"), at=T0)
    with refused("wrong_measure"):
        private_proof_received(measure=label, by=cast["disposal"], holds=True)


@pytest.mark.urls("tests.measures.urls")
def test_the_removal_goes_to_the_platform_and_comes_back(private, cast, signed):
    import base64

    from tests.intake.conftest import png_bytes

    private_proof_received(measure=private, by=cast["disposal"], holds=True)
    removal = approve_removal(private, cast["approver"])
    transfer = Transfer.objects.get(measure=removal)
    evidence = [{"name": "removed.png", "content_base64": base64.b64encode(png_bytes()).decode()}]
    done = signed(
        f"/transfers/{transfer.public_id}/report", {"note": "已删除", "evidence": evidence}
    )
    assert done.status_code == 200, done.content
    removal.refresh_from_db()
    assert removal.status == MeasureStatus.ACTIVE and removal.ends_at is None
    assert ledger_verify().ok
