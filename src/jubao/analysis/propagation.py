"""Roles and downstream reach in a repost or comment cascade.

`analyze(posts, root=...)` takes one cascade (the original post plus every repost or comment of
it) and returns a `Cascade`: the reach of every post (the size of its subtree, itself excluded)
and four account roles with the posts that justify them. The rules, parameters and the handling of
bad data (duplicates, missing parents, self-parents, cycles) are described in
`docs/analysis-propagation.md`.

Node i is post i - 1 of the input list and node 0 is the root. Per post, the work is a handful of
C-level passes (`map`, `compress`, dict building, `Counter`); Python loops run only over repeated
mids, loop members and evidence groups. Cascades up to `_SMALL` posts stay in plain lists; larger
ones go through numpy. Nothing recurses, so a chain 10^6 deep is fine.
"""

from __future__ import annotations

import heapq
import math
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, chain, compress, count, islice, repeat
from operator import itemgetter, le, ne, not_
from typing import Any

import numpy as np

__all__ = ["DEFAULT_CUES", "ROLES", "Cascade", "analyze"]

Post = Mapping[str, Any]

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

_MID = itemgetter("mid")
_PARENT = itemgetter("parent")
_UID = itemgetter("uid")
_TIME = itemgetter("time")
_TEXT = itemgetter("text")

# Up to this many posts a cascade is handled with lists, dicts and Counters only: numpy's fixed
# cost per call outweighs its speed on the small cascades that make up real data.
_SMALL = 1 << 14


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
    pattern = _cue_pattern(tuple(cues)) if cues else None
    if not isinstance(posts, list):
        posts = list(posts)
    small = len(posts) <= _SMALL
    tree = _Tree(posts, root, arrays=not small)
    work = _SmallTree(tree) if small else _LargeTree(tree)
    evidence = {
        "originator": {tree.uids[0]: (tree.mids[0],)},
        "first_forwarder": _first_forwarders(work.direct_posts(), first_k, tree.uids[0]),
        "multi_poster": work.multi_posters(multi_min_posts),
        "inciter": work.inciters(hub_min_reach, hub_share, cue_min_reach, pattern),
    }
    return Cascade(
        root=tree.mids[0],
        size=tree.size,
        roles={role: frozenset(ev) for role, ev in evidence.items()},
        evidence=evidence,
        reach=work.reach_by_mid(),
        reparented=tree.reparented,
    )


# --- the tree ----------------------------------------------------------------------------------


