"""The measures' timer: periods that run out, search re-checks, and the command."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from jubao.ledger.models import LedgerEntry
from jubao.measures.lifecycle import MeasureConflict, measure_rechecked, measures_watch
from jubao.measures.models import Measure, MeasureStatus
from jubao.measures.services import measure_applied
from jubao.platforms.webhooks import Webhook
from tests.measures.conftest import T0

pytestmark = pytest.mark.django_db


def test_an_account_mute_ends_with_its_period(order):
    mute = measure_applied(measure=order("account.mute"), at=T0)
    assert mute.target["account_name"] and mute.ends_at.date() == dt.date(2026, 3, 9)
    assert measures_watch(now=mute.ends_at - dt.timedelta(minutes=1)).ended == []
    assert measures_watch(now=mute.ends_at).ended == [mute.pk]
    mute.refresh_from_db()
    assert mute.status == MeasureStatus.ENDED
    assert Webhook.objects.get(event="measure.ended").body["measure"] == str(mute.public_id)


def test_search_measures_are_rechecked_by_the_platform_after_the_period(order, cast):
    search = measure_applied(measure=order("search.remove_link"), at=T0)
    due = search.recheck_at
    assert due.date() == dt.date(2026, 4, 1)
    assert measures_watch(now=due).rechecked == [search.pk]
    search.refresh_from_db()
    assert search.recheck_at.date() == dt.date(2026, 5, 1)  # the next one is scheduled
    assert Webhook.objects.filter(event="measure.recheck").count() == 1
    assert measures_watch(now=due).rechecked == []
    assert LedgerEntry.objects.filter(action="measure.recheck").count() == 1


def test_without_a_platform_the_recheck_waits_for_staff(order, cast):
    search = measure_applied(measure=order("search.remove_snapshot"), at=T0)
    Measure.objects.filter(pk=search.pk).update(platform=None)
    later = search.recheck_at + dt.timedelta(hours=1)
    assert measures_watch(now=later).recheck_by_staff == [search.pk]
    measure_rechecked(measure=search, by=cast["disposal"])
    assert measures_watch(now=later).recheck_by_staff == []
    with pytest.raises(MeasureConflict):
        measure_rechecked(measure=order("content.private"), by=cast["disposal"])


def test_the_command_runs_the_timer_once(order, capsys):
    measure_applied(measure=order("account.mute"), at=T0 - dt.timedelta(days=400))
    call_command("measures", "watch")
    assert "ended: 1" in capsys.readouterr().out
    assert Measure.objects.get().status == MeasureStatus.ENDED
