"""The one place that asks `chinese_calendar` whether a day is a working day.

`chinese_calendar` ships the State Council's holiday notices as data, one year at a time, and
raises `NotImplementedError` for any year it has no notice for (years before 2004, and years whose
notice was published after the installed release). Deadlines must still be computable then, so an
unknown year falls back to Monday–Friday and the caller is told the answer is an estimate.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import chinese_calendar


@lru_cache(maxsize=64)
def calendar_known(year: int) -> bool:
    """True when the installed holiday calendar has the official notice for `year`."""
    try:
        # Any day works: the package validates the year before looking at the day.
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=4096)
def is_working_day(day: date) -> bool:
    """True for an official working day in mainland China, adjusted weekends (调休) included.

    For a year the calendar does not know this is Monday to Friday; check `calendar_known` to tell
    an official answer from that estimate.
    """
    if calendar_known(day.year):
        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < 5
