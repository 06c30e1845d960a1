"""Case services: every change of a case's state goes through `case_transition`.

Lock the case, look the move up in the workflow table, check the actor's role and the move's
guard, record what the move produces, change the status, write the history, the ledger entry and
the reporter's timeline, all in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jubao.accounts.models import Role, User
from jubao.accounts.policies import has_role, policy, roles_of
from jubao.cases.clocks import clocks_apply, stage_overdue
from jubao.cases.guards import GUARDS, Context
from jubao.cases.models import FINISHED, UNWATCHED, Case, CaseEvent, CaseStatus, Deliberation, Vote
from jubao.cases.workflow import REPORTER, SYSTEM, Move, transition_for
from jubao.catalogue import Stage
from jubao.errors import DomainError, Forbidden
from jubao.intake.models import EventKind, Report, ReportEvent, ReportStatus
from jubao.ledger.services import actor_ref, ledger_append, obj_ref
from jubao.notify.services import notify_enqueue
from jubao.vault.services import vault_open_many


def _actor_roles(actor: User | str) -> frozenset[str]:
    if actor in (REPORTER, SYSTEM):
        return frozenset({str(actor)})
    assert isinstance(actor, User)
    return roles_of(actor)


def _tell_reporters(case: Case, status: str, message: str) -> None:
    """A line on the timeline of every active report of the case, and a message to each
    reporter who left a phone number or an e-mail address (sent after commit)."""
    reports = list(case.reports.exclude(status=ReportStatus.WITHDRAWN))
    ReportEvent.objects.bulk_create(
        ReportEvent(report=r, kind=EventKind.STATUS, params={"status": status}, body=message)
        for r in reports
    )
    for report in reports:
        _notify_reporter(report, status, message)


def _notify_reporter(report: Report, status: str, message: str) -> None:
    contact = vault_open_many(
        table="intake.report", row=report.vault_ref, fields=("phone", "email")
    )
    channel, to = ("sms", contact["phone"]) if contact["phone"] else ("email", contact["email"])
    if not to:
        return
    # The reporter's language is not known: the portal's default language is used.
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Your report %(reference)s") % {"reference": report.reference}
        text = _(
            "Your report %(reference)s: %(status)s. %(message)s Follow it on the portal "
            "with your receipt code."
        ) % {"reference": report.reference, "status": CaseStatus(status).label, "message": message}
    notify_enqueue(channel=channel, to=to, subject=subject, body=" ".join(text.split()))


@transaction.atomic
def case_transition(
    *, case: Case, move: str, actor: User | str, note: str = "", **params: Any
) -> Case:
    """Make `move` on `case` as `actor` (a user, or "reporter"/"system"); raise DomainError if
    the move is not allowed from the case's state, not allowed to the actor, or its guard fails.
    Nothing changes when a move is refused."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    step = transition_for(case.status, move)
    if step is None:
        raise DomainError(
            _("“%(move)s” is not possible while the case is “%(status)s”.")
            % {"move": move, "status": case.get_status_display()},
            code="invalid_move",
        )
    if not step.roles & _actor_roles(actor):
        raise Forbidden(_("Your role may not make this move."))
    user = actor if isinstance(actor, User) else None
    ctx = Context(case=case, actor=user, params=params)
    if step.guard:
        GUARDS[step.guard](ctx)
    source, case.status = case.status, step.target
    clocks_apply(case, step.move, timezone.now())
    case.save()
    CaseEvent.objects.create(
        case=case,
        actor=user,
        move=step.move,
        source=source,
        target=case.status,
        note=note,
        params=ctx.record,
    )
    from jubao.insights.stats import figures_on_move

    figures_on_move(case, step.move, timezone.now())
    # The reporter acts through a receipt: to the ledger they are anonymous.
    ledger_actor = actor_ref(user) if user else ("system" if actor == SYSTEM else "anonymous")
    ledger_append(
        actor=ledger_actor,
        action=f"case.{step.move}",
        ref=obj_ref(case),
        payload={"from": source, "to": case.status, **ctx.record},
    )
    if source != case.status or ctx.message:
        _tell_reporters(case, case.status, ctx.message)
    # Federation hook: forward a transfer to another instance, report back to where it came from.
    from jubao.federation.services import on_case_move

    on_case_move(case=case, move=step.move, record=ctx.record, message=ctx.message)
    return case


