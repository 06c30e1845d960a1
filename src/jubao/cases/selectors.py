"""Reading cases for staff: the same jurisdiction rule for the queues, the supervision list and
one case.

Queues are paged without counting: a page fetches one row more than it shows to know whether a
next page exists, so a queue over a million cases costs the same as one over a hundred (see
`docs/performance.md`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from jubao.accounts.models import User
from jubao.accounts.policies import policy
from jubao.cases.models import FINISHED, UNWATCHED, Case, CaseStatus
from jubao.catalogue import Track
from jubao.errors import NotFound
from jubao.intake.models import Report

PAGE_SIZE = 50
# Choices of the "assigned" filter besides a user id.
MINE, UNASSIGNED = "me", "none"
CLOCK_FILTERS = ("overdue", "warning")
# The "status" filter's value for every case, finished ones included (drill-down from statistics).
ALL_STATUSES = "all"


def cases_for_user(user: User) -> QuerySet[Case]:
    """Cases in the user's jurisdiction (the central office sees all).

    The jurisdiction is tested on `jurisdiction_id + 0`, the same rows, so that no database plans
    the list through the jurisdiction's own index: SQLite would then read every case of a
    province and sort them all (130 ms for a province's queue over 10^6 cases) where walking the
    order's index and checking the office costs a few milliseconds (`docs/performance.md`)."""
    base = Case.objects.select_related("jurisdiction", "platform", "assignee")
    base = base.alias(_office=F("jurisdiction_id") + 0)
    return policy("cases.view").scope(user, base, "_office")


@dataclass(frozen=True)
class QueueFilters:
    """What a queue is narrowed to; every field is optional and unknown values are ignored."""

    status: str = ""
    track: str = ""
    item: str = ""
    platform: str = ""
    assigned: str = ""  # "me", "none" or a user id
    clock: str = ""  # "overdue" or "warning"
    q: str = ""  # a case or report reference
    region: str = ""  # a division code prefix: "33" (a province), "3301" (a city)
    opened: str = ""  # the month opened, "2025-03", or months "2025-01..2025-03"

    @classmethod
    def from_query(cls, data: Any) -> QueueFilters:
        """Filters from a GET query; values of the wrong shape are dropped, not errors."""
        raw = {f.name: str(data.get(f.name, "")).strip()[:64] for f in fields(cls)}
        if raw["status"] not in CaseStatus.values and raw["status"] != ALL_STATUSES:
            raw["status"] = ""
        if raw["track"] not in {t.value for t in Track}:
            raw["track"] = ""
        if raw["clock"] not in CLOCK_FILTERS:
            raw["clock"] = ""
        if raw["assigned"] not in (MINE, UNASSIGNED) and not raw["assigned"].isdigit():
            raw["assigned"] = ""
        if not raw["platform"].isdigit():
            raw["platform"] = ""
        raw["region"] = _region_prefix(raw["region"])
        if _opened_range(raw["opened"]) is None:
            raw["opened"] = ""
        return cls(**raw)

    def active(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}


def _region_prefix(value: str) -> str:
    """A division code prefix of 2, 4 or 6 digits; a full code's trailing "00" pairs are dropped
    ("330000" -> "33"), so a province's code selects its whole province."""
    if not value.isdigit() or len(value) not in (2, 4, 6):
        return ""
    while len(value) > 2 and value.endswith("00"):
        value = value[:-2]
    return value


def _month_start(text: str) -> datetime | None:
    try:
        start = datetime.strptime(text, "%Y-%m")
    except ValueError:
        return None
    return timezone.make_aware(start)


def _opened_range(value: str) -> tuple[datetime, datetime] | None:
    """The [start, end) of "YYYY-MM" or "YYYY-MM..YYYY-MM" in local time, or None."""
    first, _sep, last = value.partition("..")
    start, end = _month_start(first), _month_start(last or first)
    if start is None or end is None or end < start:
        return None
    end = timezone.make_aware((end.replace(tzinfo=None) + timedelta(days=32)).replace(day=1))
    return start, end


def case_queue(
    user: User, filters: QueueFilters | None = None, *, now: datetime | None = None
) -> QuerySet[Case]:
    """Open cases by priority (minors and cyber-violence rank highest), then by age."""
    f = filters or QueueFilters()
    now = now or timezone.now()
    cases = cases_for_user(user)
    if f.status == ALL_STATUSES:
        pass
    elif f.status:
        cases = cases.filter(status=f.status)
    else:
        cases = cases.exclude(status__in=FINISHED)
    if f.track:
        cases = cases.filter(track=f.track)
    if f.item:
        cases = cases.filter(item_code=f.item)
    if f.platform:
        cases = cases.filter(platform_id=int(f.platform))
    if f.region:
        cases = cases.filter(jurisdiction__code__startswith=f.region)
    if f.opened and (span := _opened_range(f.opened)):
        cases = cases.filter(opened_at__gte=span[0], opened_at__lt=span[1])
    if f.assigned == MINE:
        cases = cases.filter(Q(assignee=user) | Q(responsible=user))
    elif f.assigned == UNASSIGNED:
        cases = cases.filter(assignee__isnull=True)
    elif f.assigned:
        cases = cases.filter(assignee_id=int(f.assigned))
    if f.clock == "overdue":
        cases = cases.filter(due_at__lte=now)
    elif f.clock == "warning":
        cases = cases.filter(warn_at__lte=now, due_at__gt=now)
    if f.q:
        # Both references are looked up first: an OR with a subquery made PostgreSQL scan the
        # whole case table.
        ids = [
            *Case.objects.filter(reference=f.q).values_list("pk", flat=True),
            *Report.objects.filter(reference=f.q).values_list("case_id", flat=True),
        ]
        cases = cases.filter(pk__in=ids)
    return cases.order_by("priority", "opened_at", "pk")


@dataclass(frozen=True)
class Page:
    """One page of a queue, without a total count."""

    items: list[Case]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def start(self) -> int:
        return (self.number - 1) * PAGE_SIZE + 1 if self.items else 0

    @property
    def end(self) -> int:
        return self.start + len(self.items) - 1 if self.items else 0


def page_of(cases: QuerySet[Case], number: Any, size: int = PAGE_SIZE) -> Page:
    """Page `number` (from 1; anything unreadable means 1) of `cases`."""
    try:
        page = max(1, min(int(number), 100_000))
    except (TypeError, ValueError):
        page = 1
    offset = (page - 1) * size
    rows = list(cases[offset : offset + size + 1])
    return Page(rows[:size], page, len(rows) > size)


def supervision_list(user: User, *, now: datetime | None = None) -> QuerySet[Case]:
    """Open cases past a deadline or past 75 % of one, the most overdue first."""
    now = now or timezone.now()
    cases = cases_for_user(user).exclude(status__in=UNWATCHED)
    # due_at is set whenever warn_at is; saying so lets SQLite skip the rows without a deadline,
    # which it sorts first.
    return cases.filter(warn_at__lte=now, due_at__isnull=False).order_by("due_at", "pk")


def case_get_for_user(user: User, pk: int) -> Case:
    """One case, or the same NotFound for "missing" and "not yours"."""
    case = cases_for_user(user).filter(pk=pk).first()
    if case is None:
        raise NotFound()
    return case
