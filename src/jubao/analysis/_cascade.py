"""The tree behind `jubao.analysis.propagation`: indexing, repairs and subtree sizes.

Node i is post i - 1 of the input list and node 0 is the root, so no list of posts is ever
rebuilt: duplicates are handled by marking the extra copies dead (no parent, no children) instead
of filtering them out. Subtree sizes come from pointer doubling over numpy arrays after
contracting runs of consecutive posts that each answer the one before (a reply chain listed in
order), so a chain 10^6 deep costs a few array passes. Nothing here recurses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from itertools import islice, repeat
from operator import itemgetter, le
from typing import Any

import numpy as np

Post = Mapping[str, Any]

_MID = itemgetter("mid")
_PARENT = itemgetter("parent")
_UID = itemgetter("uid")


@dataclass
class Tree:
    """The cascade as parallel per-node data; node 0 is the root, node i > 0 is `posts[i - 1]`.

    `parent[i]` is -1 for the root and for dead nodes (dropped copies of a repeated mid).
    `index` maps every distinct mid to its node; `repeated` lists the mids that had dead copies,
    whose entries in `mids` therefore name more than one node.
    """

    root: Post
    posts: list[Post]
    mids: list[Any]
    uids: list[Any]
    parent: np.ndarray
    index: dict[Any, int]
    alive: np.ndarray | None = None  # None when no node is dead
    repeated: list[Any] = field(default_factory=list)
    reparented: dict[Any, str] = field(default_factory=dict)

    @cached_property
    def mids_ascend(self) -> bool:
        """Whether the mids ascend with the nodes (posts listed in mid order, as dumps often are).

        Evidence lists mids sorted; when this holds, grouping in node order already sorts them.
        The check stops at the first descent, so it is cheap when it fails.
        """
        try:
            return all(map(le, self.mids, islice(self.mids, 1, None)))
        except TypeError:  # mids of different types: leave the sorting to `sorted`
            return False

    @property
    def size(self) -> int:
        return len(self.index)

    def time(self, i: int) -> Any:
        return self.root["time"] if i == 0 else self.posts[i - 1]["time"]

    def posts_at(self, nodes: np.ndarray) -> list[Post]:
        """The posts at nodes (all > 0), without a Python-level loop."""
        return list(map(self.posts.__getitem__, (nodes - 1).tolist()))

    def live(self, mask: np.ndarray) -> np.ndarray:
        """`mask` without the root and the dead nodes."""
        mask[0] = False
        return mask if self.alive is None else mask & self.alive


def build_tree(posts: list[Post], root: Post) -> Tree:
    """Index the posts, drop repeated copies and resolve parents (missing or self -> root)."""
    mids = [root["mid"], *map(_MID, posts)]
    # One hash pass; with repeated mids each one maps to its last copy, which _drop_copies fixes.
    index = dict(zip(mids, range(len(mids)), strict=True))
    tree = Tree(root, posts, mids, [root["uid"], *map(_UID, posts)], np.empty(0), index)
    if len(index) != len(mids):
        _drop_copies(tree)
    tree.parent = _parent_array(posts, index)
    if tree.alive is not None:
        tree.parent[~tree.alive] = -1
    _reattach(tree, np.flatnonzero(tree.parent == -2), "missing")
    _reattach(tree, np.flatnonzero(tree.parent == np.arange(tree.parent.size)), "self")
    return tree


def _drop_copies(tree: Tree) -> None:
    """Keep one node per mid, point `index` at it and mark the other copies dead.

    Copies of the root's mid in `posts` are dead. Of several copies of a post, the first whose
    parent is a known post (not itself) is kept, otherwise the first copy: in the CED data a
    repeated post sometimes has its parent blanked in one copy. Only repeated mids are looped
    over: the nodes `index` does not point at are exactly the earlier copies.
    """
    mids, index = tree.mids, tree.index
    alive = np.zeros(len(mids), dtype=bool)
    alive[np.fromiter(index.values(), np.int64, len(index))] = True
    earlier: dict[Any, list[int]] = defaultdict(list)
    for i in np.flatnonzero(~alive).tolist():
        earlier[mids[i]].append(i)
    for mid, nodes in earlier.items():
        nodes.append(index[mid])
        alive[nodes] = False
        keep = 0 if nodes[0] == 0 else _preferred_copy(tree.posts, nodes, index)
        alive[keep] = True
        index[mid] = keep
    tree.alive = alive
    tree.repeated = list(earlier)


def _preferred_copy(posts: list[Post], nodes: list[int], known: dict[Any, int]) -> int:
    for i in nodes:
        post = posts[i - 1]
        parent = post["parent"]
        if parent and parent != post["mid"] and parent in known:
            return i
    return nodes[0]


def _parent_array(posts: list[Post], index: dict[Any, int]) -> np.ndarray:
    """Parent node of every node: -1 for the root, 0 for a blank parent, -2 for an unknown one."""
    # Blank parents answer the root: map them to node 0 for the duration of the lookups.
    blanks = [b for b in ("", None) if b not in index]
    index.update(dict.fromkeys(blanks, 0))
    parent = np.empty(len(posts) + 1, dtype=np.int64)
    parent[0] = -1
    parent[1:] = np.fromiter(map(index.get, map(_PARENT, posts), repeat(-2)), np.int64, len(posts))
    for b in blanks:
        del index[b]
    return parent


def _reattach(tree: Tree, nodes: np.ndarray, why: str) -> None:
    tree.parent[nodes] = 0
    tree.reparented.update(zip(map(tree.mids.__getitem__, nodes.tolist()), repeat(why)))


# --- subtree sizes -----------------------------------------------------------------------------


def reach(tree: Tree) -> np.ndarray:
    """Descendants of every node; loops in the parent links are broken first (see below)."""
    ones = np.ones(tree.parent.size, dtype=np.int64)
    sizes, stuck = _descendants(tree.parent, ones)
    if stuck.size:
        # Only the nodes that never reach the root are wrong: they and everything below them
        # move under the root once their loops are broken, so recount them on their own.
        _break_cycles(tree, stuck)
        local = np.searchsorted(stuck, tree.parent[stuck])
        local[tree.parent[stuck] == 0] = -1
        below, left = _descendants(local, ones[: stuck.size])
        assert not left.size
        sizes[stuck] = below
        sizes[0] += stuck.size
    return sizes


def _descendants(parent: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weight of the strict descendants of every node of a forest (`parent` -1 at the tops).

    Runs of consecutive nodes that each answer the previous one, which has no other answer, are
    first merged into one weighted node, so an in-order chain collapses to a single node. Returns
    the sums and the nodes that never reach a top (on or below a loop; their sums are wrong).
    """
    n = parent.size
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
    below = np.cumsum(weight) - weight  # weight before each node ...
    start = below[tops]  # ... and before each run, so the prefix within the run is the gap
    sizes = total[run] - (below + weight - start[run])
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


def _break_cycles(tree: Tree, stuck: np.ndarray) -> None:
    """Attach the earliest post (by time, then mid) of every loop among `stuck` to the root.

    The earliest post cannot really answer a later one, so its parent link is the bad one; the
    choice depends only on the data, not on the order of `posts`.
    """
    parent = tree.parent
    # Following the parent links len(stuck) times from any stuck node ends on a loop, and every
    # loop node is reached; doubling gets there in log2(len(stuck)) steps.
    hop = np.searchsorted(stuck, parent[stuck])
    for _ in range(max(1, int(stuck.size).bit_length())):
        hop = hop[hop]
    pending = set(stuck[np.unique(hop)].tolist())
    while pending:
        start = pending.pop()
        members = [start]
        node = int(parent[start])
        while node != start:
            members.append(node)
            pending.discard(node)
            node = int(parent[node])
        earliest = min(members, key=lambda i: (tree.time(i), tree.mids[i]))
        _reattach(tree, np.array([earliest]), "cycle")
