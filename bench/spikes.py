"""Detection delay, false alarms, throughput and memory of `jubao.analysis.spikes`.

    .venv/bin/python bench/spikes.py [--keys 100] [--seed 1]

Series are Poisson counts at rates 0.05 to 300 per interval (fixed seeds). A surge adds
max(10, 6 * sqrt(rate)) to the rate for 10 intervals from a random onset; the delay is the number
of intervals from the onset to the first alert, and a surge missed for 3 intervals counts as
missed. False alarms are alerts on series without any surge.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np

from jubao.analysis.spikes import SpikeDetector, detect

RATES = [0.05, 0.3, 1, 3, 10, 30, 100, 300]


def false_alarms(rng: np.random.Generator, keys: int, length: int) -> None:
    for rate in RATES:
        series = {i: rng.poisson(rate, length).tolist() for i in range(keys)}
        alerts = len(detect(series))
        print(f"flat rate={rate:<5} key-intervals={keys * length:<7} alerts={alerts}")


def delays(rng: np.random.Generator, keys: int) -> None:
    found: list[int] = []
    missed = 0
    for rate in RATES:
        for _ in range(keys):
            counts = rng.poisson(rate, 300)
            onset = int(rng.integers(40, 250))
            counts[onset : onset + 10] = rng.poisson(rate + max(10, 6 * np.sqrt(rate)), 10)
            hits = [a.index - onset for a in detect({0: counts.tolist()}) if a.index >= onset]
            if hits and hits[0] <= 2:
                found.append(hits[0])
            else:
                missed += 1
    spread = np.bincount(found, minlength=3).tolist()
    print(f"surges={len(found) + missed} caught within 2 intervals={len(found)} missed={missed}")
    print(f"delay 0/1/2 intervals: {spread}  mean delay={np.mean(found):.3f}")


def throughput(keys: int) -> None:
    counts = np.random.default_rng(0).poisson(5, keys).tolist()
    detector = SpikeDetector()
    start = time.perf_counter()
    for step in range(3):
        for key, count in enumerate(counts):
            detector.update(key, step, count)
    elapsed = time.perf_counter() - start
    print(f"{3 * keys} updates over {keys} keys: {3 * keys / elapsed:,.0f} updates/s")
    tracemalloc.start()
    detector = SpikeDetector()
    for key, count in enumerate(counts):
        detector.update(key, 0, count)
    used, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"state {used / keys:.0f} bytes per key (slot dict entry + four 8-byte array cells)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=100, help="series per rate")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    false_alarms(rng, args.keys, 500)
    delays(rng, args.keys)
    throughput(200_000)


if __name__ == "__main__":
    main()
