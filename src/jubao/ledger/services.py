"""Writing to the work ledger.

Every change of state in jubao records one entry, in the same transaction as the change:

    with transaction.atomic():
        office.save(update_fields=[...])
        ledger_append(actor=actor_ref(request.user), action="office.update", ref=obj_ref(office),
                      payload={"fields": ["name"]})

Entries must never hold personal data. `actor`, `action` and `ref` are stored in clear and are
restricted to short ASCII tokens ("user:12", "office.create", "accounts.office:3"); the payload
is never stored, only the SHA-256 of its canonical JSON, so it may describe the change, but
should still refer to people by reference, not by name or number.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from jubao.ledger import merkle, signing
from jubao.ledger.canonical import format_time, leaf_bytes, payload_hash
from jubao.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerHead

_ACTOR = re.compile(r"^(system|anonymous|[a-z][a-z_]*:[A-Za-z0-9_.-]{1,64})$")
_ACTION = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
# References are app_label.model:key (or another short ASCII token); no spaces, no '@', no
# Chinese characters, so a name or an e-mail address cannot slip in by accident.
_REF = re.compile(r"^[A-Za-z0-9_.:/#-]{1,200}$")


class LedgerStateError(RuntimeError):
    """The ledger's head does not match its entries; run `jubao ledger verify`."""


def actor_ref(user: Any = None) -> str:
    """The actor token of a user: "user:<pk>", or "anonymous" for None/anonymous users."""
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return "anonymous"
    return f"user:{user.pk}"


def obj_ref(instance: models.Model) -> str:
    """The reference of a saved model instance: "<app_label>.<model_name>:<pk>"."""
    if instance.pk is None:
        raise ValueError("obj_ref() needs a saved instance with a primary key")
    meta = instance._meta
    return f"{meta.app_label}.{meta.model_name}:{instance.pk}"


def _check_tokens(*, actor: str, action: str, ref: str) -> None:
    if not _ACTOR.match(actor):
        raise ValueError(f"bad ledger actor {actor!r}: expected system, anonymous or kind:id")
    if not _ACTION.match(action):
        raise ValueError(f"bad ledger action {action!r}: expected a dotted verb like case.accept")
    if not _REF.match(ref):
        raise ValueError(f"bad ledger ref {ref!r}: expected app_label.model:pk")


def _lock_head() -> LedgerHead:
    """Lock the head row, creating it on the very first append.

    On PostgreSQL the row lock orders concurrent appenders; on SQLite the IMMEDIATE transaction
    already holds the write lock, and select_for_update() is a no-op.
    """
    head = LedgerHead.objects.select_for_update().filter(pk=1).first()
    if head is not None:
        return head
    if LedgerEntry.objects.exists():
        # Another appender may have created the head and its first entry since our first look
        # (each statement sees what was committed when it began): look again before refusing.
        head = LedgerHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            raise LedgerStateError("the ledger head row is missing while entries exist")
        return head
    try:
        with transaction.atomic():
            LedgerHead.objects.create(pk=1, checkpoint_at=timezone.now())
    except IntegrityError:
        pass  # Another appender created it first; take its lock below.
    return LedgerHead.objects.select_for_update().get(pk=1)


def ledger_append(
    *, actor: str, action: str, ref: str, payload: Mapping[str, Any] | None = None
) -> LedgerEntry:
    """Append one entry and return it; commits with the caller's transaction.

    Call it inside the `transaction.atomic()` that makes the change, so that both commit or
    neither does. Called outside one, it opens its own. Indexes are consecutive from 0 with no
    gaps, also under concurrent appends (the head row is locked). Times never go backwards: if
    the clock does, the entry takes the previous entry's time. A signed checkpoint is written
    when JUBAO_LEDGER_CHECKPOINT_ENTRIES entries or JUBAO_LEDGER_CHECKPOINT_MINUTES minutes
    have passed since the last one.
    """
    _check_tokens(actor=actor, action=action, ref=ref)
    digest = payload_hash(payload)
    with transaction.atomic(savepoint=False):
        head = _lock_head()
        now = timezone.now()
        if head.last_time is not None and now < head.last_time:
            now = head.last_time
        data = leaf_bytes(
            index=head.size, time=now, actor=actor, action=action, ref=ref, payload=digest
        )
        leaf = merkle.leaf_hash(data)
        entry = LedgerEntry(
            index=head.size,
            created_at=now,
            actor=actor,
            action=action,
            ref=ref,
            payload_hash=digest,
            leaf_hash=leaf.hex(),
            seal=signing.entry_seal(leaf.hex()),
        )
        entry.save()
        frontier = merkle.frontier_append(head.frontier_bytes(), head.size, leaf)
        head.size += 1
        head.frontier = " ".join(part.hex() for part in frontier)
        head.root_hash = merkle.frontier_root(frontier).hex()
        head.last_time = now
        if _checkpoint_due(head, now):
            _write_checkpoint(head, now)
        head.save()
    return entry


def _checkpoint_due(head: LedgerHead, now: dt.datetime) -> bool:
    every = settings.JUBAO_LEDGER_CHECKPOINT_ENTRIES
    minutes = settings.JUBAO_LEDGER_CHECKPOINT_MINUTES
    if head.size - head.checkpoint_size >= every:
        return True
    return now - head.checkpoint_at >= dt.timedelta(minutes=minutes)


def _write_checkpoint(head: LedgerHead, now: dt.datetime) -> LedgerCheckpoint:
    """Sign the head's current size and root; the caller saves the head afterwards."""
    key_id = signing.key_id_of(signing.public_key())
    root = head.root_hash or merkle.EMPTY_ROOT.hex()
    message = signing.checkpoint_message(
        tree_size=head.size, root_hash=root, time=format_time(now), key_id=key_id
    )
    checkpoint = LedgerCheckpoint(
        tree_size=head.size,
        root_hash=root,
        created_at=now,
        key_id=key_id,
        signature=signing.sign(message),
    )
    checkpoint.save()
    head.checkpoint_size = head.size
    head.checkpoint_at = now
    return checkpoint


def ledger_checkpoint() -> LedgerCheckpoint:
    """Write a signed checkpoint of the ledger as it is now (or return the one for this size)."""
    with transaction.atomic():
        head = _lock_head()
        existing = LedgerCheckpoint.objects.filter(tree_size=head.size).first()
        if existing is not None:
            return existing
        now = timezone.now()
        if head.last_time is not None and now < head.last_time:
            now = head.last_time
        checkpoint = _write_checkpoint(head, now)
        head.save()
    return checkpoint
