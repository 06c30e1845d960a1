"""`jubao offices load`: create the central office and the offices of the division list."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jubao.accounts.services import offices_load


class Command(BaseCommand):
    help = "Manage the jurisdiction tree of network information offices."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        sub.add_parser("load", help="Create or update offices from the division list.")

    def handle(self, *args: Any, **options: Any) -> None:
        count = offices_load(actor="system")
        self.stdout.write(f"{count} offices in the jurisdiction tree.")
