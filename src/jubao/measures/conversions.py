"""Turning a provisional measure into removal: proposal, approvals by tier, refusal.

Time-limited private and the dispute label are provisional: when the proof holds, or the facts
show the labelled content infringes, the content is to be removed. Removal is a heavier measure,
so it is not one person's decision: the officer proposes it, and it takes effect only when the
removal measure's tier has its approvals, none from the proposer or the case's judge (the
separation of duties of the first decision, enforced here and by a database constraint).
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jubao.accounts.models import User
from jubao.cases.guards import approval_level
from jubao.catalogue import get_catalogue
from jubao.errors import DomainError
from jubao.ledger.services import actor_ref, ledger_append, obj_ref
from jubao.measures import lifecycle
from jubao.measures.models import (
    Conversion,
    ConversionApproval,
    ConversionStatus,
    Measure,
    MeasureStatus,
)

# Why a conversion is proposed, by the kind of provisional measure.
PROOF_HOLDS = "proof_holds"
SETTLED_INFRINGING = "settled_infringing"


def conversion_pending(measure: Measure) -> Conversion | None:
    return measure.conversions.filter(status=ConversionStatus.PENDING).first()


def _record(actor: User, action: str, conversion: Conversion, **payload: object) -> None:
    ledger_append(
        actor=actor_ref(actor),
        action=action,
        ref=obj_ref(conversion),
        payload={"measure": conversion.measure_id, "into": conversion.into, **payload},
    )


def conversion_propose(*, measure: Measure, by: User, why: str) -> Conversion:
    """Propose removal in place of `measure` (already locked and checked by the caller: an
    active time-limited private or dispute label); one proposal may wait at a time."""
    spec = get_catalogue().measure(settings.JUBAO_MEASURE_REMOVAL)
    tier = spec.tier
    try:
        with transaction.atomic():
            conversion = Conversion.objects.create(
                measure=measure,
                proposer=by,
                into=spec.code,
                tier=tier.level,
                level_required=tier.level,
                approvals_required=tier.approvers,
            )
    except IntegrityError:
        raise lifecycle.MeasureConflict(
            _("Removal of this content is already waiting for approval."), code="pending"
        ) from None
    _record(by, "measure.convert_propose", conversion, why=why)
    return conversion


def _locked(conversion: Conversion) -> Conversion:
    locked = Conversion.objects.select_for_update().get(pk=conversion.pk)
    if locked.status != ConversionStatus.PENDING:
        raise lifecycle.MeasureConflict(
            _("This proposal has already been decided."), code="decided"
        )
    return locked


def _checked(conversion: Conversion, by: User) -> int:
    """The level `by` approves at, after the separation-of-duties checks."""
    if by.pk == conversion.proposer_id:
        raise DomainError(_("No one may approve their own proposal."), code="separation_of_duties")
    judgement = conversion.measure.case.judgements.order_by("-at", "-pk").first()
    if judgement is not None and judgement.judge_id == by.pk:
        raise DomainError(
            _("The judge of a case may not approve its measure."), code="separation_of_duties"
        )
    level = approval_level(by, conversion.tier)
    if level < conversion.level_required:
        raise DomainError(
            _("This measure needs an approver of a higher level."), code="level_too_low"
        )
    return level


@transaction.atomic
def conversion_approve(*, conversion: Conversion, by: User) -> Conversion:
    """Approve the removal; with the tier's last approval the provisional measure is replaced
    by removal, which goes to the platform (or is recorded by the office)."""
    # The measure first, then the proposal: the order every step on a measure locks in.
    measure = lifecycle.locked_measure(conversion.measure)
    locked = _locked(conversion)
    if measure.status != MeasureStatus.ACTIVE:
        raise lifecycle.MeasureConflict(_("This measure is not in force."), code="invalid_state")
    level = _checked(locked, by)
    if locked.approvals.filter(approver=by).exists():
        raise DomainError(_("You have already approved this proposal."), code="duplicate")
    ConversionApproval.objects.create(
        conversion=locked, approver=by, proposer=locked.proposer, level=level
    )
    given = locked.approvals.filter(level__gte=locked.level_required).count()
    _record(by, "measure.convert_approve", locked, approvals=given)
    if given >= locked.approvals_required:
        now = timezone.now()
        locked.status, locked.decided_at = ConversionStatus.APPROVED, now
        locked.save(update_fields=["status", "decided_at"])
        lifecycle.convert(measure, actor_ref(by), now)
    return locked


@transaction.atomic
def conversion_refuse(*, conversion: Conversion, by: User, note: str) -> Conversion:
    """Refuse the removal with a note; the provisional measure stays as it was (a private one
    is lifted again by its proof deadline if nothing else is decided)."""
    lifecycle.locked_measure(conversion.measure)
    locked = _locked(conversion)
    _checked(locked, by)
    note = (note or "").strip()
    if not note:
        raise DomainError(_("Say why the proposal is refused."), code="required", field="note")
    locked.status, locked.decided_at, locked.note = ConversionStatus.REFUSED, timezone.now(), note
    locked.save(update_fields=["status", "decided_at", "note"])
    _record(by, "measure.convert_refuse", locked)
    return locked
