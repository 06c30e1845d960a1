"""Scorecard formulas on constructed transfers and evaluations."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jubao.oversight import scorecards as scorecards_module
from jubao.oversight.models import Problem
from jubao.oversight.scorecards import ACK_TARGET_HOURS, WEIGHTS, ranking, scorecards
from tests.oversight.conftest import evaluate

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)


@pytest.fixture
def period():
    end = timezone.now() + dt.timedelta(minutes=5)  # evaluations made now fall inside
    return end - dt.timedelta(days=90), end


def test_the_formulas(platform, make_transfer, period, monkeypatch):
    monkeypatch.setattr(scorecards_module, "complaint_model", lambda: None)
    start, end = period
    sent = end - dt.timedelta(days=10)
    # Acknowledged after 2, 4, 10 and 30 hours (median 7); due after 48 hours.
    a = make_transfer(sent_at=sent, ack_hours=2, done_hours=20, status="done")
    make_transfer(sent_at=sent, ack_hours=4, done_hours=60, status="done")  # done late, ack in time
    make_transfer(sent_at=sent, ack_hours=10, status="disputed")
    make_transfer(sent_at=sent, ack_hours=30, status="acknowledged")
    make_transfer(sent_at=sent, status="sent")  # never acknowledged, overdue
    make_transfer(sent_at=end - 2 * H, status="sent")  # not yet due
    make_transfer(sent_at=start - dt.timedelta(days=1), ack_hours=1000, status="done")  # outside
    evaluate(a.case, 5)
    evaluate(a.case, 2)
    evaluate(a.case, 1, at=start - dt.timedelta(days=1))  # outside the period

    card = scorecards([platform], start=start, end=end)[0]
    assert card.transfers == 6
    assert card.ack_median_hours == pytest.approx(7)
    assert (card.on_time, card.due) == (4, 5)
    assert card.on_time_rate == pytest.approx(0.8)
    assert (card.done, card.closed) == (2, 3)
    assert card.disposal_rate == pytest.approx(2 / 3)
    assert card.satisfaction == pytest.approx(3.5)
    assert card.evaluations == 2
    assert card.complaints is None and card.complaint_rate is None  # no complaint model: "—"
    parts = {
        "on_time": 0.8,
        "disposal": 2 / 3,
        "satisfaction": (3.5 - 1) / 4,
        "acknowledgement": 1 - 7 / ACK_TARGET_HOURS,
    }
    expected = 100 * sum(WEIGHTS[k] * v for k, v in parts.items()) / sum(WEIGHTS[k] for k in parts)
    assert card.score == pytest.approx(round(expected, 1))


def test_an_odd_count_takes_the_middle_value(platform, make_transfer, period):
    start, end = period
    for hours in (1, 3, 50):
        make_transfer(sent_at=end - dt.timedelta(days=5), ack_hours=hours)
    assert scorecards([platform], start=start, end=end)[0].ack_median_hours == pytest.approx(3)


def test_no_data_means_no_score_and_the_ranking_puts_it_last(
    platform, other_platform, make_transfer, period
):
    start, end = period
    card = scorecards([platform], start=start, end=end)[0]
    assert card.score is None and card.on_time_rate is None and card.ack_median_hours is None
    make_transfer(
        sent_at=end - dt.timedelta(days=3),
        ack_hours=1,
        done_hours=2,
        status="done",
        to=other_platform,
    )
    ranked = ranking(scorecards([platform, other_platform], start=start, end=end))
    assert [c.platform for c in ranked] == [other_platform, platform]
    assert ranked[0].score is not None and ranked[0].score > 90


def test_the_queries_do_not_grow_with_the_transfers(
    platform, make_transfer, period, django_assert_max_num_queries
):
    start, end = period
    for i in range(30):
        make_transfer(
            sent_at=end - dt.timedelta(days=1 + i), ack_hours=i + 1, done_hours=i + 2, status="done"
        )
    with django_assert_max_num_queries(6):
        scorecards([platform], start=start, end=end)


def test_the_complaint_rate_counts_complaints_per_transfer(
    platform, make_transfer, period, monkeypatch, people
):
    """Any model with a `platform` key and a date counts; the problem ledger stands in here for
    the complaints app, which is built separately."""
    start, end = period
    monkeypatch.setattr(scorecards_module, "complaint_model", lambda: (Problem, "created_at"))
    for _ in range(4):
        make_transfer(sent_at=end - dt.timedelta(days=2), ack_hours=1)
    for _ in range(2):
        Problem.objects.create(
            platform=platform, description="x", deadline=end.date(), created_by=people["sup1"]
        )
    card = scorecards([platform], start=start, end=end)[0]
    assert (card.complaints, card.transfers) == (2, 4)
    assert card.complaint_rate == pytest.approx(0.5)
    assert card.components["complaints"] == pytest.approx(0.5)


def test_the_real_complaint_model_is_used_when_it_has_a_platform_key():
    found = scorecards_module.complaint_model()
    if found is not None:
        model, _date = found
        assert model.__name__ == "Complaint"