def case_tell_reporters(*, case: Case, status: str, message: str) -> None:
    """Tell the reporters of `case` about a status it has elsewhere (federation: the instance
    handling a forwarded case reports back) on their timeline and by message."""
    _tell_reporters(case, status, message)


@transaction.atomic
def case_vote(*, case: Case, member: User, result: str) -> Vote:
    """One member's vote in the open collective discussion of a case; one vote per member."""
    deliberation = (
        Deliberation.objects.select_for_update()
        .filter(case=case, closed_at__isnull=True)
        .order_by("-pk")
        .first()
    )
    if deliberation is None:
        raise DomainError(_("No discussion is open."), code="no_discussion")
    if not deliberation.members.filter(pk=member.pk).exists():
        raise Forbidden(_("Only members of the discussion may vote."))
    if deliberation.votes.filter(member=member).exists():
        raise DomainError(_("You have already voted."), code="duplicate")
    if result not in {"infringing", "not_infringing", "partly"}:
        raise DomainError(_("Choose a result."), code="invalid", field="result")
    vote = Vote.objects.create(deliberation=deliberation, member=member, result=result)
    ledger_append(
        actor=actor_ref(member),
        action="case.vote",
        ref=obj_ref(case),
        payload={"deliberation": deliberation.pk},
    )
    return vote


# Roles that handle cases and can therefore be given one.
HANDLER_ROLES = frozenset({Role.INTAKE, Role.REVIEWER, Role.DISPOSAL, Role.APPROVER})


def _in_jurisdiction(user: User, case: Case) -> bool:
    return (
        policy("cases.view").scope(user, Case.objects.filter(pk=case.pk), "jurisdiction").exists()
    )


def _check_assignee(case: Case, person: User) -> None:
    if not person.is_active or not roles_of(person) & HANDLER_ROLES:
        raise DomainError(
            _("%(user)s does not handle cases.") % {"user": person.get_username()},
            code="invalid",
            field="assignee",
        )
    if not _in_jurisdiction(person, case):
        raise DomainError(
            _("%(user)s works outside the jurisdiction of case %(case)s.")
            % {"user": person.get_username(), "case": case.reference},
            code="invalid",
            field="assignee",
        )


def _may_assign(by: User, case: Case, person: User | None) -> None:
    """Supervisors assign anyone; a handler may only take an unassigned case for themselves."""
    if has_role(by, Role.SUPERVISOR) and _in_jurisdiction(by, case):
        return
    if person == by and case.assignee_id is None and roles_of(by) & HANDLER_ROLES:
        return
    raise Forbidden(_("Only a supervisor may assign cases to others."))


