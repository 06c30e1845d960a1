"""Case services: every change of a case's state goes through `case_transition`.

Lock the case, look the move up in the workflow table, check the actor's role and the move's
guard, record what the move produces, change the status, write the history, the ledger entry and
the reporter's timeline, all in one transaction.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from jubao.accounts.models import User
from jubao.accounts.policies import roles_of
from jubao.cases.guards import GUARDS, Context
from jubao.cases.models import Case, CaseEvent, CaseStatus, Deliberation, Vote
from jubao.cases.workflow import REPORTER, SYSTEM, Move, transition_for
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
    return case


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


__all__ = ["Move", "case_transition", "case_vote"]
