"""`jubao ledger verify | checkpoint | status | pubkey`.

verify      recompute the whole ledger; exit 0 with a summary, or exit 1 naming the first bad
            entry and what is wrong (see jubao.ledger.verify for the checks)
checkpoint  write a signed checkpoint of the ledger as it is now
status      size, root, last checkpoint, signing key id, guard triggers
pubkey      print the checkpoint signing public key (PEM), to hand to an auditor
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jubao.ledger import guard, signing
from jubao.ledger.canonical import format_time
from jubao.ledger.models import LedgerCheckpoint, LedgerHead
from jubao.ledger.services import ledger_checkpoint
from jubao.ledger.verify import ledger_verify


class Command(BaseCommand):
    help = "Verify, checkpoint and inspect the tamper-evident work ledger."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        verify = sub.add_parser("verify", help="recompute and check the whole ledger")
        verify.add_argument(
            "--public-key",
            action="append",
            type=Path,
            default=[],
            help="PEM file of a trusted checkpoint key (repeatable; default: this server's key)",
        )
        verify.add_argument("--progress-every", type=int, default=100_000)
        sub.add_parser("checkpoint", help="write a signed checkpoint now")
        sub.add_parser("status", help="show size, root and the last checkpoint")
        sub.add_parser("pubkey", help="print the checkpoint signing public key (PEM)")

    def handle(self, *args: Any, **options: Any) -> None:
        verb = options["verb"]
        if verb == "verify":
            self.verify(options["public_key"], options["progress_every"])
        elif verb == "checkpoint":
            cp = ledger_checkpoint()
            self.stdout.write(f"checkpoint at size {cp.tree_size}: root {cp.root_hash}")
        elif verb == "status":
            self.status()
        else:
            self.stdout.write(signing.public_key_pem(), ending="")

    def verify(self, key_files: list[Path], every: int) -> None:
        try:
            keys = [signing.load_public_key(path.read_bytes()) for path in key_files]
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read a public key: {exc}") from exc

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"  checked {done}/{total} entries")

        result = ledger_verify(public_keys=keys or None, progress=progress, progress_every=every)
        for warning in result.warnings:
            self.stderr.write(f"warning: {warning}")
        if not result.ok:
            # From the command line this prints the message and exits with status 1.
            raise CommandError(result.summary(), returncode=1)
        self.stdout.write(result.summary())

    def status(self) -> None:
        head = LedgerHead.objects.filter(pk=1).first()
        last = LedgerCheckpoint.objects.order_by("-tree_size").first()
        self.stdout.write(f"entries:        {head.size if head else 0}")
        self.stdout.write(f"root:           {head.root_hash if head else '-'}")
        if last:
            when = format_time(last.created_at)
            self.stdout.write(f"last checkpoint: size {last.tree_size} at {when}")
        else:
            self.stdout.write("last checkpoint: none")
        self.stdout.write(f"signing key:    {signing.key_id_of(signing.public_key())}")
        missing = guard.missing_triggers()
        self.stdout.write(f"guard triggers: {'MISSING ' + ', '.join(missing) if missing else 'ok'}")
