"""Every change to supervision records: plans, findings, the problem ledger, interviews, penalties.

Each function checks the actor's policy and jurisdiction, validates its input (raising a
translated DomainError that names the field), and writes its ledger entry in the same
transaction. Ledger payloads hold ids and codes only: never descriptions, notes or names, which
stay in this app's tables.

Separation of duties: whoever submitted or recorded a rectification may not verify it (checked
here, and by a CheckConstraint on Problem).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jubao.accounts.models import Platform, User
from jubao.accounts.policies import policy
from jubao.errors import DomainError, Forbidden, NotFound
from jubao.intake.storage import evidence_store
from jubao.intake.uploads import UploadRejected, inspect_upload
from jubao.ledger.services import actor_ref, ledger_append, obj_ref
from jubao.oversight.models import (
    AWAITING_RECTIFICATION,
    TEXT_MAX,
    TITLE_MAX,
    Finding,
    InspectionPlan,
    Interview,
    Penalty,
    PenaltyKind,
    PlanStatus,
    Problem,
    ProblemStatus,
    RectificationFile,
    Severity,
)
from jubao.oversight.selectors import plan_get, platforms_for, problem_get

MAX_RECTIFICATION_FILES = 5
# Plans move forward only: planned → in progress → done.
PLAN_MOVES = {
    PlanStatus.PLANNED: {PlanStatus.IN_PROGRESS, PlanStatus.DONE},
    PlanStatus.IN_PROGRESS: {PlanStatus.DONE},
    PlanStatus.DONE: set(),
}


@dataclass(frozen=True)
class UploadedFile:
    name: str
    content: bytes


def _manager(user: User) -> None:
    if not policy("oversight.manage").allows(user):
        raise Forbidden(_("Only supervisors may change supervision records."))


def _platform_in_scope(user: User, platform: Platform) -> Platform:
    """The platform, if it is in the user's jurisdiction for managing; else NotFound."""
    found = platforms_for(user, "oversight.manage").filter(pk=platform.pk).first()
    if found is None:
        raise NotFound()
    return found


def _text(value: str, field: str, *, required: bool = True, limit: int = TEXT_MAX) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(_("This field is required."), code="required", field=field)
    if len(value) > limit:
        raise DomainError(
            _("Keep this under %(count)d characters.") % {"count": limit},
            code="too_long",
            field=field,
        )
    return value


