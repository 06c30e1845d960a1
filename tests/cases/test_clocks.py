"""Stage clocks follow the moves: started, stopped, paused and resumed, with due and 75 % marks."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from jubao.cases.clocks import CHANGES, clock_rows, clocks_apply, clocks_start
from jubao.cases.deadlines import TZ, Clock, add_working_days
from jubao.cases.models import Case
from jubao.cases.workflow import Move
from jubao.catalogue import Stage, TimeLimit, TimeUnit
from jubao.intake.models import Report

pytestmark = pytest.mark.django_db

ITEM = "personal.doxxing"


def _case(item: str = ITEM, stages=(Stage.ACCEPTANCE, Stage.OVERALL), at=None) -> Case:
    at = at or datetime(2025, 9, 1, 9, 0, tzinfo=TZ)  # a Monday
    return Case(item_code=item, clocks=clocks_start(item, stages, at))


def _deadline(case: Case, stage: Stage) -> datetime:
    return Clock.from_dict(case.clocks[str(stage)]).due_at().at


def test_every_move_that_ends_a_case_stops_every_clock():
    for move in (Move.REFUSE, Move.MERGE, Move.WITHDRAW, Move.CLOSE, Move.ANSWER):
        assert set(CHANGES[move].stop) == set(Stage)
    # A transfer leaves only the platform's clock running (a case handed to its platform).
    assert set(CHANGES[Move.TRANSFER].stop) == set(Stage) - {Stage.PLATFORM_TRANSFER}


def test_a_new_report_starts_the_acceptance_and_overall_clocks(client, report_body, offices):
    response = client.post("/api/v1/reports", report_body(), content_type="application/json")
    assert response.status_code == 201
    case = Report.objects.get().case
    assert set(case.clocks) == {"acceptance", "overall"}
    earliest = min(_deadline(case, Stage.ACCEPTANCE), _deadline(case, Stage.OVERALL))
    assert case.due_at == earliest
    assert case.opened_at < case.warn_at < case.due_at


def test_the_warning_mark_is_at_75_percent_of_an_hour_limit():
    start = datetime(2025, 9, 1, 9, 0, tzinfo=TZ)
    case = Case(
        item_code=ITEM,
        clocks={"review": Clock(start, TimeLimit(24, TimeUnit.HOURS)).to_dict()},
    )
    from jubao.cases.clocks import clocks_refresh

    clocks_refresh(case)
    assert case.due_at == start + timedelta(hours=24)
    assert abs(case.warn_at - (start + timedelta(hours=18))) <= timedelta(seconds=1)


def test_the_warning_mark_of_working_days_skips_the_weekend():
    # 4 working days from Friday 2025-09-05: Mon 8 to Thu 11; 75 % = 3 working days = Wed end.
    start = datetime(2025, 9, 5, 10, 0, tzinfo=TZ)
    case = Case(
        item_code=ITEM, clocks={"review": Clock(start, TimeLimit(4, TimeUnit.DAYS)).to_dict()}
    )
    from jubao.cases.clocks import clocks_refresh

    clocks_refresh(case)
    assert case.due_at == add_working_days(start, 4)
    assert case.warn_at.astimezone(TZ).date() == datetime(2025, 9, 11).date()
    assert case.warn_at.astimezone(TZ).hour == 0


def test_the_clocks_through_a_case_with_a_request_for_proof():
    case = _case()
    monday = datetime(2025, 9, 1, 10, 0, tzinfo=TZ)
    clocks_apply(case, Move.ACCEPT, monday)
    assert case.clocks["acceptance"]["stopped_at"] == monday.isoformat()
    assert case.clocks["review"]["stopped_at"] is None
    review_due = _deadline(case, Stage.REVIEW)
    clocks_apply(case, Move.START_REVIEW, monday + timedelta(hours=1))
    assert _deadline(case, Stage.REVIEW) == review_due  # not restarted

    # Asked for proof on Tuesday, received on Thursday.
    clocks_apply(case, Move.REQUEST_PROOF, monday + timedelta(days=1))
    assert Clock.from_dict(case.clocks["review"]).paused
    assert Clock.from_dict(case.clocks["overall"]).paused
    # While the review and overall clocks stand still, only the wait for the proof is due.
    assert case.due_at == _deadline(case, Stage.SUPPLEMENT_WAIT)
    clocks_apply(case, Move.PROOF_RECEIVED, monday + timedelta(days=3))
    assert case.clocks["supplement_wait"]["stopped_at"] is not None
    # The item runs on hours: the two days paused are added as 48 hours.
    assert _deadline(case, Stage.REVIEW) == review_due + timedelta(days=2)

    clocks_apply(case, Move.JUDGE, monday + timedelta(days=4))
    assert case.clocks["review"]["stopped_at"] is not None
    assert "judgement" in case.clocks
    clocks_apply(case, Move.ANSWER, monday + timedelta(days=5))
    assert all(c["stopped_at"] for c in case.clocks.values())
    assert case.due_at is None and case.warn_at is None


def test_the_case_page_rows_say_met_late_overdue_and_paused():
    start = datetime(2025, 9, 1, 9, 0, tzinfo=TZ)
    case = _case(at=start)
    clocks_apply(case, Move.ACCEPT, start + timedelta(days=30))  # acceptance limit long passed
    rows = {r.stage: r for r in clock_rows(case, start + timedelta(days=30))}
    assert rows["acceptance"].state == "late"
    assert rows["overall"].state == "overdue"
    assert rows["review"].state == "ok"
    clocks_apply(case, Move.START_REVIEW, start + timedelta(days=30))
    clocks_apply(case, Move.REQUEST_PROOF, start + timedelta(days=30, hours=1))
    rows = {r.stage: r for r in clock_rows(case, start + timedelta(days=31))}
    assert rows["review"].state == "paused"
    assert rows["overall"].state == "overdue"  # pausing does not hide a missed limit

    fresh = _case(at=start)
    clocks_apply(fresh, Move.ACCEPT, start + timedelta(hours=1))
    assert {r.stage: r.state for r in clock_rows(fresh, start + timedelta(hours=1))}[
        "acceptance"
    ] == "met"


def test_reopening_starts_new_review_and_overall_clocks():
    start = datetime(2025, 9, 1, 9, 0, tzinfo=TZ)
    case = _case(at=start)
    clocks_apply(case, Move.REFUSE, start + timedelta(hours=2))
    assert case.due_at is None
    later = start + timedelta(days=40)
    clocks_apply(case, Move.REOPEN, later)
    assert Clock.from_dict(case.clocks["overall"]).started_at == later
    assert case.clocks["review"]["stopped_at"] is None
    assert case.due_at is not None and case.due_at > later
