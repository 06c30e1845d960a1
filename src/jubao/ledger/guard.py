"""The database-level guard of the ledger tables, and its one narrow maintenance switch.

Migration 0002 creates triggers that refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) on
the entries and checkpoints tables. DELETE and TRUNCATE are let through only while a connection
has switched maintenance on, which `jubao flush` (and so the test runner's flush between
transactional tests) does. UPDATE is never let through.

How the switch reaches the trigger:
- PostgreSQL: a session setting, `jubao.ledger_maintenance = on`, read by the trigger function.
- SQLite: a per-connection SQL function, `jubao_ledger_maintenance()`, registered when Django
  opens a connection. Other programs that open the file (the sqlite3 shell, a backup tool) do not
  have it, so their DELETE fails with "no such function": the guard fails closed.

The switch is not a security boundary: anyone who can run SQL as the table owner can also drop
the triggers. The triggers stop mistakes and casual edits; `ledger verify` catches the rest.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper

MAINTENANCE_FLAG = "jubao_ledger_maintenance"
PG_SETTING = "jubao.ledger_maintenance"
TABLES = ("ledger_ledgerentry", "ledger_ledgercheckpoint")
SQLITE_TRIGGERS = frozenset(
    f"{table}_{verb}" for table in TABLES for verb in ("no_update", "no_delete")
)
PG_TRIGGERS = SQLITE_TRIGGERS | {f"{table}_no_truncate" for table in TABLES}


def register_sqlite_function(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """`connection_created` receiver: give each SQLite connection the maintenance function."""
    if connection.vendor != "sqlite":
        return

    def maintenance_on() -> int:
        return 1 if getattr(connection, MAINTENANCE_FLAG, False) else 0

    connection.connection.create_function(MAINTENANCE_FLAG, 0, maintenance_on)


@contextmanager
def ledger_maintenance(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Let this connection DELETE/TRUNCATE ledger rows for the duration (used by flush only)."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'on', false)", [PG_SETTING])
        try:
            yield
        finally:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config(%s, 'off', false)", [PG_SETTING])
            except DatabaseError:
                # An aborted transaction rolls the setting back by itself.
                pass
        return
    connection.ensure_connection()
    setattr(connection, MAINTENANCE_FLAG, True)
    try:
        yield
    finally:
        setattr(connection, MAINTENANCE_FLAG, False)


def missing_triggers(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Names of guard triggers that are absent or disabled (empty when the guard is intact)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'"
            )
            expected = PG_TRIGGERS
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            expected = SQLITE_TRIGGERS
        else:
            return []
        present = {row[0] for row in cursor.fetchall()}
    return sorted(expected - present)
