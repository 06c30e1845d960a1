"""The measures' settings are checked at start-up."""

from __future__ import annotations

from jubao.measures.checks import check_measures


def test_good_settings_pass():
    assert check_measures() == []


def test_a_bad_rate_and_an_unknown_removal_measure_are_named(settings):
    settings.JUBAO_RATE_BLACKLIST_CHECK = "lots"
    settings.JUBAO_MEASURE_REMOVAL = "account.mute"
    assert [e.id for e in check_measures()] == ["jubao.measures.E001", "jubao.measures.E002"]