class _Tree:
    """Mids, uids and the mid -> node index of a cascade; duplicates resolved.

    Of several copies of a mid, the first whose parent is a known post other than itself is kept,
    otherwise the first copy; copies of the root's mid in `posts` are dropped. The other copies
    become dead nodes: no parent, no children, in no role. Only repeated mids are looped over.
    """

    def __init__(self, posts: list[Post], root: Post, arrays: bool) -> None:
        self.posts = posts
        self.root = root
        # Lists for small cascades; for large ones object arrays, which gather fast and which the
        # garbage collector does not traverse (it would, on every young list of 10^6 items).
        self.mids: Any
        self.uids: Any
        if arrays:
            n = len(posts) + 1
            self.mids = np.fromiter(chain((root["mid"],), map(_MID, posts)), object, n)
            self.uids = np.fromiter(chain((root["uid"],), map(_UID, posts)), object, n)
        else:
            self.mids = [root["mid"], *map(_MID, posts)]
            self.uids = [root["uid"], *map(_UID, posts)]
        # Blank parents answer the root: "" and None map to node 0 until the parents are looked
        # up, unless they are real mids. Putting them in first spares a late resize of the dict.
        index: dict[Any, int] = {"": 0, None: 0}
        index.update(zip(self.mids, range(len(self.mids)), strict=True))
        self.index = index
        self._blanks = [b for b in ("", None) if index[b] == 0 and self.mids[0] != b]
        self.dead: list[int] = []  # ascending
        self.kept: dict[Any, int] = {}  # repeated mid -> its kept node
        self.reparented: dict[Any, str] = {}
        if len(index) - len(self._blanks) != len(self.mids):
            self._drop_copies()

    @property
    def size(self) -> int:
        return len(self.index) - len(self._blanks)

    def _drop_blanks(self) -> None:
        for b in self._blanks:
            del self.index[b]
        self._blanks = []

    def post(self, i: int) -> Post:
        return self.root if i == 0 else self.posts[i - 1]

    def parents(self, as_array: bool = False) -> list[int] | np.ndarray:
        """Parent node of every post (node 1 on): 0 for a blank parent, -2 for an unknown one.

        Called once; dead nodes are not handled here.
        """
        try:
            found = map(self.index.get, map(_PARENT, self.posts), repeat(-2))
            if as_array:
                return np.fromiter(found, np.int64, len(self.posts))
            return list(found)
        finally:
            self._drop_blanks()

    def _drop_copies(self) -> None:
        mids, index = self.mids, self.index
        # The index kept the last copy of every mid: the earlier ones are the extra copies. The
        # blanks also point at node 0, which is an earlier copy if a post repeats the root's mid.
        extra = np.ones(len(mids), dtype=bool)
        extra[np.fromiter(index.values(), np.int64, len(index))] = False
        extra[0] = index[mids[0]] != 0
        earlier: dict[Any, list[int]] = {}
        for i in np.flatnonzero(extra).tolist():
            earlier.setdefault(mids[i], []).append(i)
        for mid, nodes in earlier.items():
            nodes.append(index[mid])
            keep = 0 if nodes[0] == 0 else self._preferred_copy(nodes)
            index[mid] = keep
            self.kept[mid] = keep
            self.dead.extend(i for i in nodes if i != keep)
        self.dead.sort()

    def _preferred_copy(self, nodes: list[int]) -> int:
        for i in nodes:
            post = self.posts[i - 1]
            parent = post["parent"]
            if parent and parent != post["mid"] and parent in self.index:
                return i
        return nodes[0]

    def break_loops(self, parent: list[int]) -> None:
        """Attach the earliest post (by time, then mid) of every loop of `parent` to the root.

        The earliest post cannot really answer a later one, so its parent link is the bad one;
        the choice depends only on the data, not on the order of `posts`. A post that is its own
        parent is a loop of one ("self"). `parent[0]` must be 0 and nothing else may be negative.
        """
        state = bytearray(len(parent))  # 0 unseen, 1 reaches the root, 2 on the current path
        state[0] = 1
        for start in range(1, len(parent)):
            if state[start]:
                continue
            path = []
            node = start
            while not state[node]:
                state[node] = 2
                path.append(node)
                node = parent[node]
            if state[node] == 2:
                loop = path[path.index(node) :]
                first = min(loop, key=lambda i: (self.post(i)["time"], self.mids[i]))
                parent[first] = 0
                self.reparented[self.mids[first]] = "self" if len(loop) == 1 else "cycle"
            for node in path:
                state[node] = 1


# --- small cascades: lists only ----------------------------------------------------------------


