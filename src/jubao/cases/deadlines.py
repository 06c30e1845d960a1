"""Time limits turned into deadlines, and a pausable clock for each limit of a case.

Pure functions and frozen values only: no models, no database, no Django settings. The rules,
with worked examples, are in `docs/deadlines.md`; in short:

- Day one of a limit in working days (or calendar days) is the first working (calendar) day
  *after* the day the clock starts, whatever kind of day that is.
- A day-based deadline falls at `DEADLINE_TIME` (the last instant of the day) on its last day.
- Hour limits run round the clock, holidays included, from the exact start instant.
- Pausing a clock extends its deadline, on resumption, by the working days (calendar days, hours)
  that passed while it was paused.
- A year the holiday calendar does not know is counted Monday–Friday and the result is marked
  `estimated`.

All dates are dates in Beijing time (`TZ`): the holiday calendar is defined there, so the rules do
not depend on the server's `TIME_ZONE` setting. Every datetime passed in must be aware.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from jubao.cases._calendar import calendar_known, is_working_day
from jubao.catalogue import TimeLimit, TimeUnit

__all__ = [
    "DEADLINE_TIME",
    "TZ",
    "WARNING_FRACTION",
    "Clock",
    "ClockError",
    "ClockState",
    "Deadline",
    "add_working_days",
    "calendar_known",
    "due_at",
    "is_working_day",
    "working_days_between",
]

TZ = ZoneInfo("Asia/Shanghai")
# A day-based deadline is met by anything done on its last day: the office has the whole day,
# not just office hours, and a case handled at 20:00 on the last day is on time.
DEADLINE_TIME = time(23, 59, 59, 999999)
# From this share of the limit used a clock shows "warning".
WARNING_FRACTION = 0.75

_DAY = timedelta(days=1)
_HOUR = timedelta(hours=1)


class ClockError(ValueError):
    """A clock was paused twice, resumed while running, or moved back in time."""


class ClockState(enum.StrEnum):
    """What the UI shows for a clock; the members compare equal to their plain strings."""

    OK = "ok"
    WARNING = "warning"
    OVERDUE = "overdue"
    PAUSED = "paused"


@dataclass(frozen=True)
class Deadline:
    """When a limit runs out, and the years whose holidays were guessed to get there.

    `estimated_years` lists the years in the counted span that the holiday calendar does not know
    yet; the UI says "estimated: the holiday calendar for 2027 is not published yet".
    """

    at: datetime
    estimated_years: tuple[int, ...] = ()

    @property
    def estimated(self) -> bool:
        """True when any day counted came from the Monday–Friday fallback."""
        return bool(self.estimated_years)


# --- small helpers -------------------------------------------------------------------------------


def _local(moment: datetime) -> datetime:
    """`moment` in Beijing time; refuses naive datetimes, whose meaning is a guess."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"an aware datetime is required, got {moment!r}")
    return moment.astimezone(TZ)


def _local_date(value: date | datetime) -> date:
    """The Beijing date of a datetime; a plain date is taken as it is."""
    return _local(value).date() if isinstance(value, datetime) else value


def _plus(moment: datetime, delta: timedelta) -> datetime:
    """`moment + delta` as elapsed time (computed in UTC), in Beijing time."""
    return (moment.astimezone(UTC) + delta).astimezone(TZ)


def _end_of_day(day: date) -> datetime:
    return datetime.combine(day, DEADLINE_TIME, tzinfo=TZ)


def _start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=TZ)


def _days(first: date, last: date) -> Iterable[date]:
    """Every date from `first` to `last`, both included."""
    for offset in range((last - first).days + 1):
        yield first + timedelta(days=offset)


def _estimated_years(first: date, last: date) -> tuple[int, ...]:
    """The years between `first` and `last` (included) that the holiday calendar does not know."""
    return tuple(y for y in range(first.year, last.year + 1) if not calendar_known(y))


@lru_cache(maxsize=65536)
def _nth_working_day(start: date, n: int) -> date:
    """The `n`th working day after `start` (`start` itself for 0)."""
    if n < 0:
        raise ValueError(f"a number of days cannot be negative, got {n}")
    day, counted = start, 0
    while counted < n:
        day += _DAY
        counted += is_working_day(day)
    return day


# --- public functions ----------------------------------------------------------------------------


def add_working_days(start: datetime, days: int) -> datetime:
    """The end (`DEADLINE_TIME`, Beijing) of the `days`th working day after the start's date.

    The start day never counts, even if it is a working day; 0 days is the end of the start day.
    """
    return _end_of_day(_nth_working_day(_local(start).date(), days))