def _choice(value: str, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise DomainError(_("Choose one of the listed values."), code="invalid_choice", field=field)
    return value


def _not_future(value: dt.date, field: str) -> dt.date:
    if value > timezone.localdate():
        raise DomainError(_("This date is in the future."), code="future", field=field)
    return value


def _deadline(value: dt.date) -> dt.date:
    if value < timezone.localdate():
        raise DomainError(
            _("The rectification deadline cannot be in the past."), code="past", field="deadline"
        )
    return value


def _log(user: User, verb: str, obj: Any, **payload: Any) -> None:
    ledger_append(
        actor=actor_ref(user), action=f"oversight.{verb}", ref=obj_ref(obj), payload=payload
    )


# --- inspection plans and findings ------------------------------------------------------------


@transaction.atomic
def plan_create(
    *,
    user: User,
    title: str,
    scope: str,
    platforms: Iterable[Platform],
    starts_on: dt.date,
    ends_on: dt.date,
) -> InspectionPlan:
    """A supervisor plans an inspection of platforms of their jurisdiction, for their office."""
    _manager(user)
    if user.office is None:
        raise Forbidden(_("Only staff of an office may plan inspections."), code="no_office")
    title = _text(title, "title", limit=TITLE_MAX)
    scope = _text(scope, "scope", required=False)
    chosen = list({p.pk: p for p in platforms}.values())
    if not chosen:
        raise DomainError(_("Choose at least one platform."), code="required", field="platforms")
    allowed = set(
        platforms_for(user, "oversight.manage")
        .filter(pk__in=[p.pk for p in chosen])
        .values_list("pk", flat=True)
    )
    if len(allowed) != len(chosen):
        raise DomainError(
            _("Choose platforms of your jurisdiction."), code="out_of_scope", field="platforms"
        )
    if ends_on < starts_on:
        raise DomainError(
            _("The end of the period comes before its start."), code="period", field="ends_on"
        )
    plan = InspectionPlan.objects.create(
        office=user.office,
        title=title,
        scope=scope,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=user,
    )
    plan.platforms.set(chosen)
    _log(
        user,
        "plan_create",
        plan,
        office=user.office.code,
        platforms=sorted(p.pk for p in chosen),
        starts_on=starts_on.isoformat(),
        ends_on=ends_on.isoformat(),
    )
    return plan


@transaction.atomic
def plan_set_status(*, user: User, plan: InspectionPlan, status: str) -> InspectionPlan:
    """Move a plan forward: planned → in progress → done."""
    _manager(user)
    plan_get(user, plan.pk, "oversight.manage")
    locked = InspectionPlan.objects.select_for_update().get(pk=plan.pk)
    status = _choice(status, PlanStatus, "status")
    if status not in PLAN_MOVES[PlanStatus(locked.status)]:
        raise DomainError(
            _("A plan cannot go from %(old)s to %(new)s.")
            % {"old": locked.get_status_display(), "new": PlanStatus(status).label},
            code="bad_move",
            field="status",
        )
    old = locked.status
    locked.status = status
    locked.save(update_fields=["status"])
    _log(user, "plan_status", locked, old=old, new=status)
    return locked


@transaction.atomic
def finding_record(
    *,
    user: User,
    plan: InspectionPlan,
    platform: Platform,
    description: str,
    severity: str,
    found_on: dt.date,
    deadline: dt.date | None = None,
) -> tuple[Finding, Problem | None]:
    """Record what an inspection found on one of its platforms; with a rectification deadline,
    the finding also opens a problem in the problem ledger."""
    _manager(user)
    plan = plan_get(user, plan.pk, "oversight.manage")
    if plan.status == PlanStatus.DONE:
        raise DomainError(_("This inspection is already done."), code="plan_done")
    if not plan.platforms.filter(pk=platform.pk).exists():
        raise DomainError(
            _("Choose a platform this plan inspects."), code="not_in_plan", field="platform"
        )
    description = _text(description, "description")
    severity = _choice(severity, Severity, "severity")
    _not_future(found_on, "found_on")
    if deadline is not None:
        _deadline(deadline)
    finding = Finding.objects.create(
        plan=plan,
        platform=platform,
        description=description,
        severity=severity,
        found_on=found_on,
        found_by=user,
    )
    _log(user, "finding_record", finding, plan=plan.pk, platform=platform.pk, severity=severity)
    problem = None
    if deadline is not None:
        problem = _problem_create(
            user=user,
            platform=platform,
            description=description,
            deadline=deadline,
            finding=finding,
        )
    return finding, problem


# --- the problem ledger -----------------------------------------------------------------------


def _problem_create(
    *,
    user: User,
    platform: Platform,
    description: str,
    deadline: dt.date,
    finding: Finding | None,
) -> Problem:
    problem = Problem.objects.create(
        platform=platform,
        finding=finding,
        description=description,
        deadline=deadline,
        created_by=user,
    )
    payload: dict[str, Any] = {"platform": platform.pk, "deadline": deadline.isoformat()}
    if finding is not None:
        payload["finding"] = finding.pk
    _log(user, "problem_open", problem, **payload)
    return problem


@transaction.atomic
def problem_open(
    *,
    user: User,
    platform: Platform,
    description: str,
    deadline: dt.date,
    finding: Finding | None = None,
) -> Problem:
    """Enter a problem in the ledger for a platform of the user's jurisdiction, from a finding
    (of the same platform) or standalone (a problem seen in case handling, a complaint...)."""
    _manager(user)
    platform = _platform_in_scope(user, platform)
    if finding is not None and finding.platform_id != platform.pk:
        raise DomainError(
            _("Choose a finding about this platform."), code="other_platform", field="finding"
        )
    description = _text(description, "description")
    _deadline(deadline)
    return _problem_create(
        user=user, platform=platform, description=description, deadline=deadline, finding=finding
    )


def _may_submit(user: User, problem: Problem) -> str:
    """Who submits: "platform" (an operator of the problem's platform) or "office" (a supervisor
    recording the platform's rectification); else Forbidden or NotFound."""
    if policy("platform.work").allows(user):
        if user.platform_id != problem.platform_id:
            raise NotFound()
        return "platform"
    _manager(user)
    problem_get(user, problem.pk, "oversight.manage")
    return "office"


def _store(
    problem: Problem, round_: int, user: User, files: Sequence[UploadedFile]
) -> list[RectificationFile]:
    stored = []
    for i, f in enumerate(files):
        try:
            clean = inspect_upload(name=f.name, data=f.content)
        except UploadRejected as exc:
            raise DomainError(
                f"{f.name}: {exc.message}", code="invalid_file", field=f"evidence.{i}"
            ) from None
        row = RectificationFile.objects.create(
            problem=problem,
            round=round_,
            name=f.name[:100],
            media_type=clean.media_type,
            staff_media_type=clean.staff_media_type or "",
            size=clean.size,
            sha256=clean.sha256,
            submitted_by=user,
        )
        variants = {"original": f.content}
        if clean.staff_copy is not None:
            variants["staff"] = clean.staff_copy
        evidence_store(ref=row.vault_ref, variants=variants)
        stored.append(row)
    return stored


@transaction.atomic
def rectification_submit(
    *, user: User, problem: Problem, note: str, files: Sequence[UploadedFile] = ()
) -> Problem:
    """The platform's rectification of an open or reopened problem: a note and the files that
    show it (stored encrypted, like reporters' evidence). An operator of the platform submits it,
    or a supervisor of the jurisdiction records it for the platform."""
    by = _may_submit(user, problem)
    locked = Problem.objects.select_for_update().get(pk=problem.pk)
    if locked.status not in AWAITING_RECTIFICATION:
        raise DomainError(
            _("This problem is not waiting for a rectification (%(status)s).")
            % {"status": locked.get_status_display()},
            code="not_open",
        )
    note = _text(note, "note")
    if not files:
        raise DomainError(
            _("Add at least one file that shows the rectification."),
            code="required",
            field="evidence",
        )
    if len(files) > MAX_RECTIFICATION_FILES:
        raise DomainError(
            _("At most %(max)d files.") % {"max": MAX_RECTIFICATION_FILES},
            code="too_many",
            field="evidence",
        )
    now = timezone.now()
    locked.round += 1
    stored = _store(locked, locked.round, user, files)
    locked.status = ProblemStatus.SUBMITTED
    locked.rectification_note = note
    locked.rectified_by, locked.rectified_at = user, now
    locked.verified_by, locked.verified_at, locked.verification_note = None, None, ""
    locked.save()
    _log(
        user,
        "rectification_submit",
        locked,
        platform=locked.platform_id,
        round=locked.round,
        by=by,
        files=[f.pk for f in stored],
        late=now.date() > locked.deadline,
    )
    return locked


def _submitted_for_review(user: User, problem: Problem) -> Problem:
    _manager(user)
    problem_get(user, problem.pk, "oversight.manage")
    locked = Problem.objects.select_for_update().get(pk=problem.pk)
    if locked.status != ProblemStatus.SUBMITTED:
        raise DomainError(_("No rectification is waiting for verification."), code="not_submitted")
    return locked


@transaction.atomic
def rectification_verify(*, user: User, problem: Problem, note: str = "") -> Problem:
    """A supervisor confirms the rectification; never the person who submitted or recorded it."""
    locked = _submitted_for_review(user, problem)
    if locked.rectified_by_id == user.pk:
        raise Forbidden(
            _("You submitted this rectification: another supervisor must verify it."),
            code="own_rectification",
        )
    locked.status = ProblemStatus.VERIFIED
    locked.verified_by, locked.verified_at = user, timezone.now()
    locked.verification_note = _text(note, "note", required=False)
    locked.save()
    _log(user, "rectification_verify", locked, platform=locked.platform_id, round=locked.round)
    return locked


@transaction.atomic
def problem_reopen(
    *, user: User, problem: Problem, note: str, deadline: dt.date | None = None
) -> Problem:
    """A supervisor finds the submitted rectification insufficient and sends the problem back to
    the platform, saying why, optionally with a new deadline."""
    locked = _submitted_for_review(user, problem)
    note = _text(note, "note")
    if deadline is not None:
        locked.deadline = _deadline(deadline)
    locked.status = ProblemStatus.REOPENED
    locked.verification_note = note
    locked.save()
    _log(
        user,
        "problem_reopen",
        locked,
        platform=locked.platform_id,
        round=locked.round,
        deadline=locked.deadline.isoformat(),
    )
    return locked


# --- interviews and penalties -----------------------------------------------------------------


@transaction.atomic
def interview_record(
    *,
    user: User,
    platform: Platform,
    held_on: dt.date,
    attendees: str,
    summary: str,
    follow_up: str = "",
) -> Interview:
    """Record an interview held with a platform of the user's jurisdiction."""
    _manager(user)
    platform = _platform_in_scope(user, platform)
    interview = Interview.objects.create(
        platform=platform,
        held_on=_not_future(held_on, "held_on"),
        attendees=_text(attendees, "attendees"),
        summary=_text(summary, "summary"),
        follow_up=_text(follow_up, "follow_up", required=False),
        recorded_by=user,
    )
    _log(user, "interview_record", interview, platform=platform.pk, held_on=held_on.isoformat())
    return interview


@transaction.atomic
def penalty_record(
    *,
    user: User,
    platform: Platform,
    decided_on: dt.date,
    kind: str,
    legal_basis: str,
    description: str,
    amount: Decimal | None = None,
) -> Penalty:
    """Record a penalty decided on a platform of the user's jurisdiction; a fine needs its amount,
    and only a fine has one."""
    _manager(user)
    platform = _platform_in_scope(user, platform)
    kind = _choice(kind, PenaltyKind, "kind")
    if kind == PenaltyKind.FINE and (amount is None or amount <= 0):
        raise DomainError(_("Give the amount of the fine."), code="required", field="amount")
    if kind != PenaltyKind.FINE and amount is not None:
        raise DomainError(_("Only a fine has an amount."), code="not_a_fine", field="amount")
    penalty = Penalty.objects.create(
        platform=platform,
        decided_on=_not_future(decided_on, "decided_on"),
        kind=kind,
        amount=amount,
        legal_basis=_text(legal_basis, "legal_basis"),
        description=_text(description, "description"),
        decided_by=user,
    )
    _log(
        user,
        "penalty_record",
        penalty,
        platform=platform.pk,
        kind=kind,
        decided_on=decided_on.isoformat(),
    )
    return penalty