class _SmallTree:
    """Reach and roles with lists, dicts and Counters.

    Reach: every post adds one to each of its ancestors except the root, one level at a time:
    level 1 lists the parents of all posts, level d + 1 the parents of level d, the root dropped
    each time, and one Counter adds them up. That is O(sum of depths), a few C-level passes on
    the shallow trees of real cascades; past 16 passes per post the numpy path takes over.
    """

    def __init__(self, tree: _Tree) -> None:
        self.tree = tree
        n = len(tree.mids)
        # parent[n] is a sentinel that dead nodes point to: it answers the root.
        parent = [0, *tree.parents(), 0]
        for i in tree.dead:
            parent[i] = n
        if -2 in parent:
            for i in compress(range(n), map((-2).__eq__, parent)):
                parent[i] = 0
                tree.reparented[tree.mids[i]] = "missing"
        self.parent = parent
        below, deep = self._levels(16 * n + 64)
        if below is None:  # loops, or too deep for levels
            tree.break_loops(parent)
            if not deep:
                below, deep = self._levels(16 * n + 64)
            if below is None:
                below = self._from_numpy()
        below.pop(n, None)
        self.below = below  # node -> reach, for the nodes other than the root with reach > 0

    def _levels(self, budget: int) -> tuple[Counter[int] | None, bool]:
        """The reach counts, or None and whether the tree was too deep (else it has loops)."""
        parent = self.parent
        levels = []
        level = list(filter(None, parent))
        while level:
            levels.append(level)
            budget -= len(level)
            if budget < 0:
                return None, True
            up = list(filter(None, map(parent.__getitem__, level)))
            if len(up) == len(level):
                # Depths are contiguous, so without loops every level is shorter than the last.
                return None, False
            level = up
        return Counter(chain.from_iterable(levels)), False

    def _from_numpy(self) -> Counter[int]:
        n = len(self.tree.mids)
        parent = np.array(self.parent[:n], dtype=np.int64)
        parent[0] = -1
        if self.tree.dead:
            parent[self.tree.dead] = -1
        sizes, stuck = _descendants(parent)
        assert not stuck.size
        sizes[0] = 0
        nonzero = np.flatnonzero(sizes)
        return Counter(dict(zip(nonzero.tolist(), sizes[nonzero].tolist(), strict=True)))

    def direct_posts(self) -> list[Post]:
        return list(compress(self.tree.posts, map(not_, islice(self.parent, 1, None))))

    def multi_posters(self, min_posts: int) -> dict[Any, tuple[Any, ...]]:
        tree = self.tree
        uids, mids = tree.uids, tree.mids
        counts = Counter(uids)
        for i in tree.dead:
            counts[uids[i]] -= 1
        heavy = list(compress(counts, map(le, repeat(min_posts), counts.values())))
        if not heavy:
            return {}
        if tree.dead or len(heavy) > 4:
            chosen = set(heavy)
            return self._group(compress(range(len(uids)), map(chosen.__contains__, uids)))
        # A few accounts: find their posts with `list.index`, a C-level scan each.
        groups = {}
        for uid in heavy:
            at = -1
            group = []
            for _ in range(counts[uid]):
                at = uids.index(uid, at + 1)
                group.append(mids[at])
            group.sort()
            groups[uid] = tuple(group)
        return groups

    def inciters(
        self,
        hub_min_reach: int,
        hub_share: float,
        cue_min_reach: int,
        pattern: re.Pattern[str] | None,
    ) -> dict[Any, tuple[Any, ...]]:
        tree, below = self.tree, self.below
        hub = max(hub_min_reach, math.ceil(hub_share * (tree.size - 1)))
        if hub <= 0 or (pattern is not None and cue_min_reach <= 0):
            # Posts that nobody answered count too: go over all of them.
            dead = set(tree.dead)
            every = [i for i in range(1, len(tree.mids)) if i not in dead]
            reach = [below.get(i, 0) for i in every]
        else:
            every = list(below)
            reach = list(below.values())
        chosen = list(compress(every, map(le, repeat(hub), reach)))
        if pattern is not None:
            # Hubs are in already: reading and searching their texts would change nothing.
            low = list(compress(every, map(hub.__gt__, reach)))
            if cue_min_reach > 1:
                low = list(
                    compress(low, map(le, repeat(cue_min_reach), map(below.__getitem__, low)))
                )
            posts = tree.posts
            texts = list(map(_TEXT, map(posts.__getitem__, map((-1).__add__, low))))
            chosen += map(low.__getitem__, _cue_hits(texts, pattern))
        return self._group(chosen)

    def _group(self, nodes: Iterable[int]) -> dict[Any, tuple[Any, ...]]:
        """uid -> sorted mids of the given live nodes."""
        uids, mids = self.tree.uids, self.tree.mids
        dead = set(self.tree.dead)
        groups: dict[Any, list[Any]] = {}
        for i in nodes:
            if dead and i in dead:
                continue
            group = groups.get(uids[i])
            if group is None:
                groups[uids[i]] = [mids[i]]
            else:
                group.append(mids[i])
        return {uid: tuple(sorted(ms)) if len(ms) > 1 else (ms[0],) for uid, ms in groups.items()}

    def reach_by_mid(self) -> dict[Any, int]:
        tree, below = self.tree, self.below
        out = dict.fromkeys(tree.index, 0)
        out[tree.mids[0]] = tree.size - 1
        out.update(zip(map(tree.mids.__getitem__, below), below.values(), strict=True))
        return out


# --- large cascades: numpy ---------------------------------------------------------------------


