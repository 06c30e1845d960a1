"""The life of a measure after it is in force: time-limited private, dispute label, periods and
search re-checks.

Which life a measure leads follows from its catalogue parameters, never from its code: a measure
with a `proof_deadline` is time-limited private (extended once, lifted when no proof arrives,
turned into removal when the proof holds); one with `response_statement` is a dispute label (the
concerned party's statement, reviewed before it is shown; removed or upgraded when the facts are
settled); one with a `period` ends by itself; one with `recheck` is checked again.

Each step is one transaction: lock the measure, check its state, change it, write the ledger (ids
only), queue the webhook the platform must act on and tell the reporters on their receipt page.
A refused step raises a translated `DomainError` and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jubao.accounts.models import User
from jubao.cases.deadlines import due_at
from jubao.cases.models import Case
from jubao.catalogue import Measure as CatalogueMeasure
from jubao.catalogue import get_catalogue
from jubao.errors import DomainError
from jubao.intake.models import EventKind
from jubao.intake.timeline import timeline_add_for_case
from jubao.ledger.services import actor_ref, ledger_append, obj_ref
from jubao.measures.models import Measure, MeasureStatus, ResponseStatus
from jubao.measures.services import measure_applied
from jubao.platforms.webhooks import webhook_enqueue

STATEMENT_MAX_LENGTH = 4000


class MeasureConflict(DomainError):
    """The measure is not in a state where this step is possible."""

    status = 409


def spec_of(measure: Measure) -> CatalogueMeasure:
    return get_catalogue().measure(measure.code)


def is_private(measure: Measure) -> bool:
    return spec_of(measure).params.proof_deadline is not None


def is_label(measure: Measure) -> bool:
    return bool(spec_of(measure).params.response_statement)


def locked_measure(measure: Measure) -> Measure:
    found = Measure.objects.select_for_update(of=("self",)).select_related("case", "platform")
    return found.get(pk=measure.pk)


def _no_conversion_pending(measure: Measure) -> None:
    _require(
        not measure.conversions.filter(status="pending").exists(),
        _("Removal of this content is already waiting for approval."),
        "pending",
    )


def _require(condition: bool, message: str, code: str = "invalid_state") -> None:
    if not condition:
        raise MeasureConflict(message, code=code)


def _active_private(measure: Measure) -> Measure:
    locked = locked_measure(measure)
    _require(is_private(locked), _("This is not a time-limited private measure."), "wrong_measure")
    _require(locked.status == MeasureStatus.ACTIVE, _("This measure is not in force."))
    return locked


def _active_label(measure: Measure) -> Measure:
    locked = locked_measure(measure)
    _require(is_label(locked), _("This is not a dispute label."), "wrong_measure")
    _require(locked.status == MeasureStatus.ACTIVE, _("This measure is not in force."))
    return locked


def _tell_platform(measure: Measure, event: str, *, once: str = "", **data: Any) -> None:
    """Queue `event` for the measure's platform; `once` makes events that may recur distinct."""
    if measure.platform is None:
        return
    body = {
        "event": event,
        "measure": str(measure.public_id),
        "code": measure.code,
        "status": measure.status,
        "target": measure.target,
        **data,
    }
    key = f"{event}:{measure.public_id}" + (f":{once}" if once else "")
    webhook_enqueue(platform=measure.platform, event=event, body=body, key=key)


def tell_reporters(case: Case, message: str) -> None:
    """A line on the receipt page of every active report of the case."""
    timeline_add_for_case(case.pk, kind=EventKind.MEASURE, body=message)


def _record(actor: str, action: str, measure: Measure, **payload: Any) -> None:
    ledger_append(
        actor=actor,
        action=action,
        ref=obj_ref(measure),
        payload={"case": measure.case_id, "measure": measure.code, **payload},
    )


def _in_portal_language(message: Any) -> str:
    # The reporter's language is not known: receipt lines use the portal's default language.
    with translation.override(settings.LANGUAGE_CODE):
        return str(message)


# --- time-limited private -----------------------------------------------------------------------


@transaction.atomic
def private_extend(*, measure: Measure, by: User) -> Measure:
    """Extend a time-limited private measure once, by the catalogue's `extension`: the proof
    deadline and the end of the period move together."""
    locked = _active_private(measure)
    params = spec_of(locked).params
    allowed = params.extensions or 0
    _require(
        params.extension is not None and locked.extensions_used < allowed,
        _("This measure may not be extended again."),
        "no_extension_left",
    )
    assert params.extension is not None and locked.proof_due_at is not None
    locked.proof_due_at = due_at(locked.proof_due_at, params.extension).at
    if locked.ends_at is not None:
        locked.ends_at = due_at(locked.ends_at, params.extension).at
    locked.extensions_used += 1
    locked.save(update_fields=["proof_due_at", "ends_at", "extensions_used"])
    _record(actor_ref(by), "measure.extend", locked, extensions=locked.extensions_used)
    _tell_platform(
        locked,
        "measure.extended",
        once=str(locked.extensions_used),
        ends_at=locked.ends_at.isoformat() if locked.ends_at else None,
    )
    tell_reporters(
        locked.case,
        _in_portal_language(
            _("The time to complete your proof has been extended to %(date)s.")
            % {"date": timezone.localtime(locked.proof_due_at).strftime("%Y-%m-%d %H:%M")}
        ),
    )
    return locked


