"""Tests for jubao.analysis.spikes: synthetic Poisson series with fixed seeds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jubao.analysis.spikes import SpikeDetector, detect

RATES = [0.05, 0.3, 1, 3, 10, 30, 100, 300]


def surge_delays(seed: int, per_rate: int) -> tuple[list[int], int]:
    """Delays (intervals after onset) of the first alert for 6-sigma surges; and the misses."""
    rng = np.random.default_rng(seed)
    delays, missed = [], 0
    for rate in RATES:
        for _ in range(per_rate):
            counts = rng.poisson(rate, 300)
            onset = int(rng.integers(40, 250))
            counts[onset : onset + 10] = rng.poisson(rate + max(10, 6 * np.sqrt(rate)), 10)
            hits = [a.index - onset for a in detect({"k": counts.tolist()}) if a.index >= onset]
            if hits and hits[0] <= 2:
                delays.append(hits[0])
            else:
                missed += 1
    return delays, missed


def test_surges_are_caught_within_two_intervals() -> None:
    delays, missed = surge_delays(seed=1, per_rate=40)
    assert missed <= 0.02 * (len(delays) + missed)
    assert np.mean(delays) < 0.3  # most are caught in the onset interval itself


def test_flat_noise_rarely_alerts() -> None:
    rng = np.random.default_rng(2)
    alerts = total = 0
    for rate in RATES:
        series = {i: rng.poisson(rate, 400).tolist() for i in range(50)}
        alerts += len(detect(series))
        total += 50 * 400
    assert alerts / total < 5e-4


def test_alerts_before_the_surge_are_only_noise() -> None:
    rng = np.random.default_rng(3)
    counts = rng.poisson(20, 200)
    counts[150:] += 60
    alerts = detect({"t": counts.tolist()})
    assert alerts and alerts[0].index == 150
    assert alerts[0].baseline == pytest.approx(20, abs=4)
    assert alerts[0].score >= 4


def test_all_zero_and_sparse_keys_stay_quiet_until_a_real_burst() -> None:
    rng = np.random.default_rng(4)
    sparse = (rng.random(500) < 0.05).astype(int)
    assert detect({"zero": [0] * 500, "sparse": sparse.tolist()}) == []
    sparse[400] = 25
    alerts = detect({"sparse": sparse.tolist()})
    assert [a.index for a in alerts] == [400]


def test_min_count_and_warmup_gate_alerts() -> None:
    assert detect({"k": [0] * 50 + [4]}) == []  # quiet key, but 4 < min_count
    assert detect({"k": [0, 0, 0, 50]}) == []  # still warming up
    assert detect({"k": [0] * 50 + [4]}, min_count=3)


def test_slow_ramp_is_tracked_fast_ramp_is_caught() -> None:
    rng = np.random.default_rng(5)
    slow = rng.poisson(np.linspace(5, 25, 400))
    assert len(detect({"slow": slow.tolist()})) <= 1
    means = np.concatenate([np.full(100, 5.0), np.linspace(10, 100, 10), np.full(20, 100.0)])
    fast = rng.poisson(means)
    alerts = detect({"fast": fast.tolist()})
    assert alerts and 100 <= alerts[0].index <= 102


def test_streaming_with_gaps_matches_dense_batch() -> None:
    rng = np.random.default_rng(6)
    counts = np.where(rng.random(300) < 0.1, rng.integers(1, 3, 300), 0)
    counts[250] = 40
    dense = detect({"k": counts.tolist()})
    detector = SpikeDetector()
    sparse = [detector.update("k", i, int(c)) for i, c in enumerate(counts) if c or i == 0]
    assert [a for a in sparse if a] == dense
    assert dense and dense[0].index == 250


def test_datetime_intervals_and_order() -> None:
    hour = timedelta(hours=1)
    detector = SpikeDetector(interval=hour)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for i in range(30):
        assert detector.update(("city", "110000"), start + i * hour, 3) is None
    alert = detector.update(("city", "110000"), start + 30 * hour, 40)
    assert alert is not None and alert.start == start + 30 * hour
    assert alert.baseline == pytest.approx(3)
    with pytest.raises(ValueError):
        detector.update(("city", "110000"), start + 30 * hour, 1)
    with pytest.raises(ValueError):
        SpikeDetector().update("k", start, 1)
    with pytest.raises(ValueError):
        detector.update("k", 0, -1)


def test_state_is_per_key() -> None:
    detector = SpikeDetector()
    for i in range(40):
        detector.update("busy", i, 100)
        detector.update("quiet", i, 1)
    assert len(detector) == 2
    assert detector.baseline("busy") == pytest.approx(100)
    assert detector.baseline("quiet") == pytest.approx(1)
    assert detector.baseline("nobody") is None
    assert detector.update("quiet", 40, 30) is not None
    assert detector.update("busy", 40, 110) is None


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10_000), max_size=80))
def test_alerts_respect_gates(counts: list[int]) -> None:
    for alert in detect({"k": counts}, warmup=3, min_count=5):
        assert alert.index >= 3 and alert.count >= 5 and alert.score >= 4.0
        assert np.isfinite(alert.baseline) and alert.baseline >= 0