class _LargeTree:
    """Reach and roles over numpy arrays; see `_descendants` for the subtree sizes."""

    def __init__(self, tree: _Tree) -> None:
        self.tree = tree
        n = len(tree.mids)
        parent = np.empty(n, dtype=np.int64)
        parent[0] = -1
        parent[1:] = tree.parents(as_array=True)
        if tree.dead:
            parent[tree.dead] = -1
        self._reattach(parent, np.flatnonzero(parent == -2), "missing")
        self._reattach(parent, np.flatnonzero(parent == np.arange(n)), "self")
        sizes, stuck = _descendants(parent)
        if stuck.size:
            # Only the nodes that never reach the root are wrong: they and everything below them
            # move under the root once their loops are broken, so recount them on their own.
            self._break_cycles(parent, stuck)
            local = np.searchsorted(stuck, parent[stuck])
            local[parent[stuck] == 0] = -1
            below, left = _descendants(local)
            assert not left.size
            sizes[stuck] = below
            sizes[0] += stuck.size
        self.parent = parent
        self.sizes = sizes
        self._all_codes: np.ndarray | None = None
        self.alive: np.ndarray | None = None
        if tree.dead:
            self.alive = np.ones(n, dtype=bool)
            self.alive[tree.dead] = False

    def _reattach(self, parent: np.ndarray, nodes: np.ndarray, why: str) -> None:
        parent[nodes] = 0
        mids = self.tree.mids
        self.tree.reparented.update(zip(map(mids.__getitem__, nodes.tolist()), repeat(why)))

    def _break_cycles(self, parent: np.ndarray, stuck: np.ndarray) -> None:
        # Following the parent links len(stuck) times from any stuck node ends on a loop, and
        # every loop node is reached; doubling gets there in log2(len(stuck)) steps.
        hop = np.searchsorted(stuck, parent[stuck])
        for _ in range(max(1, int(stuck.size).bit_length())):
            hop = hop[hop]
        tree = self.tree
        pending = set(stuck[np.unique(hop)].tolist())
        while pending:
            start = pending.pop()
            members = [start]
            node = int(parent[start])
            while node != start:
                members.append(node)
                pending.discard(node)
                node = int(parent[node])
            first = min(members, key=lambda i: (tree.post(i)["time"], tree.mids[i]))
            self._reattach(parent, np.array([first]), "cycle")

    def _live(self, mask: np.ndarray) -> np.ndarray:
        """`mask` without the root and the dead nodes."""
        mask[0] = False
        return mask if self.alive is None else mask & self.alive

    def direct_posts(self) -> list[Post]:
        return _posts_at(self.tree.posts, self.parent[1:] == 0)

    def multi_posters(self, min_posts: int) -> dict[Any, tuple[Any, ...]]:
        nodes = self._may_repeat(min_posts)
        codes, keys = self._codes(nodes)
        picked = np.bincount(codes)[codes] >= min_posts
        return self._group(nodes[picked], codes[picked], keys)

    def _may_repeat(self, times: int) -> np.ndarray:
        """The live nodes whose uid may occur `times` times among them: a superset, cheap to find.

        Counting 10^6 mostly distinct uids in a dict is slow (a cache miss per uid). Instead,
        count hash buckets (about two uids per bucket) with numpy: a uid occurs at most as often
        as its bucket is filled, so only posts in full buckets need an exact count. Skipped when
        a sample of the uids shows that most of them repeat anyway.
        """
        uids = self.tree.uids
        n = len(uids)
        live = np.arange(n) if self.alive is None else np.flatnonzero(self.alive)
        if times <= 1 or len(set(uids[:4096].tolist())) < 2048:
            return live
        buckets = 1 << (2 * n).bit_length()
        slot = np.fromiter(map(hash, uids), np.int64, n)[live] & (buckets - 1)
        return live[np.bincount(slot, minlength=buckets)[slot] >= times]

    def inciters(
        self,
        hub_min_reach: int,
        hub_share: float,
        cue_min_reach: int,
        pattern: re.Pattern[str] | None,
    ) -> dict[Any, tuple[Any, ...]]:
        tree, sizes = self.tree, self.sizes
        hub = max(hub_min_reach, math.ceil(hub_share * (tree.size - 1)))
        chosen = self._live(sizes >= hub)
        if pattern is not None:
            # Hubs are in already: reading and searching their texts would change nothing.
            low = self._live(sizes >= cue_min_reach) & ~chosen
            texts = list(map(_TEXT, _posts_at(tree.posts, low[1:])))
            chosen[np.flatnonzero(low)[_cue_hits_repeated(texts, pattern)]] = True
        nodes = np.flatnonzero(chosen)
        return self._group(nodes, *self._codes(nodes))

    def _codes(self, nodes: np.ndarray) -> tuple[np.ndarray, Sequence[Any]]:
        """Codes of the uids of `nodes`, and `keys` with `keys[code] == uid`.

        A code is the position of the uid's first occurrence in `keys`, handed out by
        `dict.setdefault` in one C-level pass. When the nodes are most of the cascade, the codes
        of all uids are computed once and shared between the roles (a role can hold most of it).
        """
        uids = self.tree.uids
        if 2 * nodes.size > len(uids):
            if self._all_codes is None:
                first: dict[Any, int] = {}
                codes = map(first.setdefault, uids, count())
                self._all_codes = np.fromiter(codes, np.int64, len(uids))
            return self._all_codes[nodes], uids
        owners = uids[nodes].tolist()
        first = {}
        return np.fromiter(map(first.setdefault, owners, count()), np.int64, len(owners)), owners

    def _group(
        self, nodes: np.ndarray, codes: np.ndarray, keys: Sequence[Any]
    ) -> dict[Any, tuple[Any, ...]]:
        """uid -> sorted mids of the given nodes, grouped by one stable argsort over their codes.

        Within a group the nodes keep their order, so mids listed in ascending order need no
        real sorting (`list.sort` only checks them).
        """
        if not nodes.size:
            return {}
        counts = np.bincount(codes)
        present = np.flatnonzero(counts)
        rank = np.zeros(counts.size, dtype=np.uint16 if present.size <= 1 << 16 else np.int64)
        rank[present] = np.arange(present.size)
        nodes = nodes[np.argsort(rank[codes], kind="stable")]  # uint16: a linear radix sort
        ends = np.cumsum(counts[present]).tolist()
        owners = map(keys.__getitem__, present.tolist())
        mids = self.tree.mids
        groups = {}
        if 64 * present.size < nodes.size:
            # Few large groups: gather each on its own, so no list of all the mids is built.
            for uid, a, b in zip(owners, [0, *ends[:-1]], ends, strict=True):
                group = mids[nodes[a:b]].tolist()
                group.sort()
                groups[uid] = tuple(group)
            return groups
        every = mids[nodes].tolist()
        for uid, a, b in zip(owners, [0, *ends[:-1]], ends, strict=True):
            group = every[a:b]
            group.sort()
            groups[uid] = tuple(group)
        return groups

    def reach_by_mid(self) -> dict[Any, int]:
        """mid -> reach: a fresh dict of zeros plus the inner posts, or the index in place."""
        tree, sizes = self.tree, self.sizes
        nonzero = np.flatnonzero(sizes)
        if 2 * nonzero.size < sizes.size:
            out = dict.fromkeys(tree.index, 0)
            out.update(zip(tree.mids[nonzero].tolist(), sizes[nonzero].tolist(), strict=True))
            return out
        index = tree.index
        index.update(zip(tree.mids, sizes.tolist(), strict=True))
        # A repeated mid was last written with the reach of its last copy, which may be dead.
        for mid, node in tree.kept.items():
            index[mid] = int(sizes[node])
        return index


