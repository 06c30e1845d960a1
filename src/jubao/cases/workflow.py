"""The case workflow as data: which move leads from which state to which, and who may make it.

`TRANSITIONS` is the single source of truth. The service layer refuses any (state, move) pair
that is not in it, and the database refuses any change of status that no entry allows (see the
`cases_allowed_step` table filled from `STEPS` and the trigger of migration 0003), so a raw
update that skips a state fails as well.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from jubao.accounts.models import Role
from jubao.cases.models import CaseStatus as S


class Move(enum.StrEnum):
    ACCEPT = "accept"
    REFUSE = "refuse"
    TRANSFER = "transfer"
    MERGE = "merge"
    START_REVIEW = "start_review"
    REQUEST_PROOF = "request_proof"
    PROOF_RECEIVED = "proof_received"
    PROOF_TIMEOUT = "proof_timeout"
    JUDGE = "judge"
    DISCUSS = "discuss"
    CONCLUDE_DISCUSSION = "conclude_discussion"
    PROPOSE_DISPOSAL = "propose_disposal"
    APPROVE = "approve"
    REJECT_PROPOSAL = "reject_proposal"
    START_DISPOSAL = "start_disposal"
    DISPOSE = "dispose"
    ANSWER = "answer"
    EVALUATE = "evaluate"
    CLOSE = "close"
    REOPEN = "reopen"
    WITHDRAW = "withdraw"


MOVE_LABELS = {
    Move.ACCEPT: _("Accept"),
    Move.REFUSE: _("Do not accept"),
    Move.TRANSFER: _("Transfer"),
    Move.MERGE: _("Merge into another case"),
    Move.START_REVIEW: _("Start the review"),
    Move.REQUEST_PROOF: _("Ask for supplementary proof"),
    Move.PROOF_RECEIVED: _("Proof received: resume"),
    Move.PROOF_TIMEOUT: _("Close: proof not received in time"),
    Move.JUDGE: _("Judge"),
    Move.DISCUSS: _("Send to collective discussion"),
    Move.CONCLUDE_DISCUSSION: _("Conclude the discussion"),
    Move.PROPOSE_DISPOSAL: _("Propose a measure"),
    Move.APPROVE: _("Approve the measure"),
    Move.REJECT_PROPOSAL: _("Reject the measure"),
    Move.START_DISPOSAL: _("Start disposal"),
    Move.DISPOSE: _("Record the disposal"),
    Move.ANSWER: _("Answer the reporter"),
    Move.EVALUATE: _("Evaluate"),
    Move.CLOSE: _("Close"),
    Move.REOPEN: _("Reopen"),
    Move.WITHDRAW: _("Withdraw"),
}

# Who acts for the reporter (the receipt holder) and for the system's own timers.
REPORTER = "reporter"
SYSTEM = "system"


@dataclass(frozen=True)
class Transition:
    source: S
    move: Move
    target: S
    roles: frozenset[str]
    # Named guard checked by the service (see cases.guards); None means no extra condition.
    guard: str | None = None


def _t(source: S, move: Move, target: S, roles: set[str], guard: str | None = None) -> Transition:
    return Transition(source, move, target, frozenset(roles), guard)


OPEN_STATES = (
    S.PENDING,
    S.ACCEPTED,
    S.UNDER_REVIEW,
    S.AWAITING_PROOF,
    S.JUDGED,
    S.IN_DISCUSSION,
    S.DISPOSAL_PROPOSED,
    S.IN_APPROVAL,
    S.DISPOSING,
    S.REOPENED,
)

TRANSITIONS: tuple[Transition, ...] = (
    _t(S.PENDING, Move.ACCEPT, S.ACCEPTED, {Role.INTAKE}),
    _t(S.PENDING, Move.REFUSE, S.NOT_ACCEPTED, {Role.INTAKE}, "refusal_reason"),
    _t(S.PENDING, Move.TRANSFER, S.TRANSFERRED, {Role.INTAKE}, "transfer_target"),
    _t(S.ACCEPTED, Move.TRANSFER, S.TRANSFERRED, {Role.INTAKE}, "transfer_target"),
    _t(S.PENDING, Move.MERGE, S.MERGED, {Role.INTAKE}, "merge_target"),
    _t(S.ACCEPTED, Move.MERGE, S.MERGED, {Role.INTAKE}, "merge_target"),
    _t(S.ACCEPTED, Move.START_REVIEW, S.UNDER_REVIEW, {Role.REVIEWER}),
    _t(S.REOPENED, Move.START_REVIEW, S.UNDER_REVIEW, {Role.REVIEWER}),
    _t(S.UNDER_REVIEW, Move.REQUEST_PROOF, S.AWAITING_PROOF, {Role.REVIEWER}, "proof_request"),
    _t(S.AWAITING_PROOF, Move.PROOF_RECEIVED, S.UNDER_REVIEW, {Role.REVIEWER, SYSTEM}),
    _t(S.AWAITING_PROOF, Move.PROOF_TIMEOUT, S.CLOSED, {SYSTEM, Role.SUPERVISOR}, "proof_overdue"),
    _t(S.UNDER_REVIEW, Move.JUDGE, S.JUDGED, {Role.REVIEWER}, "judgement"),
    _t(S.JUDGED, Move.DISCUSS, S.IN_DISCUSSION, {Role.REVIEWER}, "discussion_panel"),
    _t(
        S.IN_DISCUSSION,
        Move.CONCLUDE_DISCUSSION,
        S.JUDGED,
        {Role.SUPERVISOR, Role.REVIEWER},
        "discussion_quorum",
    ),
    _t(S.JUDGED, Move.PROPOSE_DISPOSAL, S.DISPOSAL_PROPOSED, {Role.DISPOSAL}, "proposal"),
    _t(
        S.DISPOSAL_PROPOSED, Move.APPROVE, S.IN_APPROVAL, {Role.APPROVER, Role.REVIEWER}, "approval"
    ),
    _t(S.IN_APPROVAL, Move.APPROVE, S.IN_APPROVAL, {Role.APPROVER, Role.REVIEWER}, "approval"),
    _t(S.IN_APPROVAL, Move.START_DISPOSAL, S.DISPOSING, {Role.DISPOSAL}, "approvals_complete"),
    _t(
        S.DISPOSAL_PROPOSED,
        Move.REJECT_PROPOSAL,
        S.JUDGED,
        {Role.APPROVER, Role.REVIEWER},
        "rejection",
    ),
    _t(S.IN_APPROVAL, Move.REJECT_PROPOSAL, S.JUDGED, {Role.APPROVER, Role.REVIEWER}, "rejection"),
    _t(S.DISPOSING, Move.DISPOSE, S.DISPOSED, {Role.DISPOSAL}, "imposer"),
    _t(S.DISPOSED, Move.ANSWER, S.ANSWERED, {Role.INTAKE, Role.REVIEWER}, "answer"),
    _t(S.JUDGED, Move.ANSWER, S.ANSWERED, {Role.INTAKE, Role.REVIEWER}, "answer_without_measure"),
    _t(S.ANSWERED, Move.EVALUATE, S.EVALUATED, {REPORTER}),
    _t(S.ANSWERED, Move.CLOSE, S.CLOSED, {Role.INTAKE, Role.SUPERVISOR}),
    _t(S.EVALUATED, Move.CLOSE, S.CLOSED, {Role.INTAKE, Role.SUPERVISOR}),
    *(
        _t(source, Move.REOPEN, S.REOPENED, {Role.SUPERVISOR}, "reopen_reason")
        for source in (S.NOT_ACCEPTED, S.ANSWERED, S.EVALUATED, S.CLOSED)
    ),
    *(_t(source, Move.WITHDRAW, S.WITHDRAWN, {REPORTER}) for source in OPEN_STATES),
)

_INDEX = {(t.source, t.move): t for t in TRANSITIONS}
# Every (from, to) pair the database accepts for a change of a case's status.
STEPS: frozenset[tuple[str, str]] = frozenset(
    (str(t.source), str(t.target)) for t in TRANSITIONS if t.source != t.target
)


def transition_for(source: str, move: str) -> Transition | None:
    """The transition a move makes from a state, or None if the move is not allowed there."""
    try:
        return _INDEX.get((S(source), Move(move)))
    except ValueError:
        return None


def moves_from(source: str) -> list[Transition]:
    """The moves the table allows from a state (the workbench offers those the user may make)."""
    return [t for t in TRANSITIONS if t.source == source]
