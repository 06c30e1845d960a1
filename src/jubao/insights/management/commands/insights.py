"""`jubao insights rebuild`: recompute the statistics' pre-aggregated figures from the records."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jubao.insights.stats import figures_rebuild


class Command(BaseCommand):
    help = "Statistics: rebuild the pre-aggregated figures from the reports, cases and measures."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        sub.add_parser("rebuild", help="Recompute every daily figure and measure figure.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()

        def progress(line: str) -> None:
            self.stdout.write(f"[{time.monotonic() - started:7.1f}s] {line}")
            self.stdout.flush()

        counts = figures_rebuild(progress=progress)
        self.stdout.write(
            f"done in {time.monotonic() - started:.1f}s: "
            f"{counts['daily']} daily rows, {counts['measures']} measure rows"
        )
