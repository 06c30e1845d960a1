"""Guards of the workflow: the conditions a move needs beyond the role, and what it records.

Each guard is a function named in the workflow table. It checks the move's parameters against
the catalogue and the case, raises a DomainError when the move may not happen, and writes the
records that belong to the move (a judgement, a proposal, an approval, a disposal...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from jubao.accounts.models import Office, Role, User
from jubao.accounts.policies import approver_level, has_role
from jubao.cases.clocks import stage_overdue
from jubao.cases.escalation import escalations, offences_record, subject_key
from jubao.cases.models import (
    FINISHED,
    Approval,
    Case,
    Deliberation,
    Disposal,
    Judgement,
    Offence,
    Proposal,
)
from jubao.catalogue import ReportItem, Stage, get_catalogue
from jubao.errors import DomainError


@dataclass
class Context:
    """One move being made: the case (locked), the actor, the parameters, what to tell."""

    case: Case
    actor: User | None
    params: dict[str, Any]
    # What the reporter is told, and the event parameters to record (no personal data).
    message: str = ""
    record: dict[str, Any] = field(default_factory=dict)

    @property
    def item(self) -> ReportItem:
        return get_catalogue().item(self.case.item_code)


def _need(ctx: Context, name: str, message: str) -> Any:
    value = ctx.params.get(name)
    if value in (None, "", [], ()):
        raise DomainError(message, code="required", field=name)
    return value


def _latest_judgement(case: Case) -> Judgement:
    judgement = case.judgements.order_by("-at", "-pk").first()
    if judgement is None:
        raise DomainError(_("This case has no judgement yet."), code="no_judgement")
    return judgement


def _open_proposal(case: Case) -> Proposal:
    proposal = case.proposals.filter(open=True).order_by("-at").first()
    if proposal is None:
        raise DomainError(_("This case has no open proposal."), code="no_proposal")
    return proposal


def refusal_reason(ctx: Context) -> None:
    code = _need(ctx, "reason", _("Choose the reason for not accepting."))
    try:
        reason = get_catalogue().refusal(code)
    except KeyError:
        raise DomainError(_("Unknown reason."), code="invalid", field="reason") from None
    ctx.record = {"reason": code, "referrals": [r.code for r in reason.referrals]}
    channels = "、".join(str(r.name) for r in reason.referrals)
    ctx.message = str(reason.description) + (
        _(" You can turn to: %(channels)s.") % {"channels": channels} if channels else ""
    )


def transfer_target(ctx: Context) -> None:
    if ctx.params.get("to_platform"):
        _transfer_to_platform(ctx)
        return
    office = ctx.params.get("office")
    if not isinstance(office, Office) or office == ctx.case.jurisdiction:
        raise DomainError(_("Choose the office to transfer to."), code="required", field="office")
    ctx.record = {"office": office.code}
    ctx.case.jurisdiction = office
    ctx.message = _("Your report was passed to %(office)s, which is responsible for it.") % {
        "office": office.name
    }


def _transfer_to_platform(ctx: Context) -> None:
    """Hand the whole case to its platform, which handles it under its own rules and reports."""
    from jubao.platforms.services import transfer_send

    platform = ctx.case.platform
    if platform is None:
        raise DomainError(
            _("This case has no platform to transfer it to."), code="no_platform", field="office"
        )
    transfer_send(case=ctx.case, platform=platform)
    ctx.record = {"platform": platform.pk}
    ctx.message = _("Your report was passed to %(platform)s, which will handle it and report.") % {
        "platform": platform.name
    }


def merge_target(ctx: Context) -> None:
    target = ctx.params.get("into")
    if not isinstance(target, Case) or target.pk == ctx.case.pk or target.status in FINISHED:
        raise DomainError(_("Choose an open case to merge into."), code="invalid", field="into")
    ctx.case.merged_into = target
    ctx.case.reports.update(case=target)
    ctx.record = {"into": target.pk}
    ctx.message = _("Your report is handled together with other reports of the same incident.")


def proof_request(ctx: Context) -> None:
    ctx.message = _need(ctx, "message", _("Say what proof is needed."))
    ctx.record = {"requested": True}


def proof_overdue(ctx: Context) -> None:
    if not stage_overdue(ctx.case, Stage.SUPPLEMENT_WAIT, timezone.now()):
        raise DomainError(
            _("The time for the supplementary proof has not run out yet."), code="not_overdue"
        )
    ctx.message = _(
        "The supplementary proof did not arrive in time, so the case is closed. "
        "You may report again with the proof."
    )


def judgement(ctx: Context) -> None:
    result = _need(ctx, "result", _("Choose a result."))
    if result not in {str(r) for r in ctx.item.results}:
        raise DomainError(
            _("This result is not allowed for this item."), code="invalid", field="result"
        )
    reasons = _need(ctx, "reasons", _("Give the reasons for the judgement."))
    from jubao.measures.checkhash import check_hash

    number = (ctx.params.get("subject") or "") if result != "not_infringing" else ""
    subject = subject_key(number) if number else ""
    subject_check = check_hash("subject", number) if number else ""
    assert ctx.actor is not None
    judged = Judgement.objects.create(
        case=ctx.case,
        judge=ctx.actor,
        result=result,
        reasons=reasons,
        malicious=bool(ctx.params.get("malicious")) and result != "not_infringing",
    )
    offences = offences_record(judged, subject, subject_check) if result != "not_infringing" else 0
    flags = sorted({h.flag for h in escalations(ctx.case) if h.flag} | set(ctx.case.flags))
    ctx.case.flags = flags
    ctx.record = {"result": result, "offences": offences, "flags": flags}


def discussion_panel(ctx: Context) -> None:
    members = list(_need(ctx, "members", _("Choose at least three members.")))
    if len(set(members)) < 3:
        raise DomainError(_("Choose at least three members."), code="invalid", field="members")
    deliberation = Deliberation.objects.create(case=ctx.case, quorum=len(members) // 2 + 1)
    deliberation.members.set(members)
    ctx.record = {"deliberation": deliberation.pk, "members": len(members)}


def discussion_quorum(ctx: Context) -> None:
    deliberation = ctx.case.deliberations.filter(closed_at__isnull=True).order_by("-pk").first()
    if deliberation is None:
        raise DomainError(_("No discussion is open."), code="no_discussion")
    votes = list(deliberation.votes.values_list("result", flat=True))
    if len(votes) < deliberation.quorum:
        raise DomainError(_("The quorum is not reached yet."), code="no_quorum")
    outcome = max(set(votes), key=votes.count)
    deliberation.outcome, deliberation.closed_at = outcome, timezone.now()
    deliberation.minutes = _need(ctx, "minutes", _("Record the minutes."))
    deliberation.save(update_fields=["outcome", "closed_at", "minutes"])
    ctx.record = {"deliberation": deliberation.pk, "outcome": outcome, "votes": len(votes)}


def _discussion_done(case: Case) -> bool:
    return case.deliberations.filter(closed_at__isnull=False).exists()


def proposal(ctx: Context) -> None:
    judged = _latest_judgement(ctx.case)
    if judged.result == "not_infringing":
        raise DomainError(
            _("Nothing to dispose of: the content was judged not infringing."),
            code="not_infringing",
        )
    if ctx.actor == judged.judge:
        raise DomainError(
            _("The judge of a case may not propose its measure."), code="separation_of_duties"
        )
    code = _need(ctx, "measure", _("Choose a measure."))
    heavier = {h.propose for h in escalations(ctx.case) if h.propose}
    if code not in {m.code for m in ctx.item.measures} | heavier:
        raise DomainError(
            _("This measure is not allowed for this item."), code="invalid", field="measure"
        )
    tier = get_catalogue().measure(code).tier
    discuss = tier.collective_discussion or ctx.item.discussion.always
    if discuss and not _discussion_done(ctx.case):
        raise DomainError(
            _("This measure needs a collective discussion first."), code="discussion_required"
        )
    assert ctx.actor is not None
    Proposal.objects.filter(case=ctx.case, open=True).update(open=False)
    Proposal.objects.create(
        case=ctx.case,
        judgement=judged,
        proposer=ctx.actor,
        measure_code=code,
        tier=tier.level,
        level_required=tier.level,
        approvals_required=tier.approvers,
        reasons=_need(ctx, "reasons", _("Give the reasons for the measure.")),
    )
    ctx.record = {"measure": code, "tier": tier.level}


def approval_level(actor: User, tier_level: int) -> int:
    """The level an approval counts at: an approver's own level, the tier for reviewers where
    the tier lets reviewers approve, and 0 (none) for everyone else."""
    tier = get_catalogue().tiers[tier_level]
    if has_role(actor, Role.APPROVER):
        return approver_level(actor)
    reviewer = tier.approval_role == Role.REVIEWER and has_role(actor, Role.REVIEWER)
    return tier_level if reviewer else 0


def _checked_approver(ctx: Context) -> tuple[Proposal, int]:
    current = _open_proposal(ctx.case)
    assert ctx.actor is not None
    if ctx.actor.pk == current.proposer_id:
        raise DomainError(_("No one may approve their own proposal."), code="separation_of_duties")
    if ctx.actor.pk == current.judgement.judge_id:
        raise DomainError(
            _("The judge of a case may not approve its measure."), code="separation_of_duties"
        )
    level = approval_level(ctx.actor, current.tier)
    if level < current.level_required:
        raise DomainError(
            _("This measure needs an approver of a higher level."), code="level_too_low"
        )
    return current, level


def rejection(ctx: Context) -> None:
    current, _level = _checked_approver(ctx)
    current.open = False
    current.save(update_fields=["open"])
    ctx.record = {"proposal": current.pk, "rejected": True}


def approval(ctx: Context) -> None:
    current, level = _checked_approver(ctx)
    assert ctx.actor is not None
    if current.approvals.filter(approver=ctx.actor).exists():
        raise DomainError(_("You have already approved this proposal."), code="duplicate")
    Approval.objects.create(
        proposal=current,
        approver=ctx.actor,
        proposer=current.proposer,
        judge=current.judgement.judge,
        level=level,
    )
    ctx.record = {"proposal": current.pk, "approvals": current.approvals.count()}


def approvals_complete(ctx: Context) -> None:
    from jubao.measures.services import measures_order

    current = _open_proposal(ctx.case)
    given = current.approvals.filter(level__gte=current.level_required).count()
    if given < current.approvals_required:
        raise DomainError(
            _("%(given)d of %(needed)d approvals so far.")
            % {"given": given, "needed": current.approvals_required},
            code="approvals_missing",
        )
    if not current.measures.exists():
        ordered = measures_order(case=ctx.case, proposal=current)
        sent = sum(1 for m in ordered if m.platform_id and m.target_kind != "subject")
        ctx.record = {"measures": len(ordered), "to_platform": sent}
        if sent:
            ctx.message = _("%(platform)s has been told to carry out the measure.") % {
                "platform": ctx.case.platform.name if ctx.case.platform else ""
            }


def imposer(ctx: Context) -> None:
    from jubao.measures.models import MeasureStatus
    from jubao.measures.services import measure_applied
    from jubao.platforms.models import OPEN_TRANSFER

    current = _open_proposal(ctx.case)
    judge = current.judgement.judge
    if ctx.actor == judge:
        raise DomainError(
            _("The judge of a case may not impose its measure."), code="separation_of_duties"
        )
    if current.measures.filter(transfer__status__in=OPEN_TRANSFER).exists():
        raise DomainError(
            _("The platform has not reported that it carried out the measure yet."),
            code="platform_pending",
        )
    # Measures the office carries out itself are in force from now.
    for measure in current.measures.filter(status=MeasureStatus.ORDERED, transfer__isnull=True):
        measure_applied(measure=measure)
    assert ctx.actor is not None
    Disposal.objects.create(
        case=ctx.case,
        proposal=current,
        imposer=ctx.actor,
        judge=judge,
        note=ctx.params.get("note", ""),
    )
    Offence.objects.filter(judgement=current.judgement).update(measure_code=current.measure_code)
    ctx.record = {"measure": current.measure_code}


def answer(ctx: Context) -> None:
    ctx.message = _need(ctx, "message", _("Write the answer to the reporter."))


def answer_without_measure(ctx: Context) -> None:
    if _latest_judgement(ctx.case).result != "not_infringing":
        raise DomainError(
            _("Infringing content needs a measure before the answer."), code="measure_required"
        )
    answer(ctx)


def reopen_reason(ctx: Context) -> None:
    reason = _need(ctx, "reason", _("Give the reason for reopening (a complaint or an appeal)."))
    ctx.record = {"reopened": True}
    ctx.message = _("Your case was reopened: %(reason)s") % {"reason": reason}


GUARDS: dict[str, Callable[[Context], None]] = {
    fn.__name__: fn
    for fn in (
        refusal_reason,
        transfer_target,
        merge_target,
        proof_request,
        proof_overdue,
        judgement,
        discussion_panel,
        discussion_quorum,
        proposal,
        approval,
        rejection,
        approvals_complete,
        imposer,
        answer,
        answer_without_measure,
        reopen_reason,
    )
}
