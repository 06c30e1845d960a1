"""Ledger test helpers: an isolated data folder (keys) and the attacker's trigger removal."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection

from jubao.ledger.guard import PG_TRIGGERS, SQLITE_TRIGGERS


@pytest.fixture(autouse=True)
def isolated_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("JUBAO_DATA_DIR", str(folder))
    for name in ("JUBAO_LEDGER_SIGNING_KEY", "JUBAO_LEDGER_SEAL_KEY"):
        monkeypatch.delenv(name, raising=False)
    return folder


def _drop_guard() -> None:
    """What an attacker with database access does first: remove the append-only triggers."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name in sorted(PG_TRIGGERS):
                table = name.rsplit("_no_", 1)[0]
                cursor.execute(f"DROP TRIGGER {name} ON {table}")
        else:
            for name in sorted(SQLITE_TRIGGERS):
                cursor.execute(f"DROP TRIGGER {name}")


@pytest.fixture
def drop_guard() -> Callable[[], None]:
    # The test's transaction is rolled back afterwards, and DDL with it (SQLite and
    # PostgreSQL both have transactional DDL), so the triggers are back for the next test.
    return _drop_guard