@transaction.atomic
def private_proof_received(*, measure: Measure, by: User, holds: bool) -> Measure:
    """The reporter's proof arrived: when it holds, removal of the content is proposed (it takes
    effect once approved, see `conversions`), otherwise the content is made public again.
    Returns the measure."""
    from jubao.measures.conversions import PROOF_HOLDS, conversion_propose

    locked = _active_private(measure)
    if holds:
        conversion_propose(measure=locked, by=by, why=PROOF_HOLDS)
        return locked
    _no_conversion_pending(locked)
    message = _("The proof did not establish the infringement: the content is public again.")
    _lift(locked, actor_ref(by), timezone.now(), _in_portal_language(message), "proof_rejected")
    return locked


def _lift(measure: Measure, actor: str, now: datetime, message: str, why: str) -> None:
    """End a measure whose content becomes visible again (private lifted, label removed)."""
    measure.status, measure.ended_at = MeasureStatus.ENDED, now
    measure.save(update_fields=["status", "ended_at"])
    _record(actor, "measure.lift", measure, reason=why)
    _tell_platform(measure, "measure.lifted", reason=why)
    tell_reporters(measure.case, message)


def convert(measure: Measure, actor: str, now: datetime) -> Measure:
    """Replace a provisional measure (locked by the caller) by removal of the same content, once
    its conversion is approved."""
    from jubao.platforms.services import transfer_send

    spec = get_catalogue().measure(settings.JUBAO_MEASURE_REMOVAL)
    removal = Measure.objects.create(
        case=measure.case,
        proposal=measure.proposal,
        code=spec.code,
        target_kind=spec.target,
        target=measure.target,
        target_key=measure.target_key,
        platform=measure.platform,
    )
    from jubao.insights.stats import figures_on_measure

    figures_on_measure(removal)
    measure.status, measure.ended_at, measure.replaced_by = MeasureStatus.CONVERTED, now, removal
    measure.save(update_fields=["status", "ended_at", "replaced_by"])
    _record(actor, "measure.convert", measure, into=removal.pk)
    _record(actor, "measure.order", removal, replaces=measure.pk)
    _tell_platform(measure, "measure.converted", replaced_by=str(removal.public_id))
    if removal.platform is not None:
        case = Case.objects.select_for_update().get(pk=measure.case_id)
        transfer_send(case=case, platform=removal.platform, measure=removal, now=now)
    else:
        measure_applied(measure=removal, at=now)
    message = _("The infringement is established: the content will be removed.")
    tell_reporters(measure.case, _in_portal_language(message))
    return removal


# --- dispute label ------------------------------------------------------------------------------


@transaction.atomic
def label_response_submit(*, measure: Measure, text: str) -> Measure:
    """The platform sends the concerned party's response statement; it waits for review."""
    locked = locked_measure(measure)
    _require(is_label(locked), _("This measure takes no response statement."), "wrong_measure")
    _require(
        locked.status in (MeasureStatus.ORDERED, MeasureStatus.ACTIVE),
        _("This measure is not in force."),
    )
    _require(
        locked.response_status in (ResponseStatus.NONE, ResponseStatus.REFUSED),
        _("A response statement is already waiting for review or shown."),
        "statement_exists",
    )
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write the response statement."), code="required", field="text")
    if len(text) > STATEMENT_MAX_LENGTH:
        raise DomainError(
            _("Keep it under %(max)d characters.") % {"max": STATEMENT_MAX_LENGTH},
            code="too_long",
            field="text",
        )
    locked.response_statement, locked.response_status = text, ResponseStatus.PENDING
    locked.response_submitted_at, locked.response_note = timezone.now(), ""
    locked.save(
        update_fields=[
            "response_statement",
            "response_status",
            "response_submitted_at",
            "response_note",
        ]
    )
    assert locked.platform is not None
    _record(f"platform:{locked.platform.pk}", "measure.response_submit", locked)
    return locked


