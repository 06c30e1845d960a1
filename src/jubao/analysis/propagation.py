"""Roles and downstream reach in a repost or comment cascade.

`analyze(posts, root=...)` takes one cascade (the original post plus every repost or comment of
it) and returns a `Cascade`: the reach of every post (the size of its subtree, itself excluded)
and four account roles with the posts that justify them. The rules, parameters and the handling of
bad data (duplicates, missing parents, self-parents, cycles) are described in
`docs/analysis-propagation.md`.

The tree itself (indexing, repairs, subtree sizes) lives in `jubao.analysis._cascade`; this module
applies the role rules to it. Per post, the work is a handful of C-level passes (dict lookups,
`map`, numpy); Python loops run only over repeated mids, loop members and groups of evidence.
Nothing recurses, so a chain 10^6 deep is fine.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress, count, repeat
from operator import itemgetter, le
from typing import Any

import numpy as np

from jubao.analysis._cascade import Post, Tree, build_tree, reach

__all__ = ["DEFAULT_CUES", "ROLES", "Cascade", "analyze"]

ROLES = ("originator", "first_forwarder", "multi_poster", "inciter")

# Calls to action seen in pile-ons: spread it, dig up the person, expose, gang up. Bare "转发" is
# left out on purpose: Weibo fills "转发微博" into every silent repost.
DEFAULT_CUES: tuple[str, ...] = (
    "扩散",
    "求转",
    "请转",
    "帮转",
    "转起来",
    "人肉",
    "曝光",
    "大家一起",
    "一起冲",
    "冲啊",
    "冲冲冲",
    "挂他",
    "挂她",
    "挂出来",
    "顶上去",
    "让更多人",
)

_TIME = itemgetter("time")
_TEXT = itemgetter("text")


@dataclass(frozen=True)
class Cascade:
    """Result of `analyze`.

    `roles` maps each name in `ROLES` to the set of uids holding it; `evidence[role][uid]` lists
    the mids (sorted) that earned that uid the role. `reach[mid]` is the number of posts
    downstream of `mid` (its subtree minus itself), for every post including the root.
    `reparented[mid]` says why a post was attached to the root although it named another parent:
    "missing" (parent not in the cascade), "self" (its own parent) or "cycle" (it closed a loop).
    """

    root: str
    size: int
    roles: dict[str, frozenset[str]]
    evidence: dict[str, dict[str, tuple[str, ...]]]
    reach: dict[str, int]
    reparented: dict[str, str]


def analyze(
    posts: Iterable[Post],
    *,
    root: Post,
    first_k: int = 1,
    multi_min_posts: int = 3,
    hub_min_reach: int = 10,
    hub_share: float = 0.05,
    cue_min_reach: int = 1,
    cues: Sequence[str] = DEFAULT_CUES,
) -> Cascade:
    """Compute reach and roles for the cascade of `root`.

    `posts` are dicts with `mid`, `parent`, `uid`, `time` (datetime) and `text`; a falsy parent or
    one that is not in the cascade means "answers the root". `root` may also appear in `posts`.
    Role parameters (see docs/analysis-propagation.md):

    - `first_k`: how many of the earliest direct answers make their authors first forwarders.
    - `multi_min_posts`: posts (root included) an account needs to be a multi-poster.
    - `hub_min_reach`, `hub_share`: a post with reach >= max(hub_min_reach,
      ceil(hub_share * cascade size)) makes its author an inciter.
    - `cue_min_reach`, `cues`: so does a post whose text contains a cue and whose reach is at
      least `cue_min_reach`.
    """
    if first_k < 0 or multi_min_posts < 1:
        raise ValueError("first_k must be >= 0 and multi_min_posts >= 1")
    tree = build_tree(posts if isinstance(posts, list) else list(posts), root)
    sizes = reach(tree)
    evidence = {
        "originator": {tree.uids[0]: (tree.mids[0],)},
        "first_forwarder": _first_forwarders(tree, first_k),
        "multi_poster": _multi_posters(tree, multi_min_posts),
        "inciter": _inciters(tree, sizes, hub_min_reach, hub_share, cue_min_reach, tuple(cues)),
    }
    by_mid = _reach_by_mid(tree, sizes)
    return Cascade(
        root=tree.mids[0],
        size=tree.size,
        roles={role: frozenset(ev) for role, ev in evidence.items()},
        evidence=evidence,
        reach=by_mid,
        reparented=tree.reparented,
    )


def _reach_by_mid(tree: Tree, sizes: np.ndarray) -> dict[Any, int]:
    """Turn the mid -> node index into mid -> reach in place: same keys, so no rehashing."""
    index = tree.index
    kept = [(mid, index[mid]) for mid in tree.repeated]
    index.update(zip(tree.mids, sizes.tolist(), strict=True))
    # A repeated mid was last written with the reach of its last copy, which may be dead.
    for mid, node in kept:
        index[mid] = int(sizes[node])
    return index


# --- roles -------------------------------------------------------------------------------------


def _first_forwarders(tree: Tree, k: int) -> dict[Any, tuple[Any, ...]]:
    """Authors of the k earliest posts answering the root, the originator's own excluded."""
    direct = np.flatnonzero(tree.parent == 0)  # the root and dead copies have parent -1
    if k == 0 or not direct.size:
        return {}
    originator = tree.uids[0]
    # Comparing bare times is much cheaper than building (time, mid) keys for every answer: find
    # the time of the k-th earliest answer, over-fetching by the originator's own posts so that k
    # remain once those are dropped, then order only the answers up to it (ties included).
    need = k + tree.uids.count(originator) - 1
    times = list(map(_TIME, tree.posts_at(direct)))
    last = min(times) if need == 1 else heapq.nsmallest(need, times)[-1]
    early = direct[np.fromiter(map(le, times, repeat(last)), bool, len(times))].tolist()
    early = [i for i in early if tree.uids[i] != originator]
    chosen = sorted(early, key=lambda i: (tree.time(i), tree.mids[i]))[:k]
    return _evidence(tree, np.array(chosen, dtype=np.int64))


