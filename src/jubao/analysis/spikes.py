"""Surge detection on counts per key (target, category, region, platform) per interval.

Per key the detector keeps a robust exponentially weighted baseline: a level (EWMA of the counts)
and a deviation (EWMA of absolute residuals, a streaming stand-in for the median absolute
deviation). Residuals are clipped before they update the state (Huber style), so a surge does not
drag its own baseline up at once. An interval is scored as

    score = (count - level) / max(1.2533 * deviation, sqrt(level + 1))

where sqrt(level + 1) is the Poisson standard deviation (plus one, so that near-zero keys are not
scored against a zero scale). See docs/analysis-spikes.md for parameters and measured figures.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["Alert", "SpikeDetector", "detect"]

# E|X - mu| = sigma * sqrt(2 / pi) for a normal X, so sigma = 1.2533 * mean absolute deviation.
_MEAN_ABS_TO_SD = math.sqrt(math.pi / 2)
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_NAIVE = datetime(1970, 1, 1)


@dataclass(frozen=True, slots=True)
class Alert:
    """A surge: `count` in interval `index` (starting at `start`) against `baseline`."""

    key: Hashable
    index: int
    start: int | datetime
    count: int
    baseline: float
    score: float


class SpikeDetector:
    """Streaming surge detector; state per key is four numbers in flat arrays.

    Parameters (keyword only):

    - `alpha` (0.05): EWMA weight of a new interval; the baseline remembers ~1/alpha intervals.
    - `threshold` (4.0): score needed for an alert.
    - `min_count` (5): an interval with fewer items never alerts, however quiet the key was.
    - `warmup` (8): intervals a key must have been seen before it can alert.
    - `clip` (2.0): residuals are clipped to +-clip * scale before they update the state.
    - `interval`: length of an interval, needed only when `update` gets datetimes.
    - `max_gap` (200): at most this many skipped intervals are replayed as zeros one by one;
      after that many the state has decayed to its all-zero fixed point anyway.
    """

    def __init__(
        self,
        *,
        alpha: float = 0.05,
        threshold: float = 4.0,
        min_count: int = 5,
        warmup: int = 8,
        clip: float = 2.0,
        interval: timedelta | None = None,
        max_gap: int = 200,
    ) -> None:
        if not 0 < alpha <= 1 or threshold <= 0 or clip <= 0 or warmup < 0 or max_gap < 1:
            raise ValueError("need 0 < alpha <= 1, threshold > 0, clip > 0, warmup >= 0")
        self.alpha, self.threshold, self.min_count = alpha, threshold, min_count
        self.warmup, self.clip, self.interval, self.max_gap = warmup, clip, interval, max_gap
        self._slot: dict[Hashable, int] = {}
        self._level = array("d")
        self._dev = array("d")
        self._seen = array("q")
        self._last = array("q")

    def __len__(self) -> int:
        """Number of keys with state."""
        return len(self._slot)

    def baseline(self, key: Hashable) -> float | None:
        """Current expected count for `key`, or None for an unknown key."""
        slot = self._slot.get(key)
        return None if slot is None else self._level[slot]

    def update(self, key: Hashable, interval_start: int | datetime, count: int) -> Alert | None:
        """Feed the count of `key` in one interval; return an Alert if it is a surge.

        `interval_start` is an interval index or, with `interval` set, a datetime. Intervals of a
        key must increase; skipped intervals count as zero (so sparse keys need not be fed zeros).
        """
        if count < 0:
            raise ValueError("count must be >= 0")
        index = self._index(interval_start)
        slot = self._slot.get(key)
        if slot is None:
            slot = self._new_slot(key, index)
        else:
            self._skip_to(slot, index)
        level, seen = self._level[slot], self._seen[slot]
        score = self._score(level, self._dev[slot], count)
        self._learn(slot, count, seen)
        self._last[slot] = index
        if seen >= self.warmup and count >= self.min_count and score >= self.threshold:
            return Alert(key, index, interval_start, count, level, score)
        return None

    def _index(self, start: int | datetime) -> int:
        if isinstance(start, datetime):
            if self.interval is None:
                raise ValueError("datetime intervals need SpikeDetector(interval=...)")
            epoch = _EPOCH_UTC if start.tzinfo else _EPOCH_NAIVE
            return (start - epoch) // self.interval
        return int(start)

    def _new_slot(self, key: Hashable, index: int) -> int:
        slot = self._slot[key] = len(self._level)
        self._level.append(0.0)
        self._dev.append(0.0)
        self._seen.append(0)
        self._last.append(index - 1)
        return slot

    def _skip_to(self, slot: int, index: int) -> None:
        """Replay the zero counts of the intervals skipped since the last update."""
        gap = index - self._last[slot] - 1
        if gap < 0:
            raise ValueError(f"interval {index} is not after {self._last[slot]} for this key")
        seen = self._seen[slot]
        for step in range(min(gap, self.max_gap)):
            self._learn(slot, 0, seen + step)
        self._seen[slot] = seen + gap

    def _score(self, level: float, dev: float, count: int) -> float:
        return (count - level) / self._scale(level, dev)

    def _scale(self, level: float, dev: float) -> float:
        return max(_MEAN_ABS_TO_SD * dev, math.sqrt(level + 1.0))

    def _learn(self, slot: int, count: int, seen: int) -> None:
        """Move level and deviation towards `count` with a clipped residual."""
        level, dev = self._level[slot], self._dev[slot]
        if seen == 0:
            level, dev = float(count), 0.0
        else:
            # A plain running mean while young, so early intervals are not underweighted.
            rate = max(self.alpha, 1.0 / (seen + 1))
            bound = self.clip * self._scale(level, dev)
            residual = min(max(count - level, -bound), bound)
            level += rate * residual
            dev += rate * (abs(residual) - dev)
        self._level[slot], self._dev[slot] = level, dev
        self._seen[slot] = seen + 1


def detect(series: Mapping[Any, Sequence[int]], **params: Any) -> list[Alert]:
    """Run a fresh `SpikeDetector(**params)` over each key's counts (interval i = position i).

    Alerts come key by key in the order of `series`, each key's in time order.
    """
    detector = SpikeDetector(**params)
    alerts: list[Alert] = []
    for key, counts in series.items():
        for i, count in enumerate(counts):
            alert = detector.update(key, i, int(count))
            if alert is not None:
                alerts.append(alert)
    return alerts
