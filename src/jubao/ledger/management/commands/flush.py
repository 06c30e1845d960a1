"""Django's `flush`, taught about the ledger's guard triggers.

The guard triggers refuse DELETE and TRUNCATE on the ledger tables, which would also break
`flush`, and with it the test runner's clean-up between transactional and live-server tests.
This command runs the ordinary flush with the guard's maintenance switch on for its own
connection. Outside tests it refuses to wipe a non-empty ledger unless `--include-ledger` is
given, because destroying the work ledger should never be a side effect.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.core.management.commands import flush
from django.db import DatabaseError

from jubao.ledger.guard import ledger_maintenance
from jubao.ledger.models import LedgerEntry


class Command(flush.Command):
    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--include-ledger",
            action="store_true",
            help="also destroy the work ledger (refused otherwise when it holds entries)",
        )

    def handle(self, **options: Any) -> None:
        database = options["database"]
        if not options.get("include_ledger") and not getattr(settings, "TESTING", False):
            try:
                count = LedgerEntry.objects.using(database).count()
            except DatabaseError:
                count = 0  # not migrated yet: nothing to protect
            if count:
                raise CommandError(
                    f"the work ledger holds {count} entries; pass --include-ledger to destroy it"
                )
        with ledger_maintenance(database):
            super().handle(**options)
