"""Benchmark jubao.analysis.abuse.predict against the equivalent scikit-learn pipeline.

Usage (from the repository root; needs the COLD data and the ``bench`` dependency group)::

    .venv/bin/python bench/abuse.py [--repeat 5]

Runs on one core: BLAS/OpenMP thread counts are pinned to 1 before numpy is imported and the
process is bound to a single CPU where the OS allows it.  Prints, on the COLD dev texts, the
accuracy, macro-F1 and texts/second of ``predict``, and the same for a scikit-learn
HashingVectorizer(char 1-3, binary, l2) + LogisticRegression(liblinear) trained here on the
same train split, and the speed ratio ours/sklearn.  Throughput is the best of ``--repeat``
timed runs over all dev texts (the machine may be shared; the best run is the least
disturbed one).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import csv  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = REPO.parent / "shared" / "data" / "cold"
sys.path.insert(0, str(REPO / "src"))

from jubao.analysis import abuse  # noqa: E402


def read_split(name: str) -> tuple[list[str], np.ndarray]:
    with (DATA_DIR / f"{name}.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [r["TEXT"] for r in rows], np.array([int(r["label"]) for r in rows])


def macro_f1(y: np.ndarray, pred: np.ndarray) -> float:
    scores = []
    for cls in (1, 0):
        p, t = (pred == cls), (y == cls)
        denom = p.sum() + t.sum()
        scores.append(2.0 * float((p & t).sum()) / denom if denom else 0.0)
    return sum(scores) / 2


def best_rate(fn: Callable[[Sequence[str]], Sequence[float]], texts: list[str], repeat: int):
    """(texts per second of the fastest run, output of the last run)."""
    best = float("inf")
    out: Sequence[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn(texts)
        best = min(best, time.perf_counter() - start)
    return len(texts) / best, np.asarray(out, dtype=np.float64)


def main() -> int:
    parser = argparse.ArgumentParser(description="abuse classifier throughput benchmark")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not (DATA_DIR / "dev.csv").is_file():
        print(f"COLD data not found in {DATA_DIR}", file=sys.stderr)
        return 2
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    from sklearn.feature_extraction.text import HashingVectorizer
    from sklearn.linear_model import LogisticRegression

    train_x, train_y = read_split("train")
    dev_x, dev_y = read_split("dev")
    model = abuse.load_model()
    meta = model.meta
    print(f"dev texts: {len(dev_x)}, mean length {np.mean([len(t) for t in dev_x]):.1f} chars")
    print(
        f"ours: char {model.ngram_min}-{model.ngram_max} grams, 2^{model.bits} buckets, "
        f"binary={model.binary}, threshold {abuse.THRESHOLD:.2f}"
    )

    abuse.predict(["warm-up"])  # load the model outside the timed region
    ours_rate, ours_p = best_rate(abuse.predict, dev_x, args.repeat)
    ours_pred = (ours_p >= abuse.THRESHOLD).astype(int)
    ours_acc = float(np.mean(ours_pred == dev_y))
    ours_f1 = macro_f1(dev_y, ours_pred)

    # The scikit-learn equivalent: same n-gram range, bucket count, binary + l2 features and
    # the same regulariser, fitted here on the same train split.  (Its hash, murmur3 on the
    # n-gram string, differs from ours, so the buckets and the exact scores differ.)
    vec = HashingVectorizer(
        analyzer="char",
        ngram_range=(model.ngram_min, model.ngram_max),
        n_features=1 << model.bits,
        binary=model.binary,
        norm="l2",
        alternate_sign=False,
        lowercase=True,
    )
    t0 = time.perf_counter()
    clf = LogisticRegression(
        C=float(meta["classifier"]["C"]), solver="liblinear", max_iter=1000, random_state=0
    ).fit(vec.transform(train_x), train_y)
    fit_s = time.perf_counter() - t0

    def sk_predict(texts: Sequence[str]) -> Sequence[float]:
        return clf.predict_proba(vec.transform(texts))[:, 1]

    sk_rate, sk_p = best_rate(sk_predict, dev_x, args.repeat)
    sk_pred = (sk_p >= 0.5).astype(int)
    sk_acc = float(np.mean(sk_pred == dev_y))
    sk_f1 = macro_f1(dev_y, sk_pred)

    print(f"{'':10} {'accuracy':>9} {'macro-F1':>9} {'texts/s':>10}")
    print(f"{'ours':10} {ours_acc:9.4f} {ours_f1:9.4f} {ours_rate:10.0f}")
    print(f"{'sklearn':10} {sk_acc:9.4f} {sk_f1:9.4f} {sk_rate:10.0f}   (fit {fit_s:.1f}s, @0.5)")
    print(f"speed ratio ours/sklearn: {ours_rate / sk_rate:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
