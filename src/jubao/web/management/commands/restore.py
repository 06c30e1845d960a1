"""`jubao restore FOLDER [--keys-from FOLDER]`: into an empty data folder and database, then
verify the work ledger (docs/backups.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jubao.backups import BackupError, restore
from jubao.ledger.verify import ledger_verify


class Command(BaseCommand):
    help = "Restore a backup into an empty data folder and database, then verify the ledger."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, help="the backup's folder")
        parser.add_argument(
            "--keys-from", type=Path, help="the folder the keys were copied to (--keys-to)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = restore(
                options["folder"],
                keys_from=options["keys_from"],
                progress=lambda step: self.stderr.write(f"restoring {step}"),
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        counts = ", ".join(f"{table} {n}" for table, n in result.counts.items())
        self.stdout.write(f"restored: {counts}, {result.files} files")
        verified = ledger_verify()
        if not verified.ok:
            raise CommandError(f"the restored ledger does not verify: {verified}")
        self.stdout.write(f"ledger verified: {verified}")