def _posts_at(posts: list[Post], mask: np.ndarray) -> list[Post]:
    """The posts where `mask` (one flag per post) is set."""
    if 16 * np.count_nonzero(mask) < mask.size:
        return list(map(posts.__getitem__, np.flatnonzero(mask).tolist()))
    return list(compress(posts, mask.tolist()))


# --- subtree sizes -----------------------------------------------------------------------------


def _descendants(parent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Number of strict descendants of every node of a forest (`parent` -1 at the tops).

    Runs of consecutive nodes that each answer the previous one, which has no other answer, are
    first merged into one weighted node, so an in-order chain collapses to a single node. Returns
    the sums and the nodes that never reach a top (on or below a loop; their sums are wrong).
    """
    n = parent.size
    weight = np.ones(n, dtype=np.int64)
    link = np.zeros(n, dtype=bool)
    if n > 1:
        children = np.bincount(parent[parent >= 0], minlength=n)
        link[1:] = (parent[1:] == np.arange(n - 1)) & (children[:-1] == 1)
    run = np.cumsum(~link) - 1  # node -> merged node
    tops = np.flatnonzero(~link)  # merged node -> its first (topmost) node
    up = parent[tops]
    merged_parent = np.where(up >= 0, run[np.maximum(up, 0)], -1)
    run_weight = np.add.reduceat(weight, tops)
    sums, stuck = _doubling(merged_parent, run_weight)
    # Node j of a run starting at t: the run's total below and including t, minus j - t + 1.
    total = sums + run_weight
    below = np.arange(n)  # weight before each node ...
    start = below[tops]  # ... and before each run, so the prefix within the run is the gap
    sizes = total[run] - (below + 1 - start[run])
    return sizes, np.flatnonzero(np.isin(run, stuck)) if stuck.size else stuck


def _doubling(parent: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pointer doubling: S_(k+1) = S_k + T_k S_k, where S_k sums the weights of the descendants
    within distance 2^k and T_k moves values up to the 2^k-th ancestor.

    A node leaves the active set once that ancestor falls past the top. Depths are contiguous, so
    a round in which nobody leaves means every active node lies on or below a loop: those are
    returned as the second value. Each round costs O(active nodes).
    """
    n = parent.size
    sentinel = n
    anc = np.append(np.where(parent >= 0, parent, sentinel), sentinel)
    active = np.flatnonzero(anc[:n] != sentinel)
    sums = np.bincount(anc[active], weights=weight[active], minlength=n + 1).astype(np.int64)
    while active.size:
        up = anc[active]
        np.add.at(sums, up, sums[active])
        anc_up = anc[up]
        anc[active] = anc_up
        keep = anc_up != sentinel
        if keep.all():
            return sums[:n], active
        active = active[keep]
    return sums[:n], active


# --- roles shared by both paths ----------------------------------------------------------------


def _first_forwarders(direct: list[Post], k: int, originator: Any) -> dict[Any, tuple[Any, ...]]:
    """Authors of the k earliest posts answering the root (by time, then mid), the originator's
    own excluded.

    Comparing bare times is much cheaper than building (time, mid) keys for every answer: find
    the time of the `need`-th earliest answer and order only the answers up to it (ties
    included). If too many of those are the originator's, look further.
    """
    if k == 0 or not direct:
        return {}
    times = list(map(_TIME, direct))
    need = k
    while True:
        if need >= len(times):
            early = direct
        else:
            last = min(times) if need == 1 else heapq.nsmallest(need, times)[-1]
            if need == 1 and times.count(last) == 1:
                early = [direct[times.index(last)]]
            else:
                early = list(compress(direct, map(le, times, repeat(last))))
        chosen = list(compress(early, map(ne, map(_UID, early), repeat(originator))))
        if len(chosen) >= k or len(early) == len(direct):
            break
        need = k + len(early) - len(chosen)
    chosen.sort(key=lambda p: (p["time"], p["mid"]))
    groups: dict[Any, list[Any]] = {}
    for post in chosen[:k]:
        groups.setdefault(post["uid"], []).append(post["mid"])
    return {uid: tuple(sorted(ms)) for uid, ms in groups.items()}


def _cue_hits(texts: list[Any], pattern: re.Pattern[str]) -> list[int]:
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
    found = [m.start() for m in pattern.finditer(joined)]
    if not found:
        return []
    ends = list(accumulate(map((1).__add__, map(len, texts))))  # one past each text's newline
    return sorted({bisect_right(ends, at) for at in found})


def _cue_hits_repeated(texts: list[Any], pattern: re.Pattern[str]) -> list[int]:
    """`_cue_hits` for many texts that repeat (silent reposts, stock phrases): each distinct
    text is searched once."""
    try:
        distinct = list(dict.fromkeys(texts))
    except TypeError:  # an unhashable text
        return _cue_hits(texts, pattern)
    if 2 * len(distinct) > len(texts):
        return _cue_hits(texts, pattern)
    hits = set(map(distinct.__getitem__, _cue_hits(distinct, pattern)))
    if not hits:
        return []
    return list(compress(range(len(texts)), map(hits.__contains__, texts)))


@lru_cache(maxsize=16)
def _cue_pattern(cues: tuple[str, ...]) -> re.Pattern[str]:
    if any("\n" in c or not c for c in cues):
        raise ValueError("cues must be non-empty and must not contain a newline")
    return re.compile("|".join(map(re.escape, sorted(cues, key=len, reverse=True))))
