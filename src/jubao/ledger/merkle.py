"""RFC 6962 Merkle tree hashing, in pure Python (no Django).

Leaf hash = SHA-256(0x00 || leaf bytes); interior node = SHA-256(0x01 || left || right). The root
of n leaves is RFC 6962's MTH: for n > 1, split at k, the largest power of two smaller than n, and
hash MTH(D[0:k]) with MTH(D[k:n]). The 0x00/0x01 prefixes keep a leaf from ever being mistaken
for an interior node (second-preimage resistance).

Appends keep a *frontier*: the roots of the perfect subtrees along the right edge of the tree, one
per set bit of the size, largest first. Appending is O(log n) and the root is a right fold of the
frontier, which equals MTH because the largest perfect subtree is exactly MTH's left half.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def frontier_append(frontier: list[bytes], size: int, leaf: bytes) -> list[bytes]:
    """Return the frontier of a tree of `size + 1` leaves, given the one of `size` leaves.

    Each trailing 1-bit of `size` is a perfect subtree that the new leaf completes, so it is
    merged with the running hash, exactly like a binary carry.
    """
    merged = list(frontier)
    carry = leaf
    n = size
    while n & 1:
        carry = node_hash(merged.pop(), carry)
        n >>= 1
    merged.append(carry)
    return merged


def frontier_root(frontier: Sequence[bytes]) -> bytes:
    """MTH of the tree whose right edge is `frontier` (the empty tree hashes the empty string)."""
    if not frontier:
        return EMPTY_ROOT
    root = frontier[-1]
    for subtree in reversed(frontier[:-1]):
        root = node_hash(subtree, root)
    return root


def _split(n: int) -> int:
    """The largest power of two strictly smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def tree_root(leaves: Sequence[bytes]) -> bytes:
    """MTH over already hashed leaves, straight from RFC 6962's definition."""
    n = len(leaves)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaves[0]
    k = _split(n)
    return node_hash(tree_root(leaves[:k]), tree_root(leaves[k:]))


def inclusion_proof(leaves: Sequence[bytes], index: int, size: int) -> list[bytes]:
    """RFC 6962 audit path of leaf `index` in the tree of the first `size` hashed leaves."""
    if not 0 <= index < size <= len(leaves):
        raise ValueError("index must be within the tree size")
    return _path(leaves[:size], index)


def _path(leaves: Sequence[bytes], m: int) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = _split(n)
    if m < k:
        return [*_path(leaves[:k], m), tree_root(leaves[k:])]
    return [*_path(leaves[k:], m - k), tree_root(leaves[:k])]


def verify_inclusion(
    *, leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Check an audit path (RFC 9162 section 2.1.3.2 algorithm) against a known root."""
    if not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    result = leaf
    for sibling in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            # Skip the levels where this node is the lone right-most child.
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            result = node_hash(result, sibling)
        fn >>= 1
        sn >>= 1
    return sn == 0 and result == root
