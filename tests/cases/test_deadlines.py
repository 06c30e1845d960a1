"""Deadlines on the Chinese working-day calendar, and the pausable clock.

The 2025 expectations are literal dates worked out by hand from the State Council notice
(Spring Festival: holidays 28 Jan–4 Feb, working Sun 26 Jan and Sat 8 Feb; National Day:
holidays 1–8 Oct, working Sun 28 Sep and Sat 11 Oct), so a wrong rule fails here. Other cases
are cross-checked against `chinese_calendar` itself.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jubao.cases.deadlines import (
    DEADLINE_TIME,
    TZ,
    WARNING_FRACTION,
    Clock,
    ClockError,
    ClockState,
    Deadline,
    add_working_days,
    calendar_known,
    due_at,
    is_working_day,
    working_days_between,
)
from jubao.catalogue import Stage, TimeLimit, TimeUnit, get_catalogue

DAYS, HOURS, CALENDAR_DAYS = TimeUnit.DAYS, TimeUnit.HOURS, TimeUnit.CALENDAR_DAYS


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    """A Beijing-time instant."""
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


def end_of(y: int, m: int, d: int) -> datetime:
    """The instant a day-based deadline on that date falls."""
    return datetime.combine(date(y, m, d), DEADLINE_TIME, tzinfo=TZ)


def reference_nth_working_day(start: date, n: int) -> date:
    """The nth working day after `start`, straight from chinese_calendar (known years only)."""
    return chinese_calendar.get_workdays(start + timedelta(days=1), start + timedelta(days=90))[
        n - 1
    ]


# --- the calendar --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 1, 24), True),  # Friday before the Spring Festival
        (date(2025, 1, 26), True),  # Sunday, adjusted working day
        (date(2025, 1, 28), False),  # New Year's Eve, holiday
        (date(2025, 2, 4), False),  # last holiday, a Tuesday
        (date(2025, 2, 8), True),  # Saturday, adjusted working day
        (date(2025, 2, 9), False),  # an ordinary Sunday
        (date(2025, 9, 28), True),  # Sunday, adjusted working day
        (date(2025, 10, 8), False),  # last National Day holiday, a Wednesday
        (date(2025, 10, 11), True),  # Saturday, adjusted working day
    ],
)
def test_is_working_day_follows_the_2025_notice(day: date, working: bool) -> None:
    assert is_working_day(day) is working


def test_unknown_years_fall_back_to_monday_to_friday() -> None:
    assert calendar_known(2025)
    assert not calendar_known(2030)
    assert is_working_day(date(2030, 1, 1))  # a Tuesday; New Year is not known yet
    assert not is_working_day(date(2030, 1, 5))  # a Saturday


# --- working days: Spring Festival 2025 ----------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # Friday: day 1 is the adjusted Sunday 26 Jan, day 2 Mon 27 Jan, day 3 after the holiday.
        (at(2025, 1, 24, 10), 3, end_of(2025, 2, 5)),
        # Received on the adjusted working Sunday: that day does not count, Mon 27 Jan is day 1.
        (at(2025, 1, 26, 15), 1, end_of(2025, 1, 27)),
        (at(2025, 1, 26, 15), 2, end_of(2025, 2, 5)),
        # Received inside the holiday: the first working day after it is day 1.
        (at(2025, 1, 30, 9), 3, end_of(2025, 2, 7)),
        (at(2025, 1, 30, 9), 4, end_of(2025, 2, 8)),  # the adjusted Saturday counts
        (at(2025, 1, 30, 9), 5, end_of(2025, 2, 10)),
        # A report at 23:59 still gets the next working day as day 1.
        (at(2025, 1, 27, 23, 59), 1, end_of(2025, 2, 5)),
        # Zero days: the end of the start day itself.
        (at(2025, 1, 30, 9), 0, end_of(2025, 1, 30)),
    ],
)
def test_working_days_across_spring_festival_2025(
    start: datetime, days: int, expected: datetime
) -> None:
    assert add_working_days(start, days) == expected
    assert due_at(start, TimeLimit(days, DAYS)) == Deadline(expected)


# --- working days: National Day 2025 -------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # Ordinary Saturday: the adjusted Sunday 28 Sep is day 1.
        (at(2025, 9, 27, 11), 3, end_of(2025, 9, 30)),
        # Received on the adjusted Sunday: Mon 29, Tue 30, then Thu 9 Oct after the holiday.
        (at(2025, 9, 28, 9), 3, end_of(2025, 10, 9)),
        # Received inside the holiday.
        (at(2025, 10, 3, 14), 2, end_of(2025, 10, 10)),
        (at(2025, 10, 3, 14), 3, end_of(2025, 10, 11)),  # adjusted Saturday
        (at(2025, 10, 3, 14), 4, end_of(2025, 10, 13)),
        # The normal track's 15 days from the last working day before the holiday.
        (at(2025, 9, 30, 17), 15, end_of(2025, 10, 28)),
    ],
)
def test_working_days_across_national_day_2025(
    start: datetime, days: int, expected: datetime
) -> None:
    assert add_working_days(start, days) == expected


# --- working days: Spring Festival 2026, checked against chinese_calendar ------------------------


def test_the_2026_spring_festival_data_is_what_these_tests_assume() -> None:
    february = [date(2026, 2, d) for d in range(1, 29)]
    holidays = [d.day for d in february if d in chinese_calendar.holidays]
    adjusted = [d.day for d in february if d in chinese_calendar.workdays and d.weekday() >= 5]
    assert holidays == list(range(15, 24))
    assert adjusted == [14, 28]


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (at(2026, 2, 13, 10), 2, end_of(2026, 2, 24)),  # Fri; Sat 14 Feb is an adjusted day
        (at(2026, 2, 14, 16), 1, end_of(2026, 2, 24)),  # received on the adjusted Saturday
        (at(2026, 2, 18, 9), 5, end_of(2026, 2, 28)),  # inside the holiday; ends on Sat 28 Feb
    ],
)
def test_working_days_across_spring_festival_2026(
    start: datetime, days: int, expected: datetime
) -> None:
    assert add_working_days(start, days) == expected
    assert expected.date() == reference_nth_working_day(start.date(), days)
    assert not due_at(start, TimeLimit(days, DAYS)).estimated


# --- hours and calendar days ---------------------------------------------------------------------


def test_hours_run_round_the_clock_through_a_holiday() -> None:
    # 24 hours from the evening before New Year's Eve end on a holiday, at the same clock time.
    assert due_at(at(2025, 1, 27, 20), TimeLimit(24, HOURS)) == Deadline(at(2025, 1, 28, 20))
    assert due_at(at(2025, 1, 30, 9), TimeLimit(72, HOURS)) == Deadline(at(2025, 2, 2, 9))
    assert due_at(at(2025, 9, 30, 18, 30), TimeLimit(12, HOURS)).at == at(2025, 10, 1, 6, 30)


def test_hours_accept_any_time_zone_and_answer_in_beijing_time() -> None:
    start = datetime(2025, 1, 27, 4, tzinfo=ZoneInfo("Europe/London"))  # 12:00 in Beijing
    deadline = due_at(start, TimeLimit(6, HOURS))
    assert deadline.at == at(2025, 1, 27, 18)
    assert deadline.at.tzinfo == TZ


def test_calendar_days_count_every_day_from_the_next_one() -> None:
    # 28 Jan is day 1, so day 30 is 26 Feb; holidays make no difference.
    assert due_at(at(2025, 1, 27, 10), TimeLimit(30, CALENDAR_DAYS)) == Deadline(
        end_of(2025, 2, 26)
    )
    assert due_at(at(2030, 1, 4), TimeLimit(3, CALENDAR_DAYS)) == Deadline(end_of(2030, 1, 7))


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        add_working_days(datetime(2025, 1, 27, 10), 1)  # naive on purpose


def test_the_start_day_is_the_beijing_date() -> None:
    # 20:00 UTC on Sun 26 Jan is Mon 27 Jan 04:00 in Beijing: Monday is the start day.
    assert add_working_days(datetime(2025, 1, 26, 20, tzinfo=UTC), 1) == end_of(2025, 2, 5)


# --- working_days_between ------------------------------------------------------------------------


def test_working_days_between() -> None:
    assert working_days_between(at(2025, 1, 24, 10), at(2025, 2, 5, 9)) == 3
    assert working_days_between(date(2025, 9, 30), date(2025, 10, 8)) == 0
    assert working_days_between(date(2025, 10, 8), date(2025, 10, 11)) == 3
    assert working_days_between(date(2025, 10, 11), date(2025, 10, 8)) == -3
    assert working_days_between(at(2025, 3, 3, 9), at(2025, 3, 3, 18)) == 0


# --- the fallback for unknown years --------------------------------------------------------------


def test_an_unknown_year_is_counted_monday_to_friday_and_marked_estimated() -> None:
    deadline = due_at(at(2030, 1, 4, 10), TimeLimit(3, DAYS))  # a Friday
    assert deadline.at == end_of(2030, 1, 9)  # Mon 7, Tue 8, Wed 9
    assert deadline.estimated
    assert deadline.estimated_years == (2030,)


def test_a_span_reaching_into_an_unknown_year_is_estimated() -> None:
    # Thu 31 Dec 2026: 1 Jan 2027 is a Friday, counted as working until the notice is out.
    deadline = due_at(at(2026, 12, 31, 10), TimeLimit(2, DAYS))
    assert deadline.at == end_of(2027, 1, 4)
    assert deadline.estimated_years == (2027,)
    # Only the days counted matter: a span inside 2026 is exact.
    assert not due_at(at(2026, 12, 28, 10), TimeLimit(3, DAYS)).estimated


def test_hours_and_calendar_days_are_never_estimated() -> None:
    assert not due_at(at(2030, 1, 4), TimeLimit(48, HOURS)).estimated
    assert not due_at(at(2030, 1, 4), TimeLimit(10, CALENDAR_DAYS)).estimated


# --- the clock: pause and resume -----------------------------------------------------------------


def test_pausing_over_the_spring_festival_extends_by_the_working_days_paused() -> None:
    clock = Clock(at(2025, 1, 23, 10), TimeLimit(3, DAYS))
    assert clock.due_at().at == end_of(2025, 1, 27)  # Fri 24, Sun 26 (adjusted), Mon 27
    paused = clock.pause(at(2025, 1, 24, 15))
    resumed = paused.resume(at(2025, 2, 6, 9))
    # Working days after the pause day up to the resume day: 26 Jan, 27 Jan, 5 Feb, 6 Feb = 4.
    # So 3 + 4 = 7 working days after 23 Jan: 24, 26, 27 Jan, 5, 6, 7, 8 Feb.
    assert resumed.due_at().at == end_of(2025, 2, 8)
    # Put differently: day 1 (Fri 24) was used, the 2 left count from the day after resumption.
    assert working_days_between(at(2025, 2, 6, 9), resumed.due_at().at) == 2
    assert clock.due_at().at == end_of(2025, 1, 27)  # the original clock is unchanged


def test_a_pause_inside_the_holiday_costs_no_working_day() -> None:
    clock = Clock(at(2025, 9, 28, 9), TimeLimit(3, DAYS))  # due Thu 9 Oct
    resumed = clock.pause(at(2025, 10, 2, 10)).resume(at(2025, 10, 6, 10))
    assert resumed.due_at().at == end_of(2025, 10, 9)


def test_a_pause_and_resume_on_the_same_day_changes_nothing() -> None:
    clock = Clock(at(2025, 3, 3, 9), TimeLimit(2, DAYS))
    resumed = clock.pause(at(2025, 3, 4, 10)).resume(at(2025, 3, 4, 16))
    assert resumed.due_at() == clock.due_at()


def test_pausing_an_hours_clock_extends_by_the_exact_time_paused() -> None:
    clock = Clock(at(2025, 1, 27, 10), TimeLimit(24, HOURS))
    resumed = clock.pause(at(2025, 1, 27, 16)).resume(at(2025, 2, 5, 10))
    # 18 hours were left at the pause; they run from 5 Feb 10:00.
    assert resumed.due_at().at == at(2025, 2, 6, 4)


def test_pausing_a_calendar_days_clock_extends_by_calendar_days() -> None:
    clock = Clock(at(2025, 1, 27, 10), TimeLimit(10, CALENDAR_DAYS))  # due 6 Feb
    resumed = clock.pause(at(2025, 1, 29, 8)).resume(at(2025, 2, 2, 8))
    assert resumed.due_at().at == end_of(2025, 2, 10)


def test_two_pauses_add_up() -> None:
    clock = Clock(at(2025, 3, 3, 9), TimeLimit(10, HOURS))  # due 19:00
    clock = clock.pause(at(2025, 3, 3, 10)).resume(at(2025, 3, 3, 12))
    clock = clock.pause(at(2025, 3, 3, 13)).resume(at(2025, 3, 3, 16))
    assert clock.due_at().at == at(2025, 3, 4, 0)  # 19:00 + 2 h + 3 h


def test_while_paused_the_deadline_is_the_one_if_resumed_now() -> None:
    paused = Clock(at(2025, 1, 23, 10), TimeLimit(3, DAYS)).pause(at(2025, 1, 24, 15))
    assert paused.due_at().at == end_of(2025, 1, 27)  # resumed at once
    assert paused.due_at(at(2025, 2, 6, 9)).at == end_of(2025, 2, 8)


def test_clock_misuse_is_refused() -> None:
    clock = Clock(at(2025, 3, 3, 9), TimeLimit(2, DAYS))
    with pytest.raises(ClockError):
        clock.resume(at(2025, 3, 3, 10))
    with pytest.raises(ClockError):
        clock.pause(at(2025, 3, 3, 8))
    paused = clock.pause(at(2025, 3, 3, 10))
    with pytest.raises(ClockError):
        paused.pause(at(2025, 3, 3, 11))
    with pytest.raises(ClockError):
        paused.resume(at(2025, 3, 3, 9))
    with pytest.raises(ValueError, match="aware"):
        Clock(datetime(2025, 3, 3, 9), TimeLimit(2, DAYS))  # naive on purpose


def test_the_clock_is_immutable() -> None:
    clock = Clock(at(2025, 3, 3, 9), TimeLimit(2, DAYS))
    clock.pause(at(2025, 3, 3, 10))
    assert not clock.paused
    with pytest.raises(AttributeError):
        clock.paused_at = at(2025, 3, 3, 10)  # type: ignore[misc]


# --- the clock: fraction used and state ----------------------------------------------------------


def test_hours_warning_from_three_quarters_and_overdue_after_the_deadline() -> None:
    clock = Clock(at(2025, 3, 1), TimeLimit(24, HOURS))
    assert clock.fraction_used(at(2025, 3, 1)) == 0
    assert clock.state(at(2025, 3, 1, 17, 59)) == ClockState.OK
    assert clock.fraction_used(at(2025, 3, 1, 18)) == WARNING_FRACTION
    assert clock.state(at(2025, 3, 1, 18)) == ClockState.WARNING
    assert clock.state(at(2025, 3, 2)) == ClockState.WARNING  # the deadline instant itself
    assert clock.state(at(2025, 3, 2) + timedelta(seconds=1)) == ClockState.OVERDUE
    assert clock.fraction_used(at(2025, 3, 2, 6)) == pytest.approx(1.25)


def test_working_days_warning_counts_only_working_time() -> None:
    clock = Clock(at(2025, 3, 6, 10), TimeLimit(4, DAYS))  # Thu: Fri 7, Mon 10, Tue 11, Wed 12
    assert clock.due_at().at == end_of(2025, 3, 12)
    assert clock.fraction_used(at(2025, 3, 6, 23)) == 0  # the day of receipt is free
    # Friday is used up, and the weekend does not count.
    assert clock.fraction_used(at(2025, 3, 9, 12)) == pytest.approx(0.25)
    assert clock.state(at(2025, 3, 11, 23, 59)) == ClockState.OK
    assert clock.state(at(2025, 3, 12, 0)) == ClockState.WARNING
    assert clock.state(end_of(2025, 3, 12)) == ClockState.WARNING
    assert clock.state(at(2025, 3, 13)) == ClockState.OVERDUE


def test_working_days_share_stands_still_over_the_national_day_holiday() -> None:
    clock = Clock(at(2025, 9, 28, 9), TimeLimit(3, DAYS))  # Mon 29, Tue 30, Thu 9 Oct
    before = clock.fraction_used(at(2025, 10, 1))
    assert before == pytest.approx(2 / 3)
    assert clock.fraction_used(at(2025, 10, 8, 23)) == before
    assert clock.state(at(2025, 10, 5)) == ClockState.OK
    # 2 of 3 days were used before the holiday; 75 % is a quarter into Thu 9 Oct.
    assert clock.state(at(2025, 10, 9, 5, 59)) == ClockState.OK
    assert clock.state(at(2025, 10, 9, 6)) == ClockState.WARNING


def test_paused_clock_shows_paused_and_its_share_stops() -> None:
    clock = Clock(at(2025, 3, 1), TimeLimit(24, HOURS)).pause(at(2025, 3, 1, 6))
    assert clock.state(at(2025, 3, 5)) == ClockState.PAUSED
    assert clock.fraction_used(at(2025, 3, 5)) == pytest.approx(0.25)
    resumed = clock.resume(at(2025, 3, 5))
    assert resumed.fraction_used(at(2025, 3, 5, 12)) == pytest.approx(0.75)
    assert resumed.state(at(2025, 3, 5, 12)) == ClockState.WARNING
    assert resumed.state(at(2025, 3, 5, 18, 1)) == ClockState.OVERDUE


def test_a_day_clock_counts_the_pause_day_in_full_and_not_the_resume_day() -> None:
    clock = Clock(at(2025, 1, 23, 10), TimeLimit(3, DAYS)).pause(at(2025, 1, 24, 15))
    assert clock.fraction_used(at(2025, 1, 24, 15)) == pytest.approx(15 / 24 / 3)
    assert clock.fraction_used(at(2025, 1, 30)) == pytest.approx(1 / 3)  # Fri 24 used up
    resumed = clock.resume(at(2025, 2, 6, 9))
    assert resumed.fraction_used(at(2025, 2, 6, 20)) == pytest.approx(1 / 3)
    assert resumed.state(at(2025, 2, 8, 6)) == ClockState.WARNING
    assert resumed.fraction_used(end_of(2025, 2, 8)) == pytest.approx(1)
    assert resumed.state(at(2025, 2, 9, 0)) == ClockState.OVERDUE


def test_pausing_an_overdue_clock_does_not_hide_it() -> None:
    clock = Clock(at(2025, 3, 1), TimeLimit(6, HOURS)).pause(at(2025, 3, 1, 8))
    assert clock.state(at(2025, 3, 2)) == ClockState.OVERDUE


# --- serialisation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "clock",
    [
        Clock(at(2025, 1, 23, 10), TimeLimit(3, DAYS)),
        Clock(at(2025, 1, 23, 10), TimeLimit(3, DAYS)).pause(at(2025, 1, 24, 15)),
        Clock(at(2025, 1, 23, 10), TimeLimit(24, HOURS))
        .pause(at(2025, 1, 24, 15))
        .resume(at(2025, 2, 6, 9))
        .pause(at(2025, 2, 7, 9, 30)),
        Clock(at(2030, 1, 4), TimeLimit(30, CALENDAR_DAYS)),
    ],
)
def test_a_clock_survives_a_json_round_trip(clock: Clock) -> None:
    data = json.loads(json.dumps(clock.to_dict()))
    again = Clock.from_dict(data)
    assert again == clock
    assert again.due_at() == clock.due_at()
    assert again.started_at.utcoffset() == timedelta(hours=8)


def test_to_dict_is_plain_iso_strings() -> None:
    clock = Clock(at(2025, 1, 23, 10), TimeLimit(3, DAYS)).pause(at(2025, 1, 24, 15))
    assert clock.to_dict() == {
        "started_at": "2025-01-23T10:00:00+08:00",
        "limit": {"amount": 3, "unit": "days"},
        "pauses": [],
        "paused_at": "2025-01-24T15:00:00+08:00",
    }


# --- the catalogue's own limits ------------------------------------------------------------------


def test_every_catalogue_limit_gives_a_deadline_after_its_start() -> None:
    start = at(2025, 1, 27, 16)
    for item in get_catalogue().items:
        for stage in Stage:
            limit = item.time_limits.get(stage)
            if limit is not None:
                assert due_at(start, limit).at > start


# --- properties ----------------------------------------------------------------------------------

starts = st.datetimes(
    min_value=datetime(2004, 1, 2), max_value=datetime(2031, 12, 1), timezones=st.just(TZ)
)


@settings(max_examples=200, deadline=None)
@given(start=starts, n=st.integers(min_value=0, max_value=40))
def test_more_working_days_is_always_later(start: datetime, n: int) -> None:
    deadline = add_working_days(start, n)
    assert deadline >= start
    assert add_working_days(start, n + 1) > deadline
    assert deadline.time() == DEADLINE_TIME
    assert working_days_between(start, deadline) == n


@settings(max_examples=100, deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(2004, 1, 2), max_value=datetime(2026, 9, 1), timezones=st.just(TZ)
    ),
    n=st.integers(min_value=1, max_value=30),
)
def test_known_years_agree_with_chinese_calendar(start: datetime, n: int) -> None:
    assert add_working_days(start, n).date() == reference_nth_working_day(start.date(), n)


@settings(max_examples=100, deadline=None)
@given(
    start=starts,
    unit=st.sampled_from(list(TimeUnit)),
    amount=st.integers(min_value=1, max_value=20),
    pause_after=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)),
    pause_for=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)),
)
def test_a_pause_never_brings_the_deadline_forward(
    start: datetime,
    unit: TimeUnit,
    amount: int,
    pause_after: timedelta,
    pause_for: timedelta,
) -> None:
    clock = Clock(start, TimeLimit(amount, unit))
    paused = clock.pause(start + pause_after)
    resumed = paused.resume(start + pause_after + pause_for)
    deadline = resumed.due_at().at
    assert deadline >= clock.due_at().at
    # The share used never goes back, and is exactly all of it at the deadline.
    moments = sorted([start, start + pause_after, start + pause_after + pause_for, deadline])
    shares = [resumed.fraction_used(m) for m in moments]
    assert shares == sorted(shares)
    assert resumed.fraction_used(deadline) == pytest.approx(1)


@pytest.mark.parametrize(
    ("limit", "start"),
    [
        (TimeLimit(24, TimeUnit.HOURS), datetime(2025, 9, 30, 17, 30, tzinfo=TZ)),
        (TimeLimit(10, TimeUnit.CALENDAR_DAYS), datetime(2025, 9, 30, 17, 30, tzinfo=TZ)),
        (TimeLimit(4, TimeUnit.DAYS), datetime(2025, 9, 5, 10, 0, tzinfo=TZ)),
        (TimeLimit(5, TimeUnit.DAYS), datetime(2025, 9, 28, 10, 0, tzinfo=TZ)),  # National Day
        (TimeLimit(3, TimeUnit.DAYS), datetime(2025, 1, 24, 10, 0, tzinfo=TZ)),  # Spring Festival
        (TimeLimit(1, TimeUnit.DAYS), datetime(2025, 2, 7, 23, 0, tzinfo=TZ)),
    ],
)
def test_the_direct_warning_mark_matches_the_share_used(limit, start):
    clock = Clock(start, limit)
    mark = clock.warning_at()
    assert abs(mark - clock._warning_by_bisection()) <= timedelta(seconds=1)
    assert clock.fraction_used(mark) >= 0.75 > clock.fraction_used(mark - timedelta(seconds=1))
