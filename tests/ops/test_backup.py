"""Backup and restore, on the database of the session (SQLite, or PostgreSQL with pg_dump): an
instance with the demo data is backed up, the keys apart; a new data folder and database get
the backup and the keys back; the ledger verifies there, the counts match, a demo report opens
with its receipt code and its sealed contact decrypts, its evidence file opens."""

from __future__ import annotations

import re
import shutil

import pytest

from tests.serverproc import ServerProcess, session_database_url

pytestmark = pytest.mark.skipif(
    session_database_url() is not None and shutil.which("pg_dump") is None,
    reason="PostgreSQL backups need pg_dump and pg_restore: apt-get install postgresql-client",
)

CHECK = """
from jubao.intake.services import report_for_receipt
from jubao.intake.storage import evidence_read
from jubao.vault.services import vault_open_many
report = report_for_receipt(code={code!r})
contact = vault_open_many(table="intake.report", row=report.vault_ref, fields=["name", "phone"])
files = [len(evidence_read(ref=e.vault_ref, variant="original")) for e in report.evidence.all()]
print("OPENED", report.reference, bool(contact["name"] or contact["phone"]), files)
"""


def test_a_backup_restores_into_a_new_instance_and_its_ledger_verifies(tmp_path):
    source = ServerProcess(tmp_path / "source", name="backup_src")
    target = ServerProcess(tmp_path / "target", name="backup_dst")
    try:
        source.prepare()
        demo = source.manage("demo").stdout
        codes = re.findall(r"^\s+R\S+\s+(\S+(?:-\S+)*)\s", demo, flags=re.M)
        assert codes, demo
        backup_dir, keys_dir = tmp_path / "backup", tmp_path / "keys-safe"
        done = source.manage("backup", str(backup_dir), "--keys-to", str(keys_dir))
        assert "backup written" in done.stdout
        # The keys never go into the backup itself.
        assert not list(backup_dir.rglob("vault_kek*")) and list(keys_dir.rglob("vault_kek*"))
        # Keys inside the backup folder are refused, and so is a folder that is not empty.
        refused = source.manage("backup", str(backup_dir), check=False)
        assert refused.returncode != 0 and "not empty" in refused.stderr

        if target.database is not None:
            target.database.create()
        restored = target.manage("restore", str(backup_dir), "--keys-from", str(keys_dir))
        assert "ledger verified" in restored.stdout, restored.stdout + restored.stderr
        again = target.manage("restore", str(backup_dir), check=False)
        assert again.returncode != 0 and "not empty" in again.stderr
        opened = target.manage("shell", "-c", CHECK.format(code=codes[0])).stdout
        assert "OPENED" in opened and " True " in opened, opened
        assert target.manage("ledger", "verify").returncode == 0
    finally:
        source.close()
        target.close()


def test_a_damaged_backup_is_refused(tmp_path):
    source = ServerProcess(tmp_path / "source", name="backup_bad")
    target = ServerProcess(tmp_path / "target", name="backup_bad_dst")
    try:
        source.prepare()
        backup_dir = tmp_path / "backup"
        source.manage("backup", str(backup_dir))
        dump = next(p for p in backup_dir.iterdir() if p.name.startswith("jubao."))
        data = bytearray(dump.read_bytes())
        data[len(data) // 2] ^= 0xFF
        dump.write_bytes(bytes(data))
        if target.database is not None:
            target.database.create()
        refused = target.manage("restore", str(backup_dir), check=False)
        assert refused.returncode != 0 and "checksum" in refused.stderr
    finally:
        source.close()
        target.close()
