"""Case fixtures: a cast of staff, and a case put into any state of the workflow."""

from __future__ import annotations

from collections import deque
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from jubao.cases.clocks import clocks_start
from jubao.cases.models import Approval, Case, CaseStatus, Deliberation, Judgement, Proposal, Vote
from jubao.cases.workflow import STEPS
from jubao.catalogue import Stage, get_catalogue

ITEM = "personal.doxxing"


@pytest.fixture(autouse=True)
def _easy(easy_pow_and_no_rate_limits):
    """Case tests that file reports solve cheap challenges and meet no rate limit."""


def _path(target: str) -> list[str]:
    """The shortest sequence of workflow steps from pending to `target`."""
    queue, seen = deque([["pending"]]), {"pending"}
    while queue:
        path = queue.popleft()
        if path[-1] == target:
            return path
        for source, step in sorted(STEPS):
            if source == path[-1] and step not in seen:
                seen.add(step)
                queue.append([*path, step])
    raise AssertionError(f"{target} cannot be reached")


def tier1_measure() -> str:
    item = get_catalogue().item(ITEM)
    return next(m.code for m in item.measures if m.tier.level == 1)


def _prepare(case: Case, state: str, cast: dict) -> None:
    """Create the records a case in `state` would have (judgement, proposal, approvals...)."""
    after_judgement = {
        "judged",
        "in_discussion",
        "disposal_proposed",
        "in_approval",
        "disposing",
        "disposed",
        "answered",
        "evaluated",
    }
    if state in after_judgement:
        # Judged by another reviewer, so that "reviewer" may still approve a tier-1 measure.
        judgement = Judgement.objects.create(
            case=case, judge=cast["member3"], result="infringing", reasons="证据充分"
        )
        if state in {"disposal_proposed", "in_approval", "disposing", "disposed"}:
            proposal = Proposal.objects.create(
                case=case,
                judgement=judgement,
                proposer=cast["disposal"],
                measure_code=tier1_measure(),
                tier=1,
                level_required=1,
                approvals_required=1,
                reasons="删除",
            )
            if state != "disposal_proposed":
                Approval.objects.create(
                    proposal=proposal,
                    approver=cast["approver2"],
                    proposer=cast["disposal"],
                    judge=cast["member3"],
                    level=3,
                )
    if state == "in_discussion":
        deliberation = Deliberation.objects.create(case=case, quorum=2)
        deliberation.members.set([cast["reviewer"], cast["member2"], cast["member3"]])
        for member in ("reviewer", "member2"):
            Vote.objects.create(deliberation=deliberation, member=cast[member], result="infringing")


def case_in(state: str, cast: dict, offices: dict) -> Case:
    """A case walked to `state` through the workflow's own steps (the triggers allow them)."""
    catalogue = get_catalogue()
    case = Case.objects.create(
        reference=f"T{state[:12]}{Case.objects.count()}",
        item_code=ITEM,
        track="cyberviolence",
        priority=10,
        jurisdiction=offices["330000"],
        **catalogue.stamp(),
    )
    _prepare(case, state, cast)
    if state == CaseStatus.AWAITING_PROOF:
        # The reporter was asked long ago: the wait for the proof is over.
        case.clocks = clocks_start(
            ITEM, (Stage.SUPPLEMENT_WAIT,), timezone.now() - timedelta(days=60)
        )
        case.save(update_fields=["clocks"])
    for step in _path(state)[1:]:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE cases_case SET status = %s WHERE id = %s", [step, case.pk])
    case.refresh_from_db()
    assert case.status == state
    return case


@pytest.fixture
def make_case(cast, offices):
    def make(state: str = CaseStatus.PENDING) -> Case:
        return case_in(state, cast, offices)

    return make
