"""The row tags of the case lists: status names in the active language, the deadline badge."""

from __future__ import annotations

import datetime as dt

from django.utils import translation

from jubao.cases.models import Case
from jubao.cases.templatetags.case_rows import clock_badge, status_label

NOW = dt.datetime(2026, 11, 29, 4, 0, tzinfo=dt.UTC)


def test_status_names_follow_the_language():
    with translation.override("en"):
        assert status_label("under_review") == "Under review"
    with translation.override("zh-hans"):
        assert status_label("under_review") == "审核中"
    assert status_label("no-such-status") == "no-such-status"


def test_the_badge_marks_overdue_and_warning_and_shows_local_time():
    due = NOW + dt.timedelta(hours=2)
    with translation.override("zh-hans"):
        assert clock_badge(Case(due_at=None), NOW) == "—"
        overdue = clock_badge(Case(due_at=NOW - dt.timedelta(minutes=1)), NOW)
        assert 'data-clock="overdue"' in overdue and "已超期" in overdue
        warning = clock_badge(Case(due_at=due, warn_at=NOW - dt.timedelta(hours=1)), NOW)
        assert 'data-clock="warning"' in warning and "已用时75%" in warning
        calm = clock_badge(Case(due_at=due, warn_at=due - dt.timedelta(hours=1)), NOW)
        assert "data-clock" not in calm
        # Asia/Shanghai: 06:00 UTC is 14:00.
        assert '<time datetime="2026-11-29T14:00:00+08:00">2026-11-29 14:00</time>' in calm
