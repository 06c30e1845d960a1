"""Roles and downstream reach in a repost or comment cascade.

`analyze(posts, root=...)` takes one cascade (the original post plus every repost or comment of
it) and returns a `Cascade`: the reach of every post (the size of its subtree, itself excluded)
and four account roles with the posts that justify them. The rules, parameters and the handling of
bad data (duplicates, missing parents, self-parents, cycles) are described in
`docs/analysis-propagation.md`.

Everything is iterative, so a chain 10^6 deep is fine: the tree is stored as a parent array and
subtree sizes come from pointer doubling in numpy (O(n log depth) work, O(log depth) numpy calls).
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress, repeat
from operator import itemgetter
from typing import Any

import numpy as np

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

Post = Mapping[str, Any]

_MID = itemgetter("mid")
_PARENT = itemgetter("parent")
_UID = itemgetter("uid")
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


@dataclass
class _Tree:
    """The cascade as parallel lists; index 0 is the root, `parent[0] == -1`.

    Times and texts are read from `posts` (post i is `posts[i - 1]`) only where a rule needs them,
    which saves two passes over large cascades.
    """

    root: Post
    posts: list[Post]
    mids: list[Any]
    uids: list[Any]
    parent: np.ndarray
    reparented: dict[str, str]
    # mid -> index; `analyze` recycles it into the reach dict (updating beats building anew).
    index: dict[Any, int]

    def time(self, i: int) -> Any:
        return self.root["time"] if i == 0 else self.posts[i - 1]["time"]

    def posts_at(self, indices: np.ndarray) -> list[Post]:
        """The posts at tree indices (all > 0), without a Python-level loop."""
        return list(map(self.posts.__getitem__, (indices - 1).tolist()))


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
    tree = _build_tree(posts if isinstance(posts, list) else list(posts), root)
    sizes = _reach_with_repair(tree)
    evidence = {
        "originator": {tree.uids[0]: [tree.mids[0]]},
        "first_forwarder": _first_forwarders(tree, first_k),
        "multi_poster": _multi_posters(tree, multi_min_posts),
        "inciter": _inciters(tree, sizes, hub_min_reach, hub_share, cue_min_reach, tuple(cues)),
    }
    return Cascade(
        root=tree.mids[0],
        size=len(tree.mids),
        roles={role: frozenset(ev) for role, ev in evidence.items()},
        evidence={
            role: {uid: tuple(sorted(ms)) for uid, ms in ev.items()}
            for role, ev in evidence.items()
        },
        reach=_recycle(tree.index, tree.mids, sizes),
        reparented=tree.reparented,
    )


def _recycle(index: dict[Any, int], mids: list[Any], sizes: np.ndarray) -> dict[Any, int]:
    """Turn the mid -> index dict into mid -> reach in place; same keys, so no rehashing."""
    index.update(zip(mids, sizes.tolist(), strict=True))
    return index


# --- building the tree -------------------------------------------------------------------------


def _build_tree(posts: list[Post], root: Post) -> _Tree:
    """Deduplicate, index and resolve parents (missing or self parent -> root)."""
    mids = [root["mid"], *map(_MID, posts)]
    index = dict(zip(mids, range(len(mids)), strict=True))
    if len(index) != len(mids):  # a repeated mid, or the root among the posts
        posts = _dedup(posts, mids, index)
        mids = [root["mid"], *map(_MID, posts)]
        index = dict(zip(mids, range(len(mids)), strict=True))
    n = len(mids)
    # Empty parents answer the root; any other unknown parent maps to -2 and is reported below.
    blanks = [b for b in ("", None) if b not in index]
    index.update(dict.fromkeys(blanks, 0))
    parent = np.empty(n, dtype=np.int64)
    parent[0] = -1
    parent[1:] = np.fromiter(map(index.get, map(_PARENT, posts), repeat(-2)), np.int64, n - 1)
    for b in blanks:
        del index[b]
    tree = _Tree(root, posts, mids, [root["uid"], *map(_UID, posts)], parent, {}, index)
    _attach_missing(tree)
    _detach_self_parents(tree)
    return tree


def _dedup(posts: list[Post], mids: list[Any], last: dict[Any, int]) -> list[Post]:
    """Keep one copy per mid and drop copies of the root (`mids[0]`).

    Of several copies, the first whose parent is a known post (not itself) wins, otherwise the
    first copy: in the CED data a repeated post sometimes has its parent blanked in one copy.
    `last` maps each mid to the position of its last copy in `mids`, which finds the repeats
    without a Python loop over every post.
    """
    where = np.fromiter(map(last.__getitem__, mids), np.int64, len(mids))
    copies: dict[Any, list[int]] = defaultdict(list)
    for i in np.flatnonzero(where != np.arange(len(mids))).tolist():
        copies[mids[i]].append(i)
    keep = np.ones(len(mids), dtype=bool)
    for mid, earlier in copies.items():
        positions = [*earlier, last[mid]]
        keep[positions] = False
        if mid != mids[0]:
            keep[_preferred_copy(posts, positions, last)] = True
    return list(compress(posts, keep[1:].tolist()))


def _preferred_copy(posts: list[Post], positions: list[int], known: dict[Any, int]) -> int:
    """Position (in `mids`, so post + 1) of the copy to keep."""
    for i in positions:
        post = posts[i - 1]
        parent = post["parent"]
        if parent and parent != post["mid"] and parent in known:
            return i
    return positions[0]


def _attach_missing(tree: _Tree) -> None:
    """Posts whose parent is not in the cascade answer the root."""
    missing = np.flatnonzero(tree.parent == -2)
    tree.parent[missing] = 0
    for i in missing.tolist():
        tree.reparented[tree.mids[i]] = "missing"


def _detach_self_parents(tree: _Tree) -> None:
    """A post naming itself as parent answers the root (a cycle of length one)."""
    looped = np.flatnonzero(tree.parent == np.arange(tree.parent.size))
    tree.parent[looped] = 0
    for i in looped.tolist():
        tree.reparented[tree.mids[i]] = "self"


# --- reach -------------------------------------------------------------------------------------


def _reach_with_repair(tree: _Tree) -> np.ndarray:
    """Subtree sizes; if the parent links contain cycles, break them and compute again."""
    sizes, on_cycles = _descendant_counts(tree.parent)
    if on_cycles is None:
        return sizes
    _break_cycles(tree, on_cycles)
    sizes, on_cycles = _descendant_counts(tree.parent)
    assert on_cycles is None
    return sizes


def _descendant_counts(parent: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Number of descendants of every node, by pointer doubling.

    With anc_k the 2^k-th ancestor (a sentinel past the root) and T_k x the weights x moved up to
    anc_k, the counts of descendants at distance 1..2^(k+1) satisfy S_(k+1) = S_k + T_k S_k, from
    S_0 = child counts. Nodes whose anc_k is the sentinel drop out, so the rounds shrink. If some
    node still has an ancestor after 2^k >= n steps it sits on or below a cycle: the nodes on
    cycles are returned instead (sizes is then meaningless).
    """
    n = parent.size
    sentinel = n
    anc = np.append(parent, sentinel)
    anc[0] = sentinel
    counts = np.bincount(anc[:n], minlength=n + 1).astype(np.float64)
    counts[sentinel] = 0.0
    active = np.flatnonzero(anc[:n] != sentinel)
    step = 1
    while active.size:
        if step >= n:
            return counts[:n].astype(np.int64), np.unique(anc[active])
        up = anc[active]
        counts += np.bincount(up, weights=counts[active], minlength=n + 1)
        anc[active] = anc[up]
        active = active[anc[active] != sentinel]
        step *= 2
    return counts[:n].astype(np.int64), None


