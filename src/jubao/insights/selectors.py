"""The figures of the public transparency page, each one aggregated by the database.

Nothing here returns a row of a report or a case: only counts per month, per measure and per
platform, so the page cannot carry personal data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, DateField, Max, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from jubao.cases.models import CaseEvent, CaseStatus
from jubao.catalogue import get_catalogue
from jubao.insights.models import PlatformFigures
from jubao.intake.models import Report
from jubao.measures.models import Measure, MeasureStatus

MONTHS = 12


def last_months(today: dt.date | None = None, count: int = MONTHS) -> list[dt.date]:
    """The first days of the last `count` months, oldest first, the current month last."""
    today = today or timezone.localdate()
    year, month = today.year, today.month
    months = []
    for _ in range(count):
        months.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def _start(months: list[dt.date]) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(months[0], dt.time.min))


@dataclass(frozen=True)
class MonthRow:
    month: dt.date
    received: int
    accepted: int
    disposed: int
    answered: int


def _by_month(queryset: QuerySet[Any], field: str, count: Count) -> dict[dt.date, int]:
    rows = (
        queryset.annotate(m=TruncMonth(field, output_field=DateField()))
        .values("m")
        .annotate(n=count)
        .order_by()
    )
    return {row["m"]: row["n"] for row in rows}


def monthly_figures(today: dt.date | None = None) -> list[MonthRow]:
    """Reports received, and cases accepted, disposed and answered, per month over the last
    twelve months (the month a case reached the step; a case counts once per step and month)."""
    months = last_months(today)
    since = _start(months)
    received = _by_month(
        Report.objects.filter(submitted_at__gte=since), "submitted_at", Count("pk")
    )
    steps: dict[str, dict[dt.date, int]] = {}
    for status in (CaseStatus.ACCEPTED, CaseStatus.DISPOSED, CaseStatus.ANSWERED):
        events = CaseEvent.objects.filter(target=status, at__gte=since)
        steps[status] = _by_month(events, "at", Count("case", distinct=True))
    return [
        MonthRow(
            month=m,
            received=received.get(m, 0),
            accepted=steps[CaseStatus.ACCEPTED].get(m, 0),
            disposed=steps[CaseStatus.DISPOSED].get(m, 0),
            answered=steps[CaseStatus.ANSWERED].get(m, 0),
        )
        for m in months
    ]


@dataclass(frozen=True)
class MeasureRow:
    code: str
    name: str
    count: int


def measures_taken(today: dt.date | None = None) -> list[MeasureRow]:
    """The measures ordered over the last twelve months, per measure, most frequent first
    (measures that were not carried out are left out)."""
    since = _start(last_months(today))
    rows = (
        Measure.objects.filter(ordered_at__gte=since)
        .exclude(status=MeasureStatus.FAILED)
        .values("code")
        .annotate(n=Count("pk"))
        .order_by("-n", "code")
    )
    catalogue = get_catalogue()
    found = []
    for row in rows:
        try:
            name = str(catalogue.measure(row["code"]).name)
        except KeyError:
            name = row["code"]
        found.append(MeasureRow(code=row["code"], name=name, count=row["n"]))
    return found


@dataclass(frozen=True)
class FiguresTotal:
    month: dt.date
    platforms: int
    received: int
    handled: int
    removed: int
    accounts_handled: int
    slowest_median_hours: Decimal | None


def platform_totals(today: dt.date | None = None) -> list[FiguresTotal]:
    """The platforms' submitted figures added up per month over the last twelve months, newest
    first; medians cannot be added, so the slowest platform's median is shown."""
    since = last_months(today)[0]
    rows = (
        PlatformFigures.objects.filter(month__gte=since)
        .values("month")
        .annotate(
            platforms=Count("platform", distinct=True),
            received_sum=Sum("received"),
            handled_sum=Sum("handled"),
            removed_sum=Sum("removed"),
            accounts_sum=Sum("accounts_handled"),
            slowest=Max("median_hours"),
        )
        .order_by("-month")
    )
    return [
        FiguresTotal(
            month=row["month"],
            platforms=row["platforms"],
            received=row["received_sum"] or 0,
            handled=row["handled_sum"] or 0,
            removed=row["removed_sum"] or 0,
            accounts_handled=row["accounts_sum"] or 0,
            slowest_median_hours=row["slowest"],
        )
        for row in rows
    ]


def platform_figures(today: dt.date | None = None) -> QuerySet[PlatformFigures]:
    """Each platform's figures per month over the last twelve months, newest month first."""
    since = last_months(today)[0]
    return (
        PlatformFigures.objects.filter(month__gte=since)
        .select_related("platform")
        .order_by("-month", "platform__name")
    )