def working_days_between(a: date | datetime, b: date | datetime) -> int:
    """Working days after `a`'s date up to and including `b`'s date; negative if `b` is earlier.

    The inverse of `add_working_days`: `working_days_between(s, add_working_days(s, n)) == n`.
    """
    first, last = _local_date(a), _local_date(b)
    if last < first:
        return -working_days_between(b, a)
    return sum(is_working_day(day) for day in _days(first + _DAY, last))


def due_at(start: datetime, limit: TimeLimit) -> Deadline:
    """The deadline of `limit` for a clock started at `start`."""
    local = _local(start)
    if limit.unit is TimeUnit.HOURS:
        return Deadline(_plus(start, limit.amount * _HOUR))
    if limit.unit is TimeUnit.CALENDAR_DAYS:
        return Deadline(_end_of_day(local.date() + limit.amount * _DAY))
    last = _nth_working_day(local.date(), limit.amount)
    return Deadline(_end_of_day(last), _estimated_years(local.date() + _DAY, last))


def _counted(unit: TimeUnit, start: datetime, moment: datetime) -> timedelta:
    """How much of the limit's kind of time lies between the clock's start and `moment`.

    Hours count every instant from `start`. Day units count from midnight after the start day
    (the start day is free), and working days count only the time inside working days, so the
    share used stands still over weekends and holidays.
    """
    if unit is TimeUnit.HOURS:
        return max(moment - start, timedelta(0))
    start_day = _local(start).date()
    origin = _start_of_day(start_day + _DAY)
    if moment <= origin:
        return timedelta(0)
    if unit is TimeUnit.CALENDAR_DAYS:
        return moment - origin
    local = _local(moment)
    today = local.date()
    # Whole working days before today, then the part of today already gone if today counts.
    whole = working_days_between(start_day, today - _DAY) * _DAY
    partial = local - _start_of_day(today) if is_working_day(today) else timedelta(0)
    return whole + partial


# --- the clock -----------------------------------------------------------------------------------

Pause = tuple[datetime, datetime]


