"""The public transparency page: figures per month computed by the database on constructed data,
the measures taken with their catalogue names, and no personal data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import QuerySet
from django.test import Client
from django.utils import timezone

from jubao.cases.models import CaseEvent
from jubao.catalogue import get_catalogue
from jubao.insights.selectors import last_months, measures_taken, monthly_figures
from jubao.measures.models import Measure, MeasureStatus
from tests.insights.conftest import PHONE

pytestmark = pytest.mark.django_db


def _at(month: dt.date, day: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(month.year, month.month, day, 12))


def _move(rows: QuerySet, field: str, when: dt.datetime) -> None:
    assert rows.update(**{field: when})


def test_last_months():
    months = last_months(dt.date(2026, 2, 17))
    assert len(months) == 12
    assert months[0] == dt.date(2025, 3, 1) and months[-1] == dt.date(2026, 2, 1)


@pytest.fixture
def history(file_report, home_office, offices):
    """Four reports in three months (one of them too old to count), with their cases' steps."""
    months = last_months()
    this, last, old = months[-1], months[-2], months[0] - dt.timedelta(days=40)
    reports = [
        file_report(
            description=f"第{n}号举报，电话{PHONE}",
            targets=[
                {"url": f"https://bbs.example/t/{n}", "platform": "某论坛", "excerpt": "公开电话"}
            ],
        )
        for n in range(4)
    ]
    assert len({r.case_id for r in reports}) == 4
    for report, month in zip(reports, (this, this, last, old), strict=True):
        _move(type(report).objects.filter(pk=report.pk), "submitted_at", _at(month))

    def step(report, target: str, month: dt.date, day: int = 12) -> None:
        event = CaseEvent.objects.create(case=report.case, move="x", source="x", target=target)
        _move(CaseEvent.objects.filter(pk=event.pk), "at", _at(month, day))

    step(reports[0], "accepted", this)
    step(reports[1], "accepted", this)
    step(reports[2], "accepted", last)
    step(reports[2], "disposed", last, 20)
    step(reports[2], "answered", this, 2)
    step(reports[3], "accepted", old.replace(day=1))
    return {"this": this, "last": last, "reports": reports}


def test_monthly_figures_are_aggregated(history):
    rows = {row.month: row for row in monthly_figures()}
    assert len(rows) == 12
    this, last = rows[history["this"]], rows[history["last"]]
    assert (this.received, this.accepted, this.disposed, this.answered) == (2, 2, 0, 1)
    assert (last.received, last.accepted, last.disposed, last.answered) == (1, 1, 1, 0)
    # The report and the step older than twelve months are not counted anywhere.
    assert sum(r.received for r in rows.values()) == 3
    assert sum(r.accepted for r in rows.values()) == 3


def test_the_queries_do_not_grow_with_the_rows(history, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        monthly_figures()


def test_measures_taken_with_catalogue_names(history):
    catalogue = get_catalogue()
    codes = [m.code for m in catalogue.measures[:2]]
    case = history["reports"][0].case
    for code, status in [
        (codes[0], MeasureStatus.ACTIVE),
        (codes[0], MeasureStatus.ENDED),
        (codes[1], MeasureStatus.ORDERED),
        (codes[1], MeasureStatus.FAILED),
    ]:
        Measure.objects.create(case=case, code=code, target_kind="content", status=status)
    rows = measures_taken()
    assert [(r.code, r.count) for r in rows] == [(codes[0], 2), (codes[1], 1)]
    assert rows[0].name == str(catalogue.measure(codes[0]).name)


def test_the_page_shows_the_figures_and_no_personal_data(history, client: Client):
    code = get_catalogue().measures[0].code
    Measure.objects.create(case=history["reports"][0].case, code=code, target_kind="content")
    page = client.get("/transparency/")
    assert page.status_code == 200
    body = page.content.decode()
    row = body.split(f'data-month="{history["this"]:%Y-%m}"')[1].split("</tr>")[0]
    assert '<td data-figure="received">2</td>' in row
    assert '<td data-figure="accepted">2</td>' in row
    assert '<td data-figure="answered">1</td>' in row
    assert f'data-measure="{code}"' in body
    assert str(get_catalogue().measure(code).name) in body
    assert "/transparency/laws/" in body
    assert PHONE not in body and "举报，电话" not in body
    for report in history["reports"]:
        assert report.reference not in body and report.case.reference not in body
