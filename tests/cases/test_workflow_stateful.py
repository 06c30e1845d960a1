"""Random actors making random moves never break the workflow's invariants.

Hypothesis drives a case with any staff member, the reporter or the system making any move with
plausible parameters. Whatever is accepted or refused, afterwards: the judge never imposed the
measure, every disposal had its tier's approvals, the history only follows steps of the table,
every case that was answered shows the answer to its reporter, and the ledger verifies.
"""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from jubao.accounts.policies import roles_of
from jubao.cases.models import Approval, CaseEvent, Disposal
from jubao.cases.services import case_transition, case_vote
from jubao.cases.workflow import REPORTER, STEPS, SYSTEM, Move, moves_from
from jubao.catalogue import get_catalogue
from jubao.errors import DomainError
from jubao.intake.models import EventKind, ReportEvent
from jubao.ledger.verify import ledger_verify
from tests.cases.conftest import ITEM

pytestmark = pytest.mark.django_db
ENDINGS = {Move.WITHDRAW, Move.REFUSE, Move.TRANSFER, Move.MERGE, Move.PROOF_TIMEOUT}
ACTORS = [
    "intake",
    "reviewer",
    "disposal",
    "approver",
    "approver2",
    "supervisor",
    "member2",
    "member3",
    REPORTER,
    SYSTEM,
]


def _measures() -> list[str]:
    return [m.code for m in get_catalogue().item(ITEM).measures]


def _params(draw_measure: str, cast: dict) -> dict:
    return {
        "reason": get_catalogue().refusals[0].code,
        "message": "请补充材料",
        "result": "infringing",
        "reasons": "理由",
        "minutes": "纪要",
        "members": [cast["reviewer"], cast["member2"], cast["member3"]],
        "measure": draw_measure,
        "note": "已处置",
    }


def test_random_moves_keep_the_invariants(cast, offices, pow_solution, report_body, client):
    reached: set[str] = set()

    class Workflow(RuleBasedStateMachine):
        @initialize()
        def open_case(self) -> None:
            response = client.post(
                "/api/v1/reports",
                report_body(
                    description=f"随机测试举报 {CaseEvent.objects.count()} 号，内容足够长。",
                    targets=[
                        {
                            "url": f"https://xinghe.example/r/{Approval.objects.count()}-"
                            f"{CaseEvent.objects.count()}",
                            "platform": "星河社区",
                            "excerpt": "内容",
                        }
                    ],
                ),
                content_type="application/json",
            )
            assert response.status_code == 201, response.content
            from jubao.intake.models import Report

            self.case = Report.objects.get(reference=response.json()["reference"]).case

        @rule(
            move=st.sampled_from(list(Move)),
            who=st.sampled_from(ACTORS),
            measure=st.sampled_from(_measures()),
        )
        def act(self, move: Move, who: str, measure: str) -> None:
            actor = cast.get(who, who)
            reached.add(self.case.status)
            try:
                self.case = case_transition(
                    case=self.case, move=move, actor=actor, **_params(measure, cast)
                )
            except DomainError:
                self.case.refresh_from_db()
            reached.add(self.case.status)

        @rule(data=st.data(), measure=st.sampled_from(_measures()))
        def act_as_allowed(self, data: st.DataObject, measure: str) -> None:
            """Mostly plausible moves, so that the walk reaches the later states too."""
            choices = [
                (t.move, who)
                for t in moves_from(self.case.status)
                for who in ACTORS
                if t.roles & ({who} | (set(roles_of(cast[who])) if who in cast else set()))
            ]
            if data.draw(st.integers(0, 9)):  # mostly forward, sometimes an ending
                forward = [c for c in choices if c[0] not in ENDINGS]
                choices = forward or choices
            if choices:
                self.act(*data.draw(st.sampled_from(choices)), measure)

        @rule(
            who=st.sampled_from(["reviewer", "member2", "member3", "approver"]),
            result=st.sampled_from(["infringing", "not_infringing", "partly"]),
        )
        def vote(self, who: str, result: str) -> None:
            with contextlib.suppress(DomainError):
                case_vote(case=self.case, member=cast[who], result=result)

        @invariant()
        def judge_never_imposes(self) -> None:
            for disposal in Disposal.objects.filter(case=self.case):
                assert disposal.imposer_id != disposal.proposal.judgement.judge_id

        @invariant()
        def disposals_had_their_approvals(self) -> None:
            for disposal in Disposal.objects.filter(case=self.case):
                proposal = disposal.proposal
                given = proposal.approvals.filter(level__gte=proposal.level_required).count()
                assert given >= proposal.approvals_required
                assert not proposal.approvals.filter(approver=proposal.proposer).exists()

        @invariant()
        def history_follows_the_table(self) -> None:
            for event in CaseEvent.objects.filter(case=self.case):
                if event.source != event.target:
                    assert (event.source, event.target) in STEPS

        @invariant()
        def answered_cases_show_the_answer(self) -> None:
            answered = CaseEvent.objects.filter(case=self.case, move=Move.ANSWER).exists()
            if answered or self.case.status == "closed":
                shown = ReportEvent.objects.filter(
                    report__case=self.case, public=True, kind=EventKind.STATUS
                ).exclude(body="")
                assert shown.exists() or self.case.status == "withdrawn"

        def teardown(self) -> None:
            assert ledger_verify().ok

    Workflow.TestCase.settings = settings(
        max_examples=12,
        derandomize=True,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(Workflow, settings=Workflow.TestCase.settings)
    # The walk must get beyond intake, or the invariants above prove little.
    assert {"under_review", "judged", "disposal_proposed"} <= reached, reached
