"""Water-army ("水军") coordination: groups of accounts acting together within short windows.

Two rules, each documented in ``docs/analysis-coordination.md``:

``near_duplicate_text``
    At least `min_accounts` distinct accounts post texts whose estimated Jaccard similarity to
    a common representative is ≥ `similarity`, with at least `min_accounts` of them inside some
    time window of length `window`. Texts with fewer than `min_chars` letters and digits after
    normalisation ("转发微博", "哈哈哈") are too short to show coordination and are left out.
``same_target``
    At least `min_accounts` distinct accounts post about the same target (canonical URL or
    account key), with at least `min_accounts` of them inside some window of length `window`.

Neither rule compares all pairs. Posts are put into buckets (LSH band keys of their MinHash
signatures, or the exact target key); each bucket is sorted by time and swept once with a
sliding window that counts distinct accounts. Work is O(n · bands) plus sorting, so a text
shared 10^5 times costs about as much as 10^5 unrelated posts.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from jubao.analysis.dedup.minhash import Banding, MinHasher, normalise
from jubao.analysis.urls import target_key

__all__ = ["Group", "Stats", "find_groups"]

Reason = Literal["near_duplicate_text", "same_target"]

_HASHER = MinHasher()  # the defaults of NearDuplicateIndex, so signatures are interchangeable
_BANDING = Banding()
_MAX_ROUNDS = 4  # representatives tried per bucket before the leftovers are given up
_LINK_SLACK = 0.1  # how much less similar a cluster's representative may be to join another
_ROW_WEIGHTS = np.array(  # odd 64-bit multipliers: a signature row folds to one word
    [(0x9E3779B97F4A7C15 * (2 * i + 1)) % 2**64 for i in range(256)], dtype=np.uint64
)


@dataclass(frozen=True)
class Group:
    """One suspected coordinated group.

    `score` is the mean number of distinct accounts per `window` of the group's span, times the
    mean text similarity to the group's representative (1.0 for same-target groups): large,
    tight, identical bursts score highest.
    """

    reason: Reason
    accounts: frozenset[str]
    posts: tuple[str, ...]  # mids in time order
    start: datetime
    end: datetime
    score: float
    target: str | None = None  # the target key, for same-target groups


@dataclass
class Stats:
    """Work counters, for tests and benchmarks that check the algorithm stays near-linear."""

    posts: int = 0
    buckets: int = 0  # buckets with enough posts to be swept
    duplicate_buckets: int = 0  # buckets skipped because an identical one was already swept
    swept: int = 0  # posts visited by sliding-window sweeps, summed over buckets
    comparisons: int = 0  # signature-to-representative comparisons


@dataclass
class _Posts:
    """Posts as parallel arrays; `order` of a bucket is always by time."""

    mids: list[str]
    uids: npt.NDArray[np.int64]
    times: npt.NDArray[np.float64]  # seconds
    stamps: list[datetime]
    texts: list[str]
    targets: list[str | None]
    account_names: list[str] = field(default_factory=list)


def find_groups(
    posts: Iterable[Mapping[str, Any]],
    *,
    window: timedelta,
    min_accounts: int = 3,
    similarity: float = 0.8,
    min_chars: int = 8,
    stats: Stats | None = None,
) -> list[Group]:
    """Coordinated groups among `posts`, highest score first.

    Each post is a mapping with ``mid``, ``uid``, ``time`` (datetime, all naive or all aware)
    and ``text``, and optionally ``target`` (a URL or an account being attacked). `stats`, if
    given, receives work counters.
    """
    if window <= timedelta(0):
        raise ValueError("window must be positive")
    if min_accounts < 2:
        raise ValueError("min_accounts must be at least 2")
    if not 0.0 < similarity <= 1.0:
        raise ValueError("similarity must be in (0, 1]")
    stats = stats if stats is not None else Stats()
    data = _load(posts)
    stats.posts = len(data.mids)
    seconds = window.total_seconds()
    groups = _text_groups(data, seconds, (min_accounts, min_chars), similarity, stats)
    groups += _target_groups(data, seconds, min_accounts, stats)
    return sorted(groups, key=lambda g: (-g.score, g.start, g.posts))


# -- input ------------------------------------------------------------------------------------


def _load(posts: Iterable[Mapping[str, Any]]) -> _Posts:
    mids: list[str] = []
    uid_codes: dict[str, int] = {}
    uids: list[int] = []
    stamps: list[datetime] = []
    texts: list[str] = []
    targets: list[str | None] = []
    for i, post in enumerate(posts):
        try:
            mid, uid, when = str(post["mid"]), str(post["uid"]), post["time"]
        except KeyError as exc:
            raise ValueError(f"post {i} lacks {exc.args[0]!r}") from exc
        if not isinstance(when, datetime):
            raise ValueError(f"post {i} time is not a datetime")
        mids.append(mid)
        uids.append(uid_codes.setdefault(uid, len(uid_codes)))
        stamps.append(when)
        texts.append(str(post.get("text") or ""))
        target = post.get("target")
        targets.append(str(target) if target else None)
    return _Posts(
        mids,
        np.array(uids, dtype=np.int64),
        _seconds(stamps),
        stamps,
        texts,
        targets,
        list(uid_codes),
    )


def _seconds(stamps: Sequence[datetime]) -> npt.NDArray[np.float64]:
    aware = {s.tzinfo is not None and s.utcoffset() is not None for s in stamps}
    if len(aware) > 1:
        raise ValueError("post times mix naive and timezone-aware datetimes")
    # Naive times are read as UTC: only differences matter, and this avoids local-time DST jumps.
    return np.array(
        [(s if s.tzinfo else s.replace(tzinfo=UTC)).timestamp() for s in stamps], dtype=np.float64
    )


# -- sliding window ---------------------------------------------------------------------------


def _dense_runs(
    order: npt.NDArray[np.intp], data: _Posts, seconds: float, min_accounts: int
) -> list[npt.NDArray[np.intp]]:
    """Maximal runs of the time-sorted posts `order` in which every post lies in some window of
    length `seconds` holding at least `min_accounts` distinct accounts. One pass: the window's
    right end advances one post at a time and its left end follows."""
    times = data.times[order].tolist()
    uids = data.uids[order].tolist()
    counts: dict[int, int] = {}
    runs: list[list[int]] = []
    lo = 0
    for hi, uid in enumerate(uids):
        counts[uid] = counts.get(uid, 0) + 1
        while times[hi] - times[lo] > seconds:
            left = uids[lo]
            counts[left] -= 1
            if not counts[left]:
                del counts[left]
            lo += 1
        if len(counts) >= min_accounts:
            if runs and lo <= runs[-1][1]:
                runs[-1][1] = hi
            else:
                runs.append([lo, hi])
    return [order[a : b + 1] for a, b in runs]


def _by_time(members: npt.NDArray[np.intp], data: _Posts) -> npt.NDArray[np.intp]:
    return members[np.argsort(data.times[members], kind="stable")]


# -- rule 1: near-duplicate text --------------------------------------------------------------


def _text_groups(
    data: _Posts, seconds: float, minimums: tuple[int, int], similarity: float, stats: Stats
) -> list[Group]:
    min_accounts, min_chars = minimums
    texts = [normalise(text) for text in data.texts]
    texts = [text if len(text) >= min_chars else "" for text in texts]
    sigs, valid = _HASHER.signature_matrix(texts, normalised=True)
    index = np.flatnonzero(valid)
    if index.size < min_accounts:
        return []
    parent = list(range(len(data.mids)))
    for bucket in _lsh_buckets(sigs[index], index, min_accounts, stats):
        for accepted in _verified(bucket, sigs, similarity, min_accounts, stats):
            for run in _dense_runs(_by_time(accepted, data), data, seconds, min_accounts):
                _union(parent, run)
    return [
        _text_group(members, data, sigs, seconds)
        for members in _components(parent, min_accounts, data)
    ]


def _lsh_buckets(
    sigs: npt.NDArray[np.uint16], index: npt.NDArray[np.intp], min_accounts: int, stats: Stats
) -> Iterable[npt.NDArray[np.intp]]:
    """Posts sharing a band key, one bucket per key with at least `min_accounts` posts.

    Near-identical posts share most of their band keys, so the same member set turns up in many
    bands: each distinct set is yielded once."""
    keys = _BANDING.keys(sigs).ravel()
    owners = np.repeat(index, _BANDING.bands)
    order = np.argsort(keys, kind="stable")
    keys, owners = keys[order], owners[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], keys.size]
    seen: set[bytes] = set()
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        if b - a < min_accounts:
            continue
        members = np.sort(owners[a:b])
        fingerprint = members.tobytes()
        if fingerprint in seen:
            stats.duplicate_buckets += 1
            continue
        seen.add(fingerprint)
        stats.buckets += 1
        stats.swept += members.size
        yield members


def _verified(
    members: npt.NDArray[np.intp],
    sigs: npt.NDArray[np.uint16],
    similarity: float,
    min_accounts: int,
    stats: Stats,
) -> list[npt.NDArray[np.intp]]:
    """Split a bucket into clusters of posts similar to a representative.

    A shared band key makes posts likely, not certain, to be similar. Each post is compared with
    one representative (the commonest signature among the remaining posts: the unedited
    message, where there is one), never with every other post; those that do not match get
    another representative, up to `_MAX_ROUNDS` times. A new cluster joins an earlier one when
    its representative comes within `_LINK_SLACK` of `similarity` to any post of it, so lightly
    varied copies of one slogan end in one cluster (single linkage through representatives,
    with room for the ±0.05 estimation error of a 64-value signature)."""
    need = similarity * sigs.shape[1] - 1e-9
    link = (similarity - _LINK_SLACK) * sigs.shape[1] - 1e-9
    clusters: list[npt.NDArray[np.intp]] = []
    for _ in range(_MAX_ROUNDS):
        if members.size < 2:
            break
        rep = sigs[members[_commonest(sigs[members])]]
        close = np.count_nonzero(sigs[members] == rep, axis=1) >= need
        cluster, members = members[close], members[~close]
        stats.comparisons += close.size + sum(c.size for c in clusters)
        for i, earlier in enumerate(clusters):
            if (np.count_nonzero(sigs[earlier] == rep, axis=1) >= link).any():
                clusters[i] = np.concatenate((earlier, cluster))
                break
        else:
            clusters.append(cluster)
    return [c for c in clusters if c.size >= min_accounts]


def _commonest(rows: npt.NDArray[np.uint16]) -> int:
    """Index of a row equal to the most frequent row (rows hashed to one uint64 each)."""
    words = np.ascontiguousarray(rows).view(np.uint64)
    folded = (words * _ROW_WEIGHTS[: words.shape[1]]).sum(axis=1, dtype=np.uint64)
    _, first, inverse, counts = np.unique(
        folded, return_index=True, return_inverse=True, return_counts=True
    )
    return int(first[np.argmax(counts)]) if inverse.size else 0


def _union(parent: list[int], run: npt.NDArray[np.intp]) -> None:
    """Join every post of `run` to the root of its first post (union-find, path halving)."""
    root = _find(parent, int(run[0]))
    for post in run.tolist():
        other = _find(parent, post)
        if other != root:
            parent[other] = root


def _find(parent: list[int], x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def _components(parent: list[int], min_accounts: int, data: _Posts) -> list[npt.NDArray[np.intp]]:
    """Posts joined by at least one dense run, as time-sorted arrays, one per component."""
    roots = np.array([_find(parent, i) for i in range(len(parent))], dtype=np.intp)
    linked = np.flatnonzero(roots != np.arange(roots.size))
    candidates = np.unique(np.concatenate([linked, roots[linked]]))
    order = candidates[np.argsort(roots[candidates], kind="stable")]
    cuts = np.flatnonzero(np.diff(roots[order])) + 1
    return [
        _by_time(members, data)
        for members in np.split(order, cuts)
        if np.unique(data.uids[members]).size >= min_accounts
    ]


def _text_group(
    members: npt.NDArray[np.intp], data: _Posts, sigs: npt.NDArray[np.uint16], seconds: float
) -> Group:
    mean_similarity = float(np.mean(sigs[members] == sigs[members[0]]))
    return _group("near_duplicate_text", members, data, seconds, mean_similarity, None)


# -- rule 2: same target ----------------------------------------------------------------------


def _target_groups(data: _Posts, seconds: float, min_accounts: int, stats: Stats) -> list[Group]:
    buckets: dict[str, list[int]] = {}
    for i, target in enumerate(data.targets):
        if target:
            buckets.setdefault(_target_of(target), []).append(i)
    groups = []
    for key, members in buckets.items():
        if len(members) < min_accounts:
            continue
        stats.buckets += 1
        stats.swept += len(members)
        order = _by_time(np.array(members, dtype=np.intp), data)
        for run in _dense_runs(order, data, seconds, min_accounts):
            groups.append(_group("same_target", run, data, seconds, 1.0, key))
    return groups


def _target_of(target: str) -> str:
    """Canonical key of a target: the canonical URL for something written as a URL (with a
    scheme or a leading ``www.``), else the text itself (NFKC, trimmed, lower-cased, without a
    leading @), so "@Someone" and "someone " count as one target."""
    text = unicodedata.normalize("NFKC", target).strip()
    if "://" in text or text.lower().startswith("www."):
        try:
            return target_key(text)
        except ValueError:
            pass  # not a usable URL after all: key it by its text
    return "raw:" + text.lower().removeprefix("@").strip()


# -- output -----------------------------------------------------------------------------------


def _group(
    reason: Reason,
    members: npt.NDArray[np.intp],
    data: _Posts,
    seconds: float,
    mean_similarity: float,
    target: str | None,
) -> Group:
    accounts = frozenset(data.account_names[u] for u in np.unique(data.uids[members]).tolist())
    first, last = int(members[0]), int(members[-1])
    span = float(data.times[last] - data.times[first])
    per_window = len(accounts) / max(1.0, span / seconds)
    return Group(
        reason=reason,
        accounts=accounts,
        posts=tuple(data.mids[i] for i in members.tolist()),
        start=data.stamps[first],
        end=data.stamps[last],
        score=round(per_window * mean_similarity, 6),
        target=target,
    )
