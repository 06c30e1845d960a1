"""Backups: the database and the encrypted files in one folder, the keys in another.

A backup holds everything needed to bring an office back except its keys, which are written
only on request and only to a different folder: a stolen backup then holds ciphertext (the
threat model's "stolen backup", docs/security.md). Restore works into an empty data folder and
an empty database, and checks the result: the work ledger verifies, the counts match the
manifest, every file listed is there with its checksum.

- SQLite: the online backup API (a consistent copy while the server runs).
- PostgreSQL: `pg_dump --format=custom` and `pg_restore` (the client programs must be on PATH).
- Files: the media folder (encrypted evidence and documents), copied after the database, so every
  file the copied database refers to is there (a file is written before its row commits).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

FORMAT = "jubao-backup/1"
MANIFEST = "manifest.json"
SQLITE_FILE = "jubao.sqlite3"
PG_FILE = "jubao.pgdump"
FILES = "files"
COUNTED = ("intake_report", "cases_case", "ledger_ledgerentry", "vault_sealedvalue")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class Result:
    folder: Path
    counts: dict[str, int]
    files: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        found = {}
        for table in COUNTED:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 (fixed table names)  # nosec B608
            found[table] = int(cursor.fetchone()[0])
    return found


def _pg_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or ""
    password = db.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or "5432"
    return f"postgresql://{auth}{host}:{port}/{db['NAME']}"


def _run(command: list[str]) -> None:
    program = shutil.which(command[0])
    if program is None:
        raise BackupError(f"{command[0]} is not installed: install the PostgreSQL client programs")
    done = subprocess.run([program, *command[1:]], capture_output=True, text=True, check=False)  # noqa: S603  # nosec B603
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-2000:]}")


def _copy_files(source: Path, target: Path) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = []
    if not source.exists():
        return listed
    for path in sorted(p for p in source.rglob("*") if p.is_file() and p.suffix != ".tmp"):
        relative = path.relative_to(source)
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)
        listed.append({"path": relative.as_posix(), "sha256": _sha256(destination)})
    return listed


def backup(folder: Path, *, keys_to: Path | None = None) -> Result:
    """Write a backup into `folder` (created, must be empty); with `keys_to`, also copy the keys
    there (a different folder, never inside the backup)."""
    folder = folder.resolve()
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: choose a new folder for each backup")
    if keys_to is not None:
        keys_to = keys_to.resolve()
        if keys_to == folder or folder in keys_to.parents or keys_to in folder.parents:
            raise BackupError("keep the keys apart from the backup: choose another folder")
    folder.mkdir(parents=True, exist_ok=True)
    counts = _counts()
    vendor = connection.vendor
    if vendor == "sqlite":
        target = sqlite3.connect(folder / SQLITE_FILE)
        source = sqlite3.connect(str(connection.settings_dict["NAME"]))
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        database = {
            "engine": "sqlite",
            "file": SQLITE_FILE,
            "sha256": _sha256(folder / SQLITE_FILE),
        }
    elif vendor == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={folder / PG_FILE}", _pg_url()])
        database = {"engine": "postgresql", "file": PG_FILE, "sha256": _sha256(folder / PG_FILE)}
    else:  # pragma: no cover - jubao supports these two
        raise BackupError(f"backups of {vendor} databases are not supported")
    files = _copy_files(Path(settings.MEDIA_ROOT), folder / FILES)
    manifest = {
        "format": FORMAT,
        "created": datetime.now(UTC).isoformat(),
        "database": database,
        "counts": counts,
        "files": files,
        "keys_included": False,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
    if keys_to is not None:
        keys = Path(settings.DATA_DIR) / "keys"
        if not keys.exists():
            raise BackupError(
                "this data folder has no keys folder (are the keys in the environment?)"
            )
        keys_to.mkdir(parents=True, exist_ok=True)
        shutil.copytree(keys, keys_to / "keys", dirs_exist_ok=False)
        for path in (keys_to / "keys").rglob("*"):
            os.chmod(path, 0o700 if path.is_dir() else 0o600)
    return Result(folder, counts, len(files))


def _manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder} holds no readable {MANIFEST}: {exc}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{folder} is not a jubao backup of format {FORMAT}")
    return manifest


def _database_is_empty() -> bool:
    with connection.cursor() as cursor:
        return "cases_case" not in connection.introspection.table_names(cursor)


def restore(
    folder: Path, *, keys_from: Path | None = None, progress: Callable[[str], None] = print
) -> Result:
    """Restore the backup in `folder` into this (empty) data folder and database; with
    `keys_from`, copy the keys too. Checks checksums before and the ledger and counts after."""
    folder = folder.resolve()
    manifest = _manifest(folder)
    database = manifest["database"]
    dump = folder / database["file"]
    if _sha256(dump) != database["sha256"]:
        raise BackupError(f"{dump.name} does not match its checksum: the backup is damaged")
    for entry in manifest["files"]:
        if _sha256(folder / FILES / entry["path"]) != entry["sha256"]:
            raise BackupError(f"{entry['path']} does not match its checksum")
    if database["engine"] != connection.vendor:
        raise BackupError(
            f"the backup is of a {database['engine']} database; this one is {connection.vendor}"
        )
    if not _database_is_empty():
        raise BackupError("the database is not empty: restore into a new, empty database")
    media = Path(settings.MEDIA_ROOT)
    if media.exists() and any(media.rglob("*")):
        raise BackupError(f"{media} is not empty: restore into a new data folder")
    keys = Path(settings.DATA_DIR) / "keys"
    if keys_from is not None:
        if not (keys_from / "keys").is_dir():
            raise BackupError(f"{keys_from} holds no keys/ folder (see --keys-to)")
        if keys.exists():
            # Keys a new data folder made for itself at start-up: nothing is sealed with them
            # (the database is empty, checked above). Kept aside, not deleted.
            keys.rename(keys.with_name(f"keys.unused-{datetime.now(UTC):%Y%m%d%H%M%S}"))
        shutil.copytree(keys_from / "keys", keys)
    progress("database")
    if database["engine"] == "sqlite":
        connection.close()
        target = Path(str(connection.settings_dict["NAME"]))
        source = sqlite3.connect(dump)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            source.close()
            copy.close()
    else:
        connection.close()
        _run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={_pg_url()}", str(dump)])
    progress("files")
    copied = _copy_files(folder / FILES, media)
    counts = _counts()
    if counts != manifest["counts"]:
        raise BackupError(
            f"the restored counts {counts} differ from the backup's {manifest['counts']}"
        )
    return Result(folder, counts, len(copied))
