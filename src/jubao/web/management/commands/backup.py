"""`jubao backup FOLDER [--keys-to FOLDER]`: the database and the encrypted files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jubao.backups import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database and the encrypted files; the keys only with --keys-to, apart."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, help="a new, empty folder for this backup")
        parser.add_argument(
            "--keys-to",
            type=Path,
            help="also copy the keys, to this folder (never inside the backup)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = backup(options["folder"], keys_to=options["keys_to"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        counts = ", ".join(f"{table} {n}" for table, n in result.counts.items())
        self.stdout.write(f"backup written to {result.folder}: {counts}, {result.files} files")
        if options["keys_to"] is None:
            self.stdout.write(
                "the keys are not in the backup: keep a copy of the data folder's keys/ apart "
                "(or run again with --keys-to); without them the backup cannot be read"
            )
