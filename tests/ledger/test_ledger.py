"""Appending, checkpoints, the database guard and proofs of the work ledger."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, OperationalError, connection, connections, transaction
from django.test import override_settings
from django.utils import timezone

from jubao.ledger import signing
from jubao.ledger.canonical import canonical_json, format_time
from jubao.ledger.models import AppendOnlyError, LedgerCheckpoint, LedgerEntry
from jubao.ledger.services import actor_ref, ledger_append, ledger_checkpoint, obj_ref
from jubao.ledger.verify import ledger_inclusion_proof, ledger_verify, ledger_verify_inclusion

pytestmark = pytest.mark.django_db


def _fill(n: int) -> list[LedgerEntry]:
    return [
        ledger_append(actor="user:1", action="case.accept", ref=f"cases.case:{i}", payload={"i": i})
        for i in range(n)
    ]


def test_append_and_verify() -> None:
    entries = _fill(5)
    assert [e.index for e in entries] == [0, 1, 2, 3, 4]
    result = ledger_verify()
    assert result.ok, result.error
    assert result.size == 5 and result.warnings == []
    out = io.StringIO()
    call_command("ledger", "verify", stdout=out)
    assert "ledger OK: 5 entries" in out.getvalue()


def test_payload_is_stored_only_as_a_hash() -> None:
    payload = {"reporter": "金丝雀张三", "when": timezone.now()}
    entry = ledger_append(
        actor="system", action="report.submit", ref="intake.report:9", payload=payload
    )
    entry.refresh_from_db()
    expected = hashlib.sha256(canonical_json(payload).encode()).hexdigest()
    assert entry.payload_hash == expected
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM ledger_ledgerentry")
        stored = repr(cursor.fetchall())
    assert "金丝雀" not in stored


@pytest.mark.parametrize(
    "kwargs",
    [
        {"actor": "张三", "action": "case.accept", "ref": "cases.case:1"},
        {"actor": "user:1", "action": "accept", "ref": "cases.case:1"},
        {"actor": "user:1", "action": "case.accept", "ref": "a@b.example"},
        {"actor": "user:1", "action": "case.accept", "ref": "reporter 张三"},
    ],
)
def test_tokens_that_could_carry_personal_data_are_refused(kwargs: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        ledger_append(actor=kwargs["actor"], action=kwargs["action"], ref=kwargs["ref"])


def test_helpers() -> None:
    assert actor_ref(None) == "anonymous"
    assert actor_ref(SimpleNamespace(is_authenticated=False, pk=None)) == "anonymous"
    assert actor_ref(SimpleNamespace(is_authenticated=True, pk=12)) == "user:12"
    entry = ledger_append(actor="system", action="test.run", ref="x.y:1")
    assert obj_ref(entry) == "ledger.ledgerentry:0"


def test_model_rows_cannot_be_changed_through_django() -> None:
    entry = _fill(1)[0]
    entry.action = "case.reject"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_ledgerentry SET action = 'case.reject'",
        "DELETE FROM ledger_ledgerentry",
        "UPDATE ledger_ledgercheckpoint SET root_hash = 'x'",
        "DELETE FROM ledger_ledgercheckpoint",
    ],
)
def test_triggers_stop_raw_sql(sql: str) -> None:
    _fill(3)
    ledger_checkpoint()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        connection.cursor().execute(sql)
    assert LedgerEntry.objects.count() == 3
    assert ledger_verify().ok


def test_truncate_is_stopped_on_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    _fill(2)
    for table in ("ledger_ledgerentry", "ledger_ledgercheckpoint"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            connection.cursor().execute(f"TRUNCATE {table} CASCADE")
    assert LedgerEntry.objects.count() == 2


@override_settings(JUBAO_LEDGER_CHECKPOINT_ENTRIES=4, JUBAO_LEDGER_CHECKPOINT_MINUTES=60)
def test_checkpoints_every_n_entries_are_signed() -> None:
    _fill(10)
    checkpoints = list(LedgerCheckpoint.objects.all())
    assert [cp.tree_size for cp in checkpoints] == [4, 8]
    public = signing.public_key()
    for cp in checkpoints:
        assert cp.key_id == signing.key_id_of(public)
        message = signing.checkpoint_message(
            tree_size=cp.tree_size,
            root_hash=cp.root_hash,
            time=format_time(cp.created_at),
            key_id=cp.key_id,
        )
        assert signing.verify_signature(public, message, cp.signature)
        assert not signing.verify_signature(public, message + b"x", cp.signature)
    out = io.StringIO()
    call_command("ledger", "checkpoint", stdout=out)
    assert "checkpoint at size 10" in out.getvalue()
    assert ledger_verify().checkpoints == 3


@override_settings(JUBAO_LEDGER_CHECKPOINT_ENTRIES=1000, JUBAO_LEDGER_CHECKPOINT_MINUTES=10)
def test_checkpoint_after_minutes(monkeypatch: pytest.MonkeyPatch) -> None:
    _fill(2)
    assert not LedgerCheckpoint.objects.exists()
    later = timezone.now() + dt.timedelta(minutes=11)
    monkeypatch.setattr("jubao.ledger.services.timezone.now", lambda: later)
    _fill(1)
    assert list(LedgerCheckpoint.objects.values_list("tree_size", flat=True)) == [3]


def test_verify_with_an_exported_public_key(tmp_path: Path) -> None:
    _fill(3)
    ledger_checkpoint()
    pem = io.StringIO()
    call_command("ledger", "pubkey", stdout=pem)
    good = tmp_path / "good.pem"
    good.write_text(pem.getvalue())
    call_command("ledger", "verify", "--public-key", str(good), stdout=io.StringIO())
    other = signing.Ed25519PrivateKey.generate().public_key()
    bad = tmp_path / "bad.pem"
    bad.write_text(signing.public_key_pem(other))
    with pytest.raises(CommandError, match="unknown key"):
        call_command("ledger", "verify", "--public-key", str(bad), stdout=io.StringIO())


def test_inclusion_proof_from_the_database() -> None:
    entries = _fill(11)
    checkpoint = ledger_checkpoint()
    proof = ledger_inclusion_proof(index=6, size=11)
    assert ledger_verify_inclusion(
        entry=entries[6], size=11, proof=proof, root_hash=checkpoint.root_hash
    )
    entries[6].action = "case.reject"
    assert not ledger_verify_inclusion(
        entry=entries[6], size=11, proof=proof, root_hash=checkpoint.root_hash
    )


def test_status_command() -> None:
    _fill(2)
    out = io.StringIO()
    call_command("ledger", "status", stdout=out)
    assert "entries:        2" in out.getvalue()
    assert "guard triggers: ok" in out.getvalue()


def test_flush_outside_tests_refuses_a_non_empty_ledger() -> None:
    _fill(1)
    with override_settings(TESTING=False), pytest.raises(CommandError, match="include-ledger"):
        call_command("flush", interactive=False, stdout=io.StringIO())
    assert LedgerEntry.objects.count() == 1


def _with_retry(step: Callable[[], None]) -> None:
    # The in-memory SQLite test database uses a shared cache, whose table locks are not covered
    # by busy_timeout; retry those. File databases (as deployed) wait instead: see the
    # multi-process test below.
    for _attempt in range(200):
        try:
            with transaction.atomic():
                step()
            return
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise
            time.sleep(0.005)
    raise AssertionError("gave up after 200 attempts")


def _run_threads(
    workers: int, per_worker: int, target: Callable[[int], None]
) -> list[BaseException]:
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for n in range(per_worker):
                _with_retry(functools.partial(target, worker * 1000 + n))
        except BaseException as exc:  # reported to the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(w,)) for w in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.django_db(transaction=True)
@override_settings(JUBAO_LEDGER_CHECKPOINT_ENTRIES=7)
def test_concurrent_appends_get_contiguous_indexes() -> None:
    def append(n: int) -> None:
        ledger_append(actor="system", action="test.concurrent", ref=f"x.y:{n}")

    errors = _run_threads(4, 10, append)
    assert errors == []
    indexes = list(LedgerEntry.objects.values_list("index", flat=True))
    assert indexes == list(range(40))
    result = ledger_verify()
    assert result.ok, result.error
    assert result.checkpoints == 5


FILE_DATABASE_RUN = """
import threading
import django
from django.core.management import call_command
from django.db import connections

django.setup()
from jubao.ledger.services import ledger_append

call_command("migrate", verbosity=0)


def work(worker):
    try:
        for n in range(25):
            ledger_append(actor="system", action="test.thread", ref=f"x.y:{worker}-{n}")
    finally:
        connections.close_all()


threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
call_command("ledger", "verify")
"""


@pytest.mark.slow
def test_concurrent_appends_on_a_sqlite_file(tmp_path: Path) -> None:
    """Threads, each with its own connection, append to one SQLite file as deployed (WAL,
    IMMEDIATE transactions, busy_timeout): no retries needed, no gaps. One subprocess, since
    the test database of this run is in memory."""
    if connection.vendor != "sqlite":
        pytest.skip("the PostgreSQL run covers concurrency with threads")
    env = {
        **os.environ,
        "JUBAO_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "jubao.settings",
        "JUBAO_LEDGER_CHECKPOINT_ENTRIES": "16",
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", FILE_DATABASE_RUN],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    assert "ledger OK: 100 entries" in done.stdout
    assert "6 checkpoints verified" in done.stdout