def _multi_posters(tree: Tree, min_posts: int) -> dict[Any, tuple[Any, ...]]:
    """Accounts with at least `min_posts` posts in the cascade, the root included."""
    nodes = _may_repeat(tree, min_posts)
    owners = list(map(tree.uids.__getitem__, nodes.tolist()))
    heavy = {uid for uid, c in Counter(owners).items() if c >= min_posts}
    if not heavy:
        return {}
    picked = np.fromiter(map(heavy.__contains__, owners), bool, nodes.size)
    return _evidence(tree, nodes[picked], list(compress(owners, picked.tolist())))


def _may_repeat(tree: Tree, times: int) -> np.ndarray:
    """The live nodes whose uid may occur `times` times among them: a superset, cheap to find.

    Counting 10^6 mostly distinct uids in a dict is slow (a cache miss per uid). Instead, count
    hash buckets (about two uids per bucket) with numpy: a uid occurs at most as often as its
    bucket is filled, so only posts in full buckets need an exact count.
    """
    n = len(tree.uids)
    live = np.arange(n) if tree.alive is None else np.flatnonzero(tree.alive)
    if times <= 1 or n < 4096:
        return live
    buckets = 1 << (2 * n).bit_length()
    slot = np.fromiter(map(hash, tree.uids), np.int64, n)[live] & (buckets - 1)
    return live[np.bincount(slot, minlength=buckets)[slot] >= times]


def _inciters(
    tree: Tree,
    sizes: np.ndarray,
    hub_min_reach: int,
    hub_share: float,
    cue_min_reach: int,
    cues: tuple[str, ...],
) -> dict[Any, tuple[Any, ...]]:
    """Authors of non-root posts that are hubs or that call for spreading and were followed."""
    hub_reach = max(hub_min_reach, math.ceil(hub_share * (tree.size - 1)))
    chosen = tree.live(sizes >= hub_reach)
    if cues:
        # Hubs are in already: reading and searching their texts would change nothing.
        candidates = np.flatnonzero(tree.live(sizes >= cue_min_reach) & ~chosen)
        texts = list(map(_TEXT, tree.posts_at(candidates)))
        chosen[candidates[_cue_hits(texts, cues)]] = True
    return _evidence(tree, np.flatnonzero(chosen))


def _cue_hits(texts: list[Any], cues: tuple[str, ...]) -> list[int]:
    """Positions in `texts` of the texts that contain at least one cue.

    One regex pass over the texts joined by newlines is far cheaper than a search per text; cues
    cannot contain a newline, so no match spans two texts.
    """
    if not texts:
        return []
    try:
        joined = "\n".join(texts)
    except TypeError:  # a None or non-string text counts as empty
        texts = [t if isinstance(t, str) else "" for t in texts]
        joined = "\n".join(texts)
    starts = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1, out=starts[1:])
    found = [m.start() for m in _cue_pattern(cues).finditer(joined)]
    if not found:
        return []
    return np.unique(np.searchsorted(starts, found, side="right") - 1).tolist()


@lru_cache(maxsize=16)
def _cue_pattern(cues: tuple[str, ...]) -> re.Pattern[str]:
    if any("\n" in c or not c for c in cues):
        raise ValueError("cues must be non-empty and must not contain a newline")
    return re.compile("|".join(map(re.escape, sorted(cues, key=len, reverse=True))))


def _evidence(
    tree: Tree, nodes: np.ndarray, owners: list[Any] | None = None
) -> dict[Any, tuple[Any, ...]]:
    """uid -> sorted mids of the given nodes (ascending); `owners` are their uids if known.

    A role can hold most of the cascade (every post of a long chain is a hub), so the posts are
    grouped by one stable argsort over small uid codes instead of a list append per post. The
    sort keeps node order within a group, so when the mids ascend with the nodes the groups come
    out sorted.
    """
    if not nodes.size:
        return {}
    if owners is None:
        owners = list(map(tree.uids.__getitem__, nodes.tolist()))
    code = dict(zip(dict.fromkeys(owners), count()))  # distinct owners, numbered in order seen
    codes = np.fromiter(map(code.__getitem__, owners), np.int64, len(owners))
    mids = list(map(tree.mids.__getitem__, nodes[np.argsort(codes, kind="stable")].tolist()))
    ends = np.cumsum(np.bincount(codes)).tolist()
    starts = [0, *ends[:-1]]
    if tree.mids_ascend:
        return {uid: tuple(mids[a:b]) for uid, a, b in zip(code, starts, ends, strict=True)}
    return {uid: tuple(sorted(mids[a:b])) for uid, a, b in zip(code, starts, ends, strict=True)}
