"""`jubao notify send`: deliver pending notifications (run from cron or with --loop)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jubao.notify.services import notify_dispatch


class Command(BaseCommand):
    help = "Deliver pending notifications from the outbox."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        send = sub.add_parser("send", help="Send due messages.")
        send.add_argument("--loop", action="store_true", help="keep sending every few seconds")
        send.add_argument("--interval", type=int, default=10)

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            sent = notify_dispatch()
            if sent:
                self.stdout.write(f"{sent} message(s) tried")
            if not options["loop"]:
                return
            time.sleep(options["interval"])
