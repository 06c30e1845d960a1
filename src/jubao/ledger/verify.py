"""Verification of the whole ledger, and inclusion proofs.

`ledger_verify()` streams the entries in index order once (memory O(log n)) and stops at the
first problem, naming the entry. It checks:

1. indexes are contiguous from 0 and times never go backwards;
2. each entry's content hashes to its stored leaf hash, and the leaf hash carries a valid seal
   (HMAC with a key outside the database), so an edit is pinned to the entry it touched;
3. each checkpoint's signature is valid for a trusted key, and its root equals the root
   recomputed over the first `tree_size` entries. Because all roots come from one walk over the
   same entries, every earlier checkpoint's tree is a prefix of every later one's
   (consistency between consecutive checkpoints);
4. no checkpoint covers more entries than are stored (a truncated tail);
5. the head row (size, frontier, root) equals the recomputed tree.
Missing guard triggers are reported as warnings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from jubao.ledger import guard, merkle, signing
from jubao.ledger.canonical import format_time, leaf_bytes
from jubao.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerHead

Progress = Callable[[int, int], None]
_FIELDS = ("index", "created_at", "actor", "action", "ref", "payload_hash", "leaf_hash", "seal")


@dataclass
class VerifyResult:
    """The outcome of `ledger_verify()`: `ok`, or the first bad entry and what is wrong."""

    ok: bool = True
    size: int = 0
    root_hash: str = merkle.EMPTY_ROOT.hex()
    checkpoints: int = 0
    first_bad_index: int | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.ok:
            return (
                f"ledger OK: {self.size} entries, root {self.root_hash}, "
                f"{self.checkpoints} checkpoints verified"
            )
        where = "" if self.first_bad_index is None else f"first bad entry: {self.first_bad_index}; "
        return f"ledger BROKEN: {where}{self.error}"


class _Failure(Exception):
    def __init__(self, index: int | None, message: str) -> None:
        super().__init__(message)
        self.index = index
        self.message = message


class _Walk:
    """The running state of one pass over the entries."""

    def __init__(self, keys: dict[str, Ed25519PublicKey], checkpoints: list[LedgerCheckpoint]):
        self.keys = keys
        self.pending = checkpoints  # sorted by tree_size; consumed from the front
        self.frontier: list[bytes] = []
        self.size = 0
        self.previous_time: dt.datetime | None = None
        self.last_checkpoint_size = 0
        self.last_checkpoint_time: dt.datetime | None = None
        self.verified = 0

    def entry(self, row: tuple) -> None:
        index, time, actor, action, ref, digest, stored_leaf, seal = row
        if index != self.size:
            raise _Failure(
                self.size, f"entry {self.size} is missing (the next stored entry is {index})"
            )
        if self.previous_time is not None and time < self.previous_time:
            raise _Failure(index, f"entry {index} is older than entry {index - 1}")
        data = leaf_bytes(
            index=index, time=time, actor=actor, action=action, ref=ref, payload=digest
        )
        leaf = merkle.leaf_hash(data)
        if leaf.hex() != stored_leaf:
            raise _Failure(index, f"entry {index} does not match its leaf hash (content changed)")
        if not signing.seal_matches(stored_leaf, seal):
            raise _Failure(index, f"entry {index} has an invalid seal (forged or altered)")
        self.frontier = merkle.frontier_append(self.frontier, self.size, leaf)
        self.size += 1
        self.previous_time = time
        self.checkpoints_due()

    def checkpoints_due(self) -> None:
        while self.pending and self.pending[0].tree_size == self.size:
            self.checkpoint(self.pending.pop(0))

    def checkpoint(self, cp: LedgerCheckpoint) -> None:
        size = cp.tree_size
        key = self.keys.get(cp.key_id)
        if key is None:
            raise _Failure(None, f"checkpoint at size {size} is signed by unknown key {cp.key_id}")
        message = signing.checkpoint_message(
            tree_size=size,
            root_hash=cp.root_hash,
            time=format_time(cp.created_at),
            key_id=cp.key_id,
        )
        if not signing.verify_signature(key, message, cp.signature):
            raise _Failure(None, f"checkpoint at size {size} has an invalid signature")
        if merkle.frontier_root(self.frontier).hex() != cp.root_hash:
            raise _Failure(
                self.last_checkpoint_size,
                f"the root of the first {size} entries differs from the signed checkpoint: "
                f"an entry from {self.last_checkpoint_size} to {size - 1} was changed",
            )
        if self.last_checkpoint_time and cp.created_at < self.last_checkpoint_time:
            raise _Failure(None, f"checkpoint at size {size} is older than the one before it")
        self.last_checkpoint_size = size
        self.last_checkpoint_time = cp.created_at
        self.verified += 1


def _rows(batch: int) -> Iterator[tuple]:
    yield from LedgerEntry.objects.order_by("index").values_list(*_FIELDS).iterator(batch)


def _check_tail(walk: _Walk) -> None:
    if walk.pending:
        size = walk.pending[0].tree_size
        raise _Failure(
            walk.size,
            f"checkpoint at size {size} covers entries {walk.size} to {size - 1}, "
            "which are missing",
        )
    head = LedgerHead.objects.filter(pk=1).first()
    if head is None:
        if walk.size:
            raise _Failure(None, "the ledger head row is missing")
        return
    if head.size != walk.size:
        raise _Failure(
            min(head.size, walk.size),
            f"the head records {head.size} entries but {walk.size} are stored",
        )
    if head.frontier_bytes() != walk.frontier or (
        walk.size and head.root_hash != merkle.frontier_root(walk.frontier).hex()
    ):
        raise _Failure(None, "the head's frontier or root does not match the entries")


def ledger_verify(
    *,
    public_keys: Sequence[Ed25519PublicKey] | None = None,
    progress: Progress | None = None,
    progress_every: int = 10_000,
    batch_size: int = 2_000,
) -> VerifyResult:
    """Recompute and check the whole ledger; see the module docstring for what is checked.

    `public_keys` are the keys trusted for checkpoints (default: this server's signing key).
    `progress(done, total)` is called every `progress_every` entries.
    """
    keys = {signing.key_id_of(k): k for k in (public_keys or [signing.public_key()])}
    checkpoints = list(LedgerCheckpoint.objects.order_by("tree_size"))
    walk = _Walk(keys, checkpoints)
    result = VerifyResult()
    total = LedgerEntry.objects.count()
    try:
        walk.checkpoints_due()  # a checkpoint of the empty tree
        for row in _rows(batch_size):
            walk.entry(row)
            if progress and walk.size % progress_every == 0:
                progress(walk.size, total)
        _check_tail(walk)
    except _Failure as failure:
        result.ok = False
        result.first_bad_index = failure.index
        result.error = failure.message
    result.size = walk.size
    result.root_hash = merkle.frontier_root(walk.frontier).hex()
    result.checkpoints = walk.verified
    missing = guard.missing_triggers()
    if missing:
        result.warnings.append("guard triggers missing or disabled: " + ", ".join(missing))
    return result


def _leaf_hashes(size: int) -> list[bytes]:
    rows = LedgerEntry.objects.filter(index__lt=size).order_by("index")
    return [bytes.fromhex(h) for h in rows.values_list("leaf_hash", flat=True)]


def ledger_inclusion_proof(*, index: int, size: int) -> list[str]:
    """Hex audit path proving entry `index` is in the tree of the first `size` entries."""
    return [node.hex() for node in merkle.inclusion_proof(_leaf_hashes(size), index, size)]


def ledger_verify_inclusion(
    *, entry: LedgerEntry, size: int, proof: Sequence[str], root_hash: str
) -> bool:
    """Check that `entry`, as stored now, is the leaf `entry.index` of a tree with `root_hash`.

    The leaf hash is recomputed from the entry's content, so an altered entry fails.
    """
    data = leaf_bytes(
        index=entry.index,
        time=entry.created_at,
        actor=entry.actor,
        action=entry.action,
        ref=entry.ref,
        payload=entry.payload_hash,
    )
    return merkle.verify_inclusion(
        leaf=merkle.leaf_hash(data),
        index=entry.index,
        size=size,
        proof=[bytes.fromhex(node) for node in proof],
        root=bytes.fromhex(root_hash),
    )
