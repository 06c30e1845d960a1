"""Satisfaction (§19): the reporters' evaluations of their cases' results, aggregated per office,
platform, report item and month by the database, and their comments searchable by staff.

Everything is scoped to the jurisdiction of the evaluated report's case. Nothing here reads the
reporter's identity: an evaluation is shown with its score, item, month and case reference only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, DateField, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from jubao.accounts.models import Office, Platform, User
from jubao.accounts.policies import policy
from jubao.catalogue import get_catalogue
from jubao.insights.selectors import last_months
from jubao.intake.models import Evaluation

SUPERVISE = "cases.supervise"
QUERY_MAX_LENGTH = 100


@dataclass(frozen=True)
class SatisfactionRow:
    key: Any
    label: str
    count: int
    mean: float | None
    satisfied: int  # evaluations scoring 4 or 5

    @property
    def satisfied_share(self) -> float | None:
        return self.satisfied / self.count if self.count else None


def evaluations_for(user: User) -> QuerySet[Evaluation]:
    """The evaluations of reports whose case is in the user's jurisdiction."""
    return policy(SUPERVISE).scope(user, Evaluation.objects.all(), "report__case__jurisdiction")


def _grouped(queryset: QuerySet[Evaluation], field: str) -> list[dict[str, Any]]:
    return list(
        queryset.values(field)
        .annotate(n=Count("pk"), mean=Avg("score"), high=Count("pk", filter=Q(score__gte=4)))
        .order_by()
    )


def _rows(rows: list[dict[str, Any]], field: str, labels: dict[Any, str]) -> list[SatisfactionRow]:
    out = [
        SatisfactionRow(
            key=row[field],
            label=labels.get(row[field], str(row[field] if row[field] is not None else "—")),
            count=row["n"],
            mean=round(row["mean"], 2) if row["mean"] is not None else None,
            satisfied=row["high"],
        )
        for row in rows
    ]
    return sorted(out, key=lambda r: (-r.count, r.label))


def by_office(queryset: QuerySet[Evaluation]) -> list[SatisfactionRow]:
    field = "report__case__jurisdiction"
    rows = _grouped(queryset, field)
    offices = Office.objects.in_bulk([row[field] for row in rows])
    return _rows(rows, field, {pk: office.name for pk, office in offices.items()})


def by_platform(queryset: QuerySet[Evaluation], none_label: str) -> list[SatisfactionRow]:
    field = "report__platform"
    rows = _grouped(queryset, field)
    platforms = Platform.objects.in_bulk([row[field] for row in rows if row[field] is not None])
    labels: dict[Any, str] = {pk: str(platform) for pk, platform in platforms.items()}
    labels[None] = none_label
    return _rows(rows, field, labels)


def item_name(code: str) -> str:
    try:
        return str(get_catalogue().item(code).name)
    except KeyError:
        return code


def by_item(queryset: QuerySet[Evaluation]) -> list[SatisfactionRow]:
    field = "report__item_code"
    rows = _grouped(queryset, field)
    return _rows(rows, field, {row[field]: item_name(row[field]) for row in rows})


def by_month(queryset: QuerySet[Evaluation], today: dt.date | None = None) -> list[SatisfactionRow]:
    """The last twelve months, oldest first, months without evaluations included."""
    months = last_months(today)
    rows = (
        queryset.filter(at__gte=timezone.make_aware(dt.datetime.combine(months[0], dt.time.min)))
        .annotate(month=TruncMonth("at", output_field=DateField()))
        .values("month")
        .annotate(n=Count("pk"), mean=Avg("score"), high=Count("pk", filter=Q(score__gte=4)))
        .order_by()
    )
    found = {row["month"]: row for row in rows}
    out = []
    for month in months:
        row = found.get(month)
        out.append(
            SatisfactionRow(
                key=month,
                label=f"{month:%Y-%m}",
                count=row["n"] if row else 0,
                mean=round(row["mean"], 2) if row and row["mean"] is not None else None,
                satisfied=row["high"] if row else 0,
            )
        )
    return out


def comments_search(queryset: QuerySet[Evaluation], query: str) -> QuerySet[Evaluation]:
    """Evaluations with a comment containing `query` (any case), newest first."""
    query = query.strip()[:QUERY_MAX_LENGTH]
    found = queryset.exclude(comment="")
    if query:
        found = found.filter(comment__icontains=query)
    return found.select_related("report__case").order_by("-at", "-pk")
