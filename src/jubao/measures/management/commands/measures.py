"""`jubao measures watch`: the measures' timer (run from cron or with --loop)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jubao.measures.lifecycle import measures_watch


class Command(BaseCommand):
    help = "Lift, end and re-check measures whose time has come."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        watch = sub.add_parser("watch", help="Check every measure once (or keep checking).")
        watch.add_argument("--loop", action="store_true", help="keep checking every minute")
        watch.add_argument("--interval", type=int, default=60)

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            r = measures_watch()
            busy = r.lifted or r.ended or r.rechecked or r.recheck_by_staff
            if busy or not options["loop"]:
                self.stdout.write(
                    f"lifted: {len(r.lifted)}; ended: {len(r.ended)}; "
                    f"re-check asked: {len(r.rechecked)}; "
                    f"re-check due for staff: {len(r.recheck_by_staff)}"
                )
            if not options["loop"]:
                return
            time.sleep(options["interval"])
