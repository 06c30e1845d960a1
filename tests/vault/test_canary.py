"""Canary: personal data sealed by the vault appears in no dump of the database.

SQLite: the test database is in memory, so it is copied with `VACUUM INTO` to a file, which is
then dumped with the sqlite3 shell (or Python's `iterdump()` when the shell is missing) and also
searched as raw bytes. PostgreSQL: `pg_dump` of the test database.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import uuid
from pathlib import Path

import pytest
from django.db import connection

from jubao.vault.services import vault_open, vault_seal

CANARY_NAME = "金丝雀张三"
CANARY_PHONE = "13912345678"


def _forms(secret: str) -> list[bytes]:
    raw = secret.encode("utf-8")
    return [raw, raw.hex().encode(), raw.hex().upper().encode()]


def _sqlite_dumps(folder: Path) -> list[bytes]:
    copy = folder / "copy.sqlite3"
    with connection.cursor() as cursor:
        cursor.execute("VACUUM INTO %s", [str(copy)])
    dumps = [copy.read_bytes()]
    if shutil.which("sqlite3"):
        dumps.append(
            subprocess.run(["sqlite3", str(copy), ".dump"], check=True, capture_output=True).stdout
        )
    else:
        with sqlite3.connect(copy) as db:
            dumps.append("\n".join(db.iterdump()).encode("utf-8"))
    return dumps


def _pg_dump() -> bytes:
    params = connection.settings_dict
    command = ["pg_dump", "--no-owner", "-d", params["NAME"]]
    for flag, key in (("-h", "HOST"), ("-p", "PORT"), ("-U", "USER")):
        if params.get(key):
            command += [flag, str(params[key])]
    env = {"PGPASSWORD": params.get("PASSWORD") or "", "PATH": "/usr/bin:/bin"}
    return subprocess.run(command, check=True, capture_output=True, env=env).stdout


@pytest.mark.django_db(transaction=True)
def test_canary_never_reaches_a_database_dump(tmp_path: Path) -> None:
    row = uuid.uuid4()
    vault_seal(table="intake.report", row=row, field="reporter_name", value=CANARY_NAME)
    vault_seal(table="intake.report", row=row, field="reporter_phone", value=CANARY_PHONE)
    assert vault_open(table="intake.report", row=row, field="reporter_phone") == CANARY_PHONE

    dumps = [_pg_dump()] if connection.vendor == "postgresql" else _sqlite_dumps(tmp_path)
    # The dump must really contain the sealed rows, or the test proves nothing.
    assert any(str(row).encode() in dump for dump in dumps)
    for dump in dumps:
        for secret in (CANARY_NAME, CANARY_PHONE):
            for form in _forms(secret):
                assert form not in dump, f"{secret!r} found in a database dump"