@transaction.atomic
def case_assign(*, case: Case, assignee: User | None, by: User, responsible: bool = False) -> Case:
    """Give `case` to `assignee` (None: back to the pool). With `responsible`, the assignee also
    becomes the case's special person responsible, who stays with it through every step."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status in FINISHED:
        raise DomainError(_("A finished case cannot be assigned."), code="finished")
    _may_assign(by, case, assignee)
    if responsible and not has_role(by, Role.SUPERVISOR):
        raise Forbidden(_("Only a supervisor may designate the person responsible."))
    if assignee is not None:
        _check_assignee(case, assignee)
    case.assignee = assignee
    fields = ["assignee"]
    if responsible:
        case.responsible = assignee
        fields.append("responsible")
    case.save(update_fields=fields)
    action = "case.designate" if responsible else "case.assign"
    CaseEvent.objects.create(
        case=case,
        actor=by,
        move=action.split(".")[1],
        source=case.status,
        target=case.status,
        params={"assignee": assignee.pk if assignee else None},
    )
    ledger_append(
        actor=actor_ref(by),
        action=action,
        ref=obj_ref(case),
        payload={"assignee": actor_ref(assignee) if assignee else None},
    )
    return case


def case_assign_round_robin(*, cases: list[Case], role: str, by: User) -> dict[int, User]:
    """Share `cases` among the active handlers with `role` who may see each case: each goes to
    the eligible person with the fewest open cases at that moment (ties: the lowest id)."""
    if role not in HANDLER_ROLES:
        raise DomainError(_("Choose a role that handles cases."), code="invalid", field="role")
    if not has_role(by, Role.SUPERVISOR):
        raise Forbidden(_("Only a supervisor may assign cases to others."))
    people = list(
        User.objects.filter(is_active=True, role_grants__role=role)
        .annotate(load=Count("assigned_cases", filter=~Q(assigned_cases__status__in=FINISHED)))
        .select_related("office")
        .order_by("pk")
        .distinct()
    )
    load = {p.pk: p.load for p in people}
    given: dict[int, User] = {}
    for case in cases:
        eligible = [p for p in people if _in_jurisdiction(p, case)]
        if not eligible:
            raise DomainError(
                _("No one with this role works in the jurisdiction of case %(case)s.")
                % {"case": case.reference},
                code="no_handler",
            )
        person = min(eligible, key=lambda p: (load[p.pk], p.pk))
        case_assign(case=case, assignee=person, by=by)
        load[person.pk] += 1
        given[case.pk] = person
    return given


@dataclass(frozen=True)
class BulkResult:
    done: list[str]
    refused: list[tuple[str, str]]  # (case reference, reason)


# Moves that need no judgement about the particular case, so they may be made on many at once.
BULK_MOVES = (Move.ACCEPT, Move.START_REVIEW)


def case_bulk(
    *, cases: list[Case], action: str, by: User, assignee: User | None = None
) -> BulkResult:
    """Apply one safe action to many cases, each in its own transaction: a case that refuses
    the action is left exactly as it was and named in the result with the reason."""
    done, refused = [], []
    for case in cases:
        try:
            if action == "assign":
                case_assign(case=case, assignee=assignee, by=by)
            elif action in BULK_MOVES:
                case_transition(case=case, move=action, actor=by)
            else:
                raise DomainError(_("This action cannot be applied to many cases."), code="invalid")
        except DomainError as exc:
            refused.append((case.reference, str(exc.message)))
        else:
            done.append(case.reference)
    return BulkResult(done, refused)


def _supervisors_of(case: Case) -> list[User]:
    """Active supervisors whose jurisdiction includes the case."""
    people = User.objects.filter(is_active=True, role_grants__role=Role.SUPERVISOR).distinct()
    return [p for p in people.select_related("office") if _in_jurisdiction(p, case)]


@dataclass(frozen=True)
class WatchResult:
    timed_out: list[str]
    reported: list[str]


def cases_watch(now: datetime | None = None) -> WatchResult:
    """The system's timer: close cases whose supplementary proof is overdue, and report every
    newly overdue case to the supervisors of its jurisdiction (once per deadline) by e-mail and
    in the ledger. Safe to run as often as wanted; `jubao cases watch --loop` runs it."""
    now = now or timezone.now()
    timed_out, reported = [], []
    waiting = Case.objects.filter(status=CaseStatus.AWAITING_PROOF, due_at__lte=now)
    for case in waiting.iterator():
        if stage_overdue(case, Stage.SUPPLEMENT_WAIT, now):
            try:
                case_transition(case=case, move=Move.PROOF_TIMEOUT, actor=SYSTEM)
            except DomainError:
                continue
            timed_out.append(case.reference)
    late = Case.objects.filter(due_at__lte=now).filter(
        Q(overdue_notified_at__isnull=True) | Q(overdue_notified_at__lt=F("due_at"))
    )
    for case in late.exclude(status__in=UNWATCHED).iterator():
        with transaction.atomic():
            locked = Case.objects.select_for_update().get(pk=case.pk)
            if locked.overdue_notified_at and locked.overdue_notified_at >= (locked.due_at or now):
                continue
            for person in _supervisors_of(locked):
                if person.email:
                    _notify_supervisor(person, locked)
            locked.overdue_notified_at = now
            locked.save(update_fields=["overdue_notified_at"])
            ledger_append(
                actor="system",
                action="case.overdue",
                ref=obj_ref(locked),
                payload={"due_at": locked.due_at.isoformat() if locked.due_at else None},
            )
        reported.append(case.reference)
    return WatchResult(timed_out, reported)


def _notify_supervisor(person: User, case: Case) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Case %(reference)s is overdue") % {"reference": case.reference}
        body = _(
            "Case %(reference)s (%(status)s) passed its deadline. It is on the supervision list."
        ) % {"reference": case.reference, "status": case.get_status_display()}
    notify_enqueue(channel="email", to=person.email, subject=subject, body=body)


__all__ = [
    "BULK_MOVES",
    "BulkResult",
    "Move",
    "WatchResult",
    "case_assign",
    "case_assign_round_robin",
    "case_bulk",
    "case_transition",
    "case_vote",
    "cases_watch",
]