@dataclass(frozen=True)
class Clock:
    """A running, pausable time limit; immutable, so `pause` and `resume` return new clocks.

    The pauses are kept as intervals rather than as a running total so the deadline is always
    recomputed from the current holiday calendar: once next year's notice is installed, an
    estimated deadline becomes exact without touching the stored clock.
    """

    started_at: datetime
    limit: TimeLimit
    pauses: tuple[Pause, ...] = ()
    paused_at: datetime | None = None

    def __post_init__(self) -> None:
        for moment in (self.started_at, self.paused_at, *(m for p in self.pauses for m in p)):
            if moment is not None:
                _local(moment)  # validates awareness

    @property
    def paused(self) -> bool:
        """True while the clock is stopped waiting for the reporter."""
        return self.paused_at is not None

    def _last_event(self) -> datetime:
        if self.paused_at is not None:
            return self.paused_at
        return self.pauses[-1][1] if self.pauses else self.started_at

    def pause(self, at: datetime) -> Clock:
        """Stop the clock at `at`; refused if already paused or if `at` is before the last event."""
        if self.paused:
            raise ClockError("the clock is already paused")
        if at < self._last_event():
            raise ClockError("a clock cannot be paused before its last start or resumption")
        return Clock(self.started_at, self.limit, self.pauses, paused_at=at)

    def resume(self, at: datetime) -> Clock:
        """Restart the clock at `at`; the time since the pause will not count."""
        if self.paused_at is None:
            raise ClockError("the clock is not paused")
        if at < self.paused_at:
            raise ClockError("a clock cannot be resumed before it was paused")
        return Clock(self.started_at, self.limit, (*self.pauses, (self.paused_at, at)))

    def _intervals(self, now: datetime | None) -> tuple[Pause, ...]:
        """The pauses, the open one (if any) taken as resumed at `now` (or at once if None)."""
        if self.paused_at is None:
            return self.pauses
        return (*self.pauses, (self.paused_at, max(now or self.paused_at, self.paused_at)))

    def due_at(self, now: datetime | None = None) -> Deadline:
        """The deadline, extended by every pause.

        While paused, the deadline is the one that would hold if the clock resumed at `now`
        (default: at the moment it was paused, i.e. the earliest it can still be).
        """
        pauses = self._intervals(now)
        unit = self.limit.unit
        if unit is TimeUnit.HOURS:
            base = due_at(self.started_at, self.limit)
            return Deadline(_plus(base.at, sum((r - p for p, r in pauses), timedelta(0))))
        if unit is TimeUnit.CALENDAR_DAYS:
            extra = sum((_local_date(r) - _local_date(p)).days for p, r in pauses)
        else:
            extra = sum(working_days_between(p, r) for p, r in pauses)
        deadline = due_at(self.started_at, TimeLimit(self.limit.amount + extra, unit))
        # A pause after the deadline reaches past it, and those days were looked up too.
        last = max([deadline.at, *(r for _, r in pauses)]).astimezone(TZ).date()
        first = _local(self.started_at).date() + _DAY
        years = _estimated_years(first, last) if unit is TimeUnit.DAYS else ()
        return Deadline(deadline.at, years)

    def fraction_used(self, now: datetime) -> float:
        """The share of the limit used by `now`: 0 at the start, 1 at the deadline, more after.

        Measured in the limit's own kind of time (see `_counted`) less the paused time, so it
        stands still while paused (for day units: from the midnight after the pause, see
        `_pause_edge`) and, for working days, over weekends and holidays. While paused it is
        measured against the deadline that would hold if the clock resumed at `now`.
        """
        pauses = self._intervals(now)
        span = self._active(self.due_at(now).at, pauses)
        return 1.0 if span <= timedelta(0) else self._active(now, pauses) / span

    def _pause_edge(self, moment: datetime) -> datetime:
        """Where a pause boundary takes effect in counted time.

        For hours, the instant itself. For day units, the next midnight: the day a clock is
        paused counts in full and the day it resumes does not (like the day of receipt), which is
        exactly the extension `due_at` grants, so the share used reaches 1 at the deadline.
        """
        if self.limit.unit is TimeUnit.HOURS:
            return moment
        return _start_of_day(_local(moment).date() + _DAY)

    def _active(self, moment: datetime, pauses: tuple[Pause, ...]) -> timedelta:
        """Counted time from the start to `moment`, less the counted time spent paused."""

        def counted(m: datetime) -> timedelta:
            return _counted(self.limit.unit, self.started_at, min(m, moment))

        edge = self._pause_edge
        paused = sum((counted(edge(r)) - counted(edge(p)) for p, r in pauses), timedelta(0))
        return counted(moment) - paused

    def warning_at(self) -> datetime:
        """The first instant at which `WARNING_FRACTION` of the limit is used (as counted by
        `fraction_used`); meaningful while the clock runs.

        Without pauses it is computed directly; with pauses it is found by bisection to the
        second, `fraction_used` never decreasing with time.
        """
        if self.pauses or self.paused_at is not None:
            return self._warning_by_bisection()
        share = self.limit.amount * WARNING_FRACTION
        if self.limit.unit is TimeUnit.HOURS:
            return _plus(self.started_at, share * _HOUR)
        day = _local(self.started_at).date() + _DAY
        if self.limit.unit is TimeUnit.CALENDAR_DAYS:
            return _start_of_day(day) + share * _DAY
        while not is_working_day(day) or share > 1:
            share -= is_working_day(day)
            day += _DAY
        return _start_of_day(day) + share * _DAY

    def _warning_by_bisection(self) -> datetime:
        low, high = self.started_at, self.due_at().at
        while high - low > timedelta(seconds=1):
            middle = low + (high - low) / 2
            if self.fraction_used(middle) >= WARNING_FRACTION:
                high = middle
            else:
                low = middle
        return high

    def state(self, now: datetime) -> ClockState:
        """ok, warning (from `WARNING_FRACTION` used), overdue, or paused.

        A clock paused after its deadline had already passed stays overdue: pausing must not hide
        a missed limit.
        """
        if self.paused_at is not None:
            overdue = self.paused_at > Clock(self.started_at, self.limit, self.pauses).due_at().at
            return ClockState.OVERDUE if overdue else ClockState.PAUSED
        if now > self.due_at().at:
            return ClockState.OVERDUE
        if self.fraction_used(now) >= WARNING_FRACTION:
            return ClockState.WARNING
        return ClockState.OK

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of plain values and ISO 8601 strings."""
        return {
            "started_at": self.started_at.isoformat(),
            "limit": {"amount": self.limit.amount, "unit": self.limit.unit.value},
            "pauses": [[p.isoformat(), r.isoformat()] for p, r in self.pauses],
            "paused_at": self.paused_at.isoformat() if self.paused_at else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Clock:
        """The clock that `to_dict` described; raises ValueError/KeyError on malformed data."""
        paused_at = data.get("paused_at")
        return cls(
            started_at=datetime.fromisoformat(data["started_at"]),
            limit=TimeLimit(int(data["limit"]["amount"]), TimeUnit(data["limit"]["unit"])),
            pauses=tuple(
                (datetime.fromisoformat(p), datetime.fromisoformat(r))
                for p, r in data.get("pauses", ())
            ),
            paused_at=datetime.fromisoformat(paused_at) if paused_at else None,
        )
