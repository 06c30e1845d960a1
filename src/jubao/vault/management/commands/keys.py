"""`jubao keys status | rotate | retire`: the vault's key-encryption keys.

status  key ids (current marked) and the number of sealed values under each
rotate  create a new KEK, make it current and re-wrap every data key under it, in batches, with
        progress; run it again to finish an interrupted rotation. Old key files are kept, so
        older database backups stay readable, unless --retire is given
retire  delete the files of old KEKs that no sealed value uses any more
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jubao.vault.errors import VaultError
from jubao.vault.keys import get_provider
from jubao.vault.rotation import vault_retire_unused, vault_rotate
from jubao.vault.services import vault_key_counts


class Command(BaseCommand):
    help = "Show, rotate and retire the vault's key-encryption keys."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        sub.add_parser("status", help="key ids and record counts per key")
        rotate = sub.add_parser("rotate", help="rotate the key-encryption key")
        rotate.add_argument("--batch-size", type=int, default=500)
        rotate.add_argument(
            "--retire", action="store_true", help="afterwards delete old keys no record uses"
        )
        sub.add_parser("retire", help="delete old keys that no record uses")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["verb"] == "status":
                self.status()
            elif options["verb"] == "rotate":
                self.rotate(options["batch_size"], options["retire"])
            else:
                retired = vault_retire_unused()
                self.stdout.write("retired: " + (", ".join(retired) or "none"))
        except VaultError as exc:
            raise CommandError(str(exc)) from exc

    def status(self) -> None:
        provider = get_provider()
        current = provider.current_key_id()
        counts = vault_key_counts()
        for key_id in sorted(set(provider.key_ids()) | set(counts)):
            mark = "*" if key_id == current else " "
            self.stdout.write(f"{mark} {key_id:<20} {counts.get(key_id, 0):>10} sealed values")
        self.stdout.write("(* = current key)")

    def rotate(self, batch_size: int, retire: bool) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"  re-wrapped {done}/{total}")

        result = vault_rotate(batch_size=batch_size, retire=retire, progress=progress)
        verb = "resumed rotation to" if result.resumed else "rotated to"
        self.stdout.write(f"{verb} {result.key_id}: {result.rewrapped} data keys re-wrapped")
        if result.retired:
            self.stdout.write("retired: " + ", ".join(result.retired))
        if result.failed:
            ids = ", ".join(str(pk) for pk in result.failed[:20])
            raise CommandError(
                f"{len(result.failed)} sealed values could not be unwrapped (ids: {ids})"
            )