def _break_cycles(tree: _Tree, on_cycles: np.ndarray) -> None:
    """Attach the earliest post (by time, then mid) of every cycle to the root.

    The earliest post cannot really answer a later one, so its parent link is the bad one; the
    choice depends only on the data, not on the order of `posts`.
    """
    parent = tree.parent
    pending = set(on_cycles.tolist())
    while pending:
        start = pending.pop()
        members = [start]
        node = int(parent[start])
        while node != start:
            members.append(node)
            pending.discard(node)
            node = int(parent[node])
        earliest = min(members, key=lambda i: (tree.time(i), tree.mids[i]))
        parent[earliest] = 0
        tree.reparented[tree.mids[earliest]] = "cycle"


# --- roles -------------------------------------------------------------------------------------


def _first_forwarders(tree: _Tree, k: int) -> dict[Any, list[Any]]:
    """Authors of the k earliest posts answering the root, the originator's own excluded."""
    direct = np.flatnonzero(tree.parent == 0)
    if k == 0 or not direct.size:
        return {}
    originator = tree.uids[0]
    # Over-fetch by the originator's own reposts so that k posts remain after dropping them.
    need = k + tree.uids.count(originator) - 1
    answers = tree.posts_at(direct)
    keyed = zip(map(_TIME, answers), map(_MID, answers), direct.tolist(), strict=True)
    earliest = [min(keyed)] if need == 1 else heapq.nsmallest(need, keyed)
    chosen = [i for _, _, i in earliest if tree.uids[i] != originator][:k]
    return _group(tree, chosen)


def _multi_posters(tree: _Tree, min_posts: int) -> dict[Any, list[Any]]:
    """Accounts with at least `min_posts` posts in the cascade, the root included."""
    heavy = {uid for uid, c in Counter(tree.uids).items() if c >= min_posts}
    if not heavy:
        return {}
    picked = list(map(heavy.__contains__, tree.uids))
    grouped: dict[Any, list[Any]] = defaultdict(list)
    for uid, mid in zip(compress(tree.uids, picked), compress(tree.mids, picked), strict=True):
        grouped[uid].append(mid)
    return dict(grouped)


def _inciters(
    tree: _Tree,
    sizes: np.ndarray,
    hub_min_reach: int,
    hub_share: float,
    cue_min_reach: int,
    cues: tuple[str, ...],
) -> dict[Any, list[Any]]:
    """Authors of non-root posts that are hubs or that call for spreading and were followed."""
    hub_reach = max(hub_min_reach, math.ceil(hub_share * (len(tree.mids) - 1)))
    chosen = set((np.flatnonzero(sizes[1:] >= hub_reach) + 1).tolist())
    if cues:
        candidates = np.flatnonzero(sizes[1:] >= cue_min_reach) + 1
        texts = list(map(_TEXT, tree.posts_at(candidates)))
        chosen.update(candidates[_cue_hits(texts, cues)].tolist())
    return _group(tree, sorted(chosen))


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


def _group(tree: _Tree, indices: Iterable[int]) -> dict[Any, list[Any]]:
    """uid -> mids for the given post indices."""
    grouped: dict[Any, list[Any]] = defaultdict(list)
    for i in indices:
        grouped[tree.uids[i]].append(tree.mids[i])
    return dict(grouped)
