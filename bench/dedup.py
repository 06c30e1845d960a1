"""Benchmark: jubao NearDuplicateIndex against datasketch MinHashLSH on real Chinese text.

Texts: COLD ``cold/train.csv`` (TEXT column) and every CED repost ``text`` field, read from
``../shared/data`` next to the repository. Both indexes receive the same keys and the same
normalised character 3-gram shingles; datasketch gets its default and usual set-up, 128
permutations at threshold 0.7 (it chooses 14 bands of 9 rows), with ``update_batch``, once as
in its documentation's examples and once reusing the permutation constants between MinHashes.
Build rates are measured with tracemalloc running (it slows allocation-heavy code).

The first two steps of a jubao query (normalisation and the signature) are also timed on their
own, in the same chunks, as a floor for its query rate.

Queries are edited copies of indexed texts (characters inserted or deleted, punctuation changed,
digits and Latin letters made full-width, a URL or @mention appended) whose original is known.

    .venv/bin/python bench/dedup.py [--queries 2000] [--limit N] [--seed 7]
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import random
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from jubao.analysis.dedup import NearDuplicateIndex, normalise  # noqa: E402

THRESHOLD = 0.7
DS_PERM = 128
_CJK = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动"
_PUNCT = {"，": ",", "。": ".", "！": "!!", "？": "?", "、": " "}


def load_texts(limit: int | None) -> list[str]:
    """Non-empty texts from COLD and CED, or exit with a message if the data is missing."""
    cold = DATA / "cold" / "train.csv"
    ced = sorted((DATA / "ced-sample").glob("*-repost/*.json"))
    if not cold.is_file() or not ced:
        sys.exit(f"bench data not found: expected {cold} and {DATA}/ced-sample/*-repost/*.json")
    with cold.open(encoding="utf-8-sig", newline="") as fh:
        texts = [row["TEXT"] for row in csv.DictReader(fh)]
    for path in ced:
        texts.extend(post.get("text") or "" for post in json.loads(path.read_text("utf-8")))
    texts = [t for t in texts if normalise(t)]
    return texts[:limit] if limit else texts


def edit(text: str, rng: random.Random) -> str:
    """A plausible re-post edit of `text`: 2–4 random operations."""
    chars = list(text)
    for _ in range(rng.randint(2, 4)):
        op = rng.choice(("insert", "delete", "punct", "fullwidth", "suffix"))
        if op == "insert":
            chars.insert(rng.randrange(len(chars) + 1), rng.choice(_CJK))
        elif op == "delete" and len(chars) > 20:
            del chars[rng.randrange(len(chars))]
        elif op == "punct":
            chars = list("".join(_PUNCT.get(c, c) for c in chars))
            chars.insert(rng.randrange(len(chars) + 1), rng.choice("，。！？…~ "))
        elif op == "fullwidth":
            chars = [chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in chars]
        else:
            chars.append(rng.choice((" http://t.cn/A6x", " @路人甲 ", "【转】", " 转发微博")))
    return "".join(chars)


def shingle_set(text: str) -> set[str]:
    """Exact shingle set, the ground truth the estimates are judged against."""
    norm = normalise(text)
    return {norm[i : i + 3] for i in range(max(1, len(norm) - 2))}


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


@dataclass
class Result:
    name: str
    bytes_per_item: float
    build_rate: float
    query_rate: float
    recall: float
    found_all: float
    precision: float


def measure_build(build: Callable[[], object], n: int) -> tuple[object, float, float]:
    """Build under tracemalloc: (index, retained bytes per item, items per second)."""
    gc.collect()
    tracemalloc.start()
    start = time.perf_counter()
    index = build()
    elapsed = time.perf_counter() - start
    gc.collect()
    current, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return index, current / n, n / elapsed


def timed_queries(
    runners: list[tuple[object, Callable[[object, str], Sequence[str]]]], queries: list[str]
) -> tuple[list[list[Sequence[str]]], list[float]]:
    """Answers and queries per second for each runner, timed in alternating chunks so that
    load from other processes on the machine affects both sides alike."""
    answers: list[list[Sequence[str]]] = [[] for _ in runners]
    seconds = [0.0 for _ in runners]
    for start in range(0, len(queries), 100):
        chunk = queries[start : start + 100]
        for i, (index, query) in enumerate(runners):
            began = time.perf_counter()
            answers[i].extend(query(index, q) for q in chunk)
            seconds[i] += time.perf_counter() - began
    return answers, [len(queries) / s for s in seconds]


def score(
    texts: list[str], queries: list[tuple[str, int]], answers: list[Sequence[str]]
) -> tuple[float, float, float]:
    """(recall on queries whose true Jaccard with the original is ≥ threshold, share of all
    queries whose original was returned, precision of returned keys by true Jaccard)."""
    should = found = found_all = true_hits = returned = 0
    for (q, original), hits in zip(queries, answers, strict=True):
        q_set = shingle_set(q)
        hit_rows = {int(h.removeprefix("post-")) for h in hits}
        found_all += original in hit_rows
        if jaccard(q_set, shingle_set(texts[original])) >= THRESHOLD:
            should += 1
            found += original in hit_rows
        returned += len(hit_rows)
        true_hits += sum(jaccard(q_set, shingle_set(texts[r])) >= THRESHOLD for r in hit_rows)
    return found / max(should, 1), found_all / len(queries), true_hits / max(returned, 1)


def jubao_runner(keys: list[str], texts: list[str]) -> tuple[Callable[[], object], Callable]:
    def build() -> object:
        index = NearDuplicateIndex(THRESHOLD)
        for key, text in zip(keys, texts, strict=True):
            index.add(key, text)
        index.compact()  # fold the last pending batch into the sorted arrays
        return index

    return build, lambda index, text: index.query(text)


def datasketch_runner(
    keys: list[str], texts: list[str], *, reuse_permutations: bool = False
) -> tuple[Callable[[], object], Callable]:
    """datasketch as documented. MinHash(num_perm=128) draws its 2×128 permutation constants
    on every construction; with `reuse_permutations` they are drawn once and passed in through
    the documented ``permutations`` argument, the faster way an expert would use it."""
    from datasketch import MinHash, MinHashLSH

    shared = MinHash(num_perm=DS_PERM).permutations if reuse_permutations else None

    def minhash(text: str) -> MinHash:
        m = MinHash(
            num_perm=DS_PERM, permutations=shared, scheme="affine32" if shared is not None else None
        )
        m.update_batch([s.encode("utf-8") for s in shingle_set(text)])
        return m

    def build() -> object:
        lsh = MinHashLSH(threshold=THRESHOLD, num_perm=DS_PERM)
        for key, text in zip(keys, texts, strict=True):
            lsh.insert(key, minhash(text), check_duplication=False)
        return lsh

    return build, lambda lsh, text: lsh.query(minhash(text))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--limit", type=int, default=None, help="index only the first N texts")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    texts = load_texts(args.limit)
    keys = [f"post-{i}" for i in range(len(texts))]
    pool = [i for i, t in enumerate(texts) if len(normalise(t)) >= 12]
    originals = rng.sample(pool, min(args.queries, len(pool)))
    queries = [(edit(texts[i], rng), i) for i in originals]
    print(f"indexed texts: {len(texts)}, queries: {len(queries)}, threshold {THRESHOLD}")
    names = [
        "jubao (64 perm, 16x4 bands)",
        f"datasketch ({DS_PERM} perm, 14x9 bands)",
        "datasketch, permutations reused",
    ]
    runners = [
        jubao_runner(keys, texts),
        datasketch_runner(keys, texts),
        datasketch_runner(keys, texts, reuse_permutations=True),
    ]
    built = [measure_build(build, len(keys)) for build, _ in runners]
    query_texts = [q for q, _ in queries]
    timed = [(index, query) for (index, _, _), (_, query) in zip(built, runners, strict=True)]
    # The first two steps of every jubao query on their own, timed alongside the rest: what a
    # query costs before any band lookup, so a floor for the query rate of this design.
    timed.append((built[0][0], lambda index, text: index.hasher.signature_array(text)))
    answers, rates = timed_queries(timed, query_texts)
    floor_rate = rates.pop()
    answers.pop()
    results = [
        Result(name, per_item, build_rate, rate, *score(texts, queries, found))
        for name, (_, per_item, build_rate), rate, found in zip(
            names, built, rates, answers, strict=True
        )
    ]
    report(results)
    print(
        f"normalise + signature alone (no band lookup): {floor_rate:.0f}/s, "
        + ", ".join(f"{floor_rate / r.query_rate:.1f}x {r.name}" for r in results[1:])
    )


def report(results: list[Result]) -> None:
    head = f"{'index':32} {'B/item':>8} {'build/s':>9} {'query/s':>9} {'recall':>7}"
    print(head + f" {'orig found':>10} {'precision':>9}")
    for r in results:
        print(
            f"{r.name:32} {r.bytes_per_item:8.0f} {r.build_rate:9.0f} {r.query_rate:9.0f} "
            f"{r.recall:7.3f} {r.found_all:10.3f} {r.precision:9.3f}"
        )
    ours = results[0]
    for theirs in results[1:]:
        print(
            f"vs {theirs.name}: memory {theirs.bytes_per_item / ours.bytes_per_item:.1f}x "
            f"smaller, build {ours.build_rate / theirs.build_rate:.1f}x, "
            f"query {ours.query_rate / theirs.query_rate:.1f}x, "
            f"recall {ours.recall - theirs.recall:+.3f}"
        )


if __name__ == "__main__":
    main()