@transaction.atomic
def label_response_review(*, measure: Measure, by: User, show: bool, note: str = "") -> Measure:
    """Show the response statement with the label, or refuse it with a note for the party."""
    locked = locked_measure(measure)
    _require(is_label(locked), _("This is not a dispute label."), "wrong_measure")
    _require(
        locked.status in (MeasureStatus.ORDERED, MeasureStatus.ACTIVE),
        _("This measure is not in force."),
    )
    _require(
        locked.response_status == ResponseStatus.PENDING,
        _("No response statement is waiting for review."),
        "no_statement",
    )
    note = (note or "").strip()
    if not show and not note:
        raise DomainError(_("Say why the statement is refused."), code="required", field="note")
    locked.response_status = ResponseStatus.SHOWN if show else ResponseStatus.REFUSED
    locked.response_note = note
    locked.save(update_fields=["response_status", "response_note"])
    _record(actor_ref(by), "measure.response_review", locked, shown=show)
    # One webhook per statement: a refused statement may be followed by another.
    submitted = locked.response_submitted_at
    once = str(int(submitted.timestamp())) if submitted else "0"
    if show:
        statement = locked.response_statement
        _tell_platform(locked, "measure.response_shown", once=once, statement=statement)
    else:
        _tell_platform(locked, "measure.response_refused", once=once, note=note)
    return locked


@transaction.atomic
def label_remove(*, measure: Measure, by: User) -> Measure:
    """The facts are settled and the content does not infringe: the label comes off."""
    locked = _active_label(measure)
    _no_conversion_pending(locked)
    message = _("The facts are settled: the content does not infringe and its label is removed.")
    _lift(locked, actor_ref(by), timezone.now(), _in_portal_language(message), "settled")
    return locked


@transaction.atomic
def label_upgrade(*, measure: Measure, by: User) -> Measure:
    """The facts are settled and the content infringes: removal is proposed in place of the
    label (it takes effect once approved, see `conversions`)."""
    from jubao.measures.conversions import SETTLED_INFRINGING, conversion_propose

    locked = _active_label(measure)
    conversion_propose(measure=locked, by=by, why=SETTLED_INFRINGING)
    return locked


# --- the timer ----------------------------------------------------------------------------------


@dataclass
class WatchResult:
    lifted: list[int] = field(default_factory=list)
    ended: list[int] = field(default_factory=list)
    rechecked: list[int] = field(default_factory=list)
    # Search measures without a registered platform: their re-check is the office's task.
    recheck_by_staff: list[int] = field(default_factory=list)


@transaction.atomic
def _timeout(measure: Measure, now: datetime) -> bool:
    locked = locked_measure(measure)
    due = locked.proof_due_at if is_private(locked) else None
    ends = locked.ends_at
    if locked.status != MeasureStatus.ACTIVE or not (
        (due and due <= now) or (ends and ends <= now)
    ):
        return False
    if locked.conversions.filter(status="pending").exists():
        return False  # the proof held: removal waits for approval, the content stays hidden
    if is_private(locked):
        message = _("No proof arrived in time: the content that was made private is public again.")
        _lift(locked, "system", now, _in_portal_language(message), "proof_timeout")
        return True
    locked.status, locked.ended_at = MeasureStatus.ENDED, now
    locked.save(update_fields=["status", "ended_at"])
    _record("system", "measure.end", locked)
    _tell_platform(locked, "measure.ended")
    return True


@transaction.atomic
def measure_rechecked(*, measure: Measure, by: User | str, now: datetime | None = None) -> Measure:
    """A search measure was checked again (by the platform, asked by webhook, or by staff):
    record it and schedule the next check after the catalogue's `recheck` period."""
    now = now or timezone.now()
    locked = locked_measure(measure)
    recheck = spec_of(locked).params.recheck
    _require(
        recheck is not None and locked.status == MeasureStatus.ACTIVE,
        _("This measure is not checked again."),
        "wrong_measure",
    )
    assert recheck is not None
    actor = by if isinstance(by, str) else actor_ref(by)
    _record(actor, "measure.recheck", locked)
    if isinstance(by, str):
        once = locked.recheck_at.isoformat() if locked.recheck_at else now.isoformat()
        _tell_platform(locked, "measure.recheck", once=once)
    locked.recheck_at = due_at(now, recheck).at
    locked.save(update_fields=["recheck_at"])
    return locked


def measures_watch(now: datetime | None = None) -> WatchResult:
    """The measures' timer: lift time-limited private measures whose proof deadline passed, end
    measures whose period ran out, and ask platforms to re-check search measures that are due
    (search measures without a platform stay due and show on the case page for staff). Safe to
    run as often as wanted; `jubao measures watch --loop` runs it."""
    now = now or timezone.now()
    result = WatchResult()
    active = Measure.objects.filter(status=MeasureStatus.ACTIVE)
    for measure in active.filter(proof_due_at__lte=now) | active.filter(ends_at__lte=now):
        if _timeout(measure, now):
            target = result.lifted if is_private(measure) else result.ended
            target.append(measure.pk)
    for measure in Measure.objects.filter(status=MeasureStatus.ACTIVE, recheck_at__lte=now):
        if measure.platform_id is None:
            result.recheck_by_staff.append(measure.pk)
            continue
        measure_rechecked(measure=measure, by="system", now=now)
        result.rechecked.append(measure.pk)
    return result
