"""`jubao cases watch`: the deadline timer (run from cron or with --loop)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jubao.cases.services import cases_watch


class Command(BaseCommand):
    help = "Close cases whose supplementary proof is overdue and report overdue cases."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        watch = sub.add_parser("watch", help="Check every deadline once (or keep checking).")
        watch.add_argument("--loop", action="store_true", help="keep checking every minute")
        watch.add_argument("--interval", type=int, default=60)

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            result = cases_watch()
            if result.timed_out or result.reported or not options["loop"]:
                self.stdout.write(
                    f"closed for missing proof: {len(result.timed_out)}; "
                    f"reported overdue: {len(result.reported)}"
                )
            if not options["loop"]:
                return
            time.sleep(options["interval"])
