"""Removal in place of a provisional measure is approved like any measure of its tier: never by
its proposer or the case's judge, never below the tier's level; a refusal changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from jubao.accounts.models import Role
from jubao.ledger.models import LedgerEntry
from jubao.ledger.verify import ledger_verify
from jubao.measures.conversions import conversion_approve, conversion_pending, conversion_refuse
from jubao.measures.lifecycle import (
    label_remove,
    label_upgrade,
    measures_watch,
    private_proof_received,
)
from jubao.measures.models import ConversionApproval, Measure, MeasureStatus
from jubao.measures.services import measure_applied
from jubao.platforms.models import Transfer
from tests.measures.conftest import T0, refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def private(order) -> Measure:
    return measure_applied(measure=order("content.private"), at=T0)


@pytest.fixture
def proposed(private, cast):
    private_proof_received(measure=private, by=cast["disposal"], holds=True)
    pending = conversion_pending(private)
    assert pending is not None
    return pending


def test_neither_the_proposer_nor_the_judge_nor_a_low_level_may_approve(proposed, cast, make_user):
    with refused("separation_of_duties"):
        conversion_approve(conversion=proposed, by=cast["disposal"])
    with refused("separation_of_duties"):
        conversion_approve(conversion=proposed, by=cast["member3"])  # judged the case
    with refused("level_too_low"):
        conversion_approve(conversion=proposed, by=make_user("d2", Role.DISPOSAL))
    assert not Transfer.objects.filter(measure__code="content.remove").exists()
    # Removal is tier 1, approved by reviewers: a reviewer who did not judge may.
    conversion_approve(conversion=proposed, by=cast["reviewer"])
    proposed.measure.refresh_from_db()
    assert proposed.measure.status == MeasureStatus.CONVERTED
    actions = list(
        LedgerEntry.objects.filter(action__startswith="measure.convert").values_list(
            "action", flat=True
        )
    )
    assert actions == ["measure.convert_propose", "measure.convert_approve", "measure.convert"]
    assert ledger_verify().ok


def test_the_database_refuses_an_approval_by_the_proposer(proposed, cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        ConversionApproval.objects.create(
            conversion=proposed, approver=cast["disposal"], proposer=cast["disposal"], level=3
        )


def test_a_refusal_needs_a_note_and_leaves_the_measure_to_its_deadline(proposed, private, cast):
    with refused("required"):
        conversion_refuse(conversion=proposed, by=cast["approver"], note=" ")
    conversion_refuse(conversion=proposed, by=cast["approver"], note="证明材料不足以认定侵权")
    private.refresh_from_db()
    assert private.status == MeasureStatus.ACTIVE
    with refused("decided"):
        conversion_approve(conversion=proposed, by=cast["approver"])
    # With the proposal refused, the proof deadline lifts the measure as usual.
    later = private.proof_due_at + dt.timedelta(minutes=1)
    assert measures_watch(now=later).lifted == [private.pk]


def test_one_proposal_waits_at_a_time_and_blocks_the_opposite_decision(proposed, private, cast):
    with refused("pending"):
        private_proof_received(measure=private, by=cast["disposal"], holds=True)
    with refused("pending"):
        private_proof_received(measure=private, by=cast["disposal"], holds=False)


def test_a_label_settled_as_infringing_waits_for_approval_too(order, cast):
    label = measure_applied(measure=order("content.dispute_label"), at=T0)
    label_upgrade(measure=label, by=cast["disposal"])
    with refused("pending"):
        label_remove(measure=label, by=cast["disposal"])
    conversion_approve(conversion=conversion_pending(label), by=cast["approver"])
    label.refresh_from_db()
    assert label.status == MeasureStatus.CONVERTED
    assert Transfer.objects.filter(measure=label.replaced_by).exists()
