"""Satisfaction (§19): evaluations aggregated per office, platform, item and month by the
database, scoped to the jurisdiction, and the comments' search for staff."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from jubao.accounts.models import Office, Platform, Role
from jubao.cases.models import Case
from jubao.catalogue import get_catalogue
from jubao.insights import satisfaction
from jubao.insights.selectors import last_months
from jubao.intake.models import Evaluation, Report

pytestmark = pytest.mark.django_db
_numbers = itertools.count(1)


def evaluate(
    score: int,
    *,
    office: Office,
    item: str = "personal.doxxing",
    platform: Platform | None = None,
    comment: str = "",
    at: dt.datetime | None = None,
) -> Evaluation:
    n = next(_numbers)
    case = Case.objects.create(
        reference=f"A-S{n}",
        item_code=item,
        catalogue_version="test",
        catalogue_hash="test",
        track="normal",
        priority=2,
        jurisdiction=office,
        platform=platform,
    )
    report = Report.objects.create(
        reference=f"R-S{n}",
        case=case,
        item_code=item,
        catalogue_version="test",
        catalogue_hash="test",
        channel="web",
        reporter_role="victim",
        description="test",
        track="normal",
        priority=2,
        jurisdiction=office,
        platform=platform,
        receipt_hash=f"s{n:063d}",
    )
    evaluation = Evaluation.objects.create(report=report, score=score, comment=comment)
    if at is not None:
        Evaluation.objects.filter(pk=evaluation.pk).update(at=at)
    return evaluation


@pytest.fixture
def evaluations(offices, platform):
    months = last_months()
    this = timezone.make_aware(dt.datetime.combine(months[-1], dt.time(12)))
    last = timezone.make_aware(dt.datetime.combine(months[-2], dt.time(12)))
    old = this - dt.timedelta(days=400)
    county, gd = offices["330106"], offices["440000"]
    made = [
        evaluate(5, office=county, platform=platform, comment="处理很快，谢谢", at=this),
        evaluate(4, office=county, platform=platform, comment="还可以", at=this),
        evaluate(1, office=county, item="personal.portrait", comment="太慢了，没有回复", at=last),
        evaluate(2, office=gd, item="personal.portrait", comment="回复太慢", at=last),
        evaluate(3, office=county, at=old),
    ]
    return {"this": months[-1], "last": months[-2], "made": made}


def _by_key(rows):
    return {row.key: row for row in rows}


def test_aggregates(evaluations, offices, platform, make_user):
    central = make_user("aud_c", Role.AUDITOR, office="000000")
    found = satisfaction.evaluations_for(central)
    offices_rows = _by_key(satisfaction.by_office(found))
    county = offices_rows[offices["330106"].pk]
    assert (county.count, county.mean, county.satisfied) == (4, 3.25, 2)
    assert county.satisfied_share == 0.5 and county.label == offices["330106"].name
    assert offices_rows[offices["440000"].pk].count == 1

    platforms = _by_key(satisfaction.by_platform(found, "none"))
    assert (platforms[platform.pk].count, platforms[platform.pk].mean) == (2, 4.5)
    assert platforms[None].label == "none" and platforms[None].count == 3

    items = _by_key(satisfaction.by_item(found))
    portrait = items["personal.portrait"]
    assert (portrait.count, portrait.mean, portrait.satisfied) == (2, 1.5, 0)
    assert portrait.label == str(get_catalogue().item("personal.portrait").name)

    months = satisfaction.by_month(found)
    assert len(months) == 12
    per_month = _by_key(months)
    assert (per_month[evaluations["this"]].count, per_month[evaluations["this"]].mean) == (2, 4.5)
    assert per_month[evaluations["last"]].count == 2
    assert sum(row.count for row in months) == 4  # the old one is out of the twelve months


def test_aggregates_are_database_queries(evaluations, make_user, django_assert_max_num_queries):
    central = make_user("aud_c", Role.AUDITOR, office="000000")
    found = satisfaction.evaluations_for(central)
    with django_assert_max_num_queries(6):
        satisfaction.by_office(found)
        satisfaction.by_platform(found, "none")
        satisfaction.by_item(found)
        satisfaction.by_month(found)


def test_scoped_to_the_jurisdiction(evaluations, offices, make_user):
    zhejiang = make_user("sup_zj", Role.SUPERVISOR, office="330000")
    found = satisfaction.evaluations_for(zhejiang)
    assert found.count() == 4
    assert set(_by_key(satisfaction.by_office(found))) == {offices["330106"].pk}
    reviewer = make_user("rev", Role.REVIEWER, office="330000")
    assert not satisfaction.evaluations_for(reviewer).exists()


def test_comment_search(evaluations, make_user):
    zhejiang = make_user("sup_zj", Role.SUPERVISOR, office="330000")
    found = satisfaction.evaluations_for(zhejiang)
    assert [e.comment for e in satisfaction.comments_search(found, "慢")] == ["太慢了，没有回复"]
    assert satisfaction.comments_search(found, "").count() == 3


def test_the_page(evaluations, make_user, staff_client, offices):
    client = staff_client(make_user("sup_zj", Role.SUPERVISOR, office="330000"))
    page = client.get("/workbench/transparency/satisfaction/", {"q": "慢"})
    assert page.status_code == 200
    body = page.content.decode()
    slow = evaluations["made"][2]
    assert f'data-evaluation="{slow.pk}"' in body and "太慢了，没有回复" in body
    assert slow.report.case.reference in body and f"/cases/{slow.report.case_id}/" in body
    assert "回复太慢" not in body  # another province's comment
    assert "处理很快" not in body  # does not match
    assert slow.report.reference not in body  # no report reference, no reporter
    row = body.split(f'data-month="{evaluations["this"]:%Y-%m}"')[1].split("</tr>")[0]
    assert '<td data-figure="count">2</td>' in row
    assert 'data-satisfaction="office"' in body and offices["330106"].name in body


def test_search_is_case_insensitive(offices, make_user):
    evaluate(4, office=offices["330106"], comment="Very FAST handling")
    supervisor = make_user("sup_zj", Role.SUPERVISOR, office="330000")
    found = satisfaction.comments_search(satisfaction.evaluations_for(supervisor), "fast")
    assert found.count() == 1
