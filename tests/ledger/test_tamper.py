"""An attacker with database access (but not the ledger's keys) edits the ledger; verify says so.

Each test first drops the guard triggers with raw SQL, as such an attacker would, then tampers,
then runs `jubao ledger verify`, which must exit with status 1 and name the first bad entry.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings

from jubao.ledger import merkle, signing
from jubao.ledger.canonical import leaf_bytes
from jubao.ledger.models import LedgerEntry
from jubao.ledger.services import ledger_append, ledger_checkpoint

pytestmark = pytest.mark.django_db
DropGuard = Callable[[], None]


def _fill(n: int) -> None:
    for i in range(n):
        ledger_append(actor="user:2", action="case.review", ref=f"cases.case:{i}", payload={"i": i})


def _sql(statement: str, params: Sequence[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _verify_fails() -> str:
    with pytest.raises(CommandError) as caught:
        call_command("ledger", "verify", stdout=io.StringIO(), stderr=io.StringIO())
    assert caught.value.returncode == 1
    return str(caught.value)


def _leaf(index: int, entry: LedgerEntry) -> str:
    data = leaf_bytes(
        index=index,
        time=entry.created_at,
        actor=entry.actor,
        action=entry.action,
        ref=entry.ref,
        payload=entry.payload_hash,
    )
    return merkle.leaf_hash(data).hex()


def _rewrite_head() -> None:
    """A careful attacker also makes the head row agree with the entries left."""
    frontier: list[bytes] = []
    leaves = LedgerEntry.objects.order_by("index").values_list("leaf_hash", flat=True)
    for size, leaf in enumerate(leaves):
        frontier = merkle.frontier_append(frontier, size, bytes.fromhex(leaf))
    _sql(
        "UPDATE ledger_ledgerhead SET size = %s, frontier = %s, root_hash = %s",
        [len(leaves), " ".join(f.hex() for f in frontier), merkle.frontier_root(frontier).hex()],
    )


def test_updated_action(drop_guard: DropGuard) -> None:
    _fill(6)
    drop_guard()
    _sql("UPDATE ledger_ledgerentry SET action = 'case.close' WHERE \"index\" = 3")
    message = _verify_fails()
    assert "first bad entry: 3" in message and "leaf hash" in message


def test_updated_action_with_recomputed_leaf_hash(drop_guard: DropGuard) -> None:
    _fill(6)
    drop_guard()
    entry = LedgerEntry.objects.get(index=2)
    entry.action = "case.close"
    _sql(
        'UPDATE ledger_ledgerentry SET action = %s, leaf_hash = %s WHERE "index" = 2',
        [entry.action, _leaf(2, entry)],
    )
    _rewrite_head()
    message = _verify_fails()
    assert "first bad entry: 2" in message and "seal" in message


def test_deleted_entry(drop_guard: DropGuard) -> None:
    _fill(6)
    drop_guard()
    _sql('DELETE FROM ledger_ledgerentry WHERE "index" = 4')
    message = _verify_fails()
    assert "first bad entry: 4" in message and "missing" in message


def test_entry_inserted_in_the_middle(drop_guard: DropGuard) -> None:
    _fill(6)
    drop_guard()
    # Shift entries 3.. up by one (through negative numbers, to keep the key unique) ...
    _sql('UPDATE ledger_ledgerentry SET "index" = -("index" + 1) WHERE "index" >= 3')
    _sql('UPDATE ledger_ledgerentry SET "index" = -"index" WHERE "index" < 0')
    # ... and forge entry 3, with a correct leaf hash but no valid seal.
    forged = LedgerEntry.objects.get(index=2)
    forged.action = "case.close"
    _sql(
        'INSERT INTO ledger_ledgerentry ("index", created_at, actor, action, ref, payload_hash,'
        " leaf_hash, seal) VALUES (3, %s, %s, %s, %s, %s, %s, %s)",
        [
            forged.created_at,
            forged.actor,
            forged.action,
            forged.ref,
            forged.payload_hash,
            _leaf(3, forged),
            "0" * 64,
        ],
    )
    _rewrite_head()
    assert "first bad entry: 3" in _verify_fails()


def test_two_entries_reordered(drop_guard: DropGuard) -> None:
    _fill(6)
    drop_guard()
    _sql('UPDATE ledger_ledgerentry SET "index" = -1 WHERE "index" = 1')
    _sql('UPDATE ledger_ledgerentry SET "index" = 1 WHERE "index" = 4')
    _sql('UPDATE ledger_ledgerentry SET "index" = 4 WHERE "index" = -1')
    assert "first bad entry: 1" in _verify_fails()


def test_truncated_tail(drop_guard: DropGuard) -> None:
    _fill(8)
    drop_guard()
    _sql('DELETE FROM ledger_ledgerentry WHERE "index" >= 5')
    message = _verify_fails()
    assert "first bad entry: 5" in message and "head records 8" in message


@override_settings(JUBAO_LEDGER_CHECKPOINT_ENTRIES=4)
def test_truncated_tail_after_a_checkpoint_even_with_the_head_rewritten(
    drop_guard: DropGuard,
) -> None:
    _fill(9)  # checkpoints at 4 and 8
    drop_guard()
    _sql('DELETE FROM ledger_ledgerentry WHERE "index" >= 6')
    _rewrite_head()
    message = _verify_fails()
    assert "first bad entry: 6" in message and "checkpoint at size 8" in message


@override_settings(JUBAO_LEDGER_CHECKPOINT_ENTRIES=4)
def test_rewrite_with_the_seal_key_is_caught_by_the_signed_checkpoint(
    drop_guard: DropGuard,
) -> None:
    # Even an attacker who stole the seal key (but not the signing key) cannot rewrite
    # history that a checkpoint covers.
    _fill(9)
    drop_guard()
    entry = LedgerEntry.objects.get(index=5)
    entry.action = "case.close"
    leaf = _leaf(5, entry)
    _sql(
        'UPDATE ledger_ledgerentry SET action = %s, leaf_hash = %s, seal = %s WHERE "index" = 5',
        [entry.action, leaf, signing.entry_seal(leaf)],
    )
    _rewrite_head()
    message = _verify_fails()
    assert "first bad entry: 4" in message and "from 4 to 7 was changed" in message


def test_forged_checkpoint_signature(drop_guard: DropGuard) -> None:
    _fill(3)
    ledger_checkpoint()
    drop_guard()
    _sql("UPDATE ledger_ledgercheckpoint SET signature = %s", ["00" * 64])
    assert "invalid signature" in _verify_fails()


def test_missing_triggers_are_a_warning(drop_guard: DropGuard) -> None:
    _fill(1)
    drop_guard()
    err = io.StringIO()
    call_command("ledger", "verify", stdout=io.StringIO(), stderr=err)
    assert "guard triggers missing" in err.getvalue()
