"""`jubao workers`: every background job in one process (or run each job's own command).

Each round sends due notifications, delivers due webhooks to platforms, runs the case deadline
timer and the measure timer, and the federation's round (fingerprints, routing, messages to peer
instances, late hops, roll-up). A failing job is reported and does not stop the others.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections


def _jobs() -> list[tuple[str, Callable[[], Any]]]:
    from jubao.cases.services import cases_watch
    from jubao.federation.jobs import federation_round
    from jubao.insights.early_warning import warnings_watch
    from jubao.measures.lifecycle import measures_watch
    from jubao.notify.services import notify_dispatch
    from jubao.platforms.signatures import nonces_purge
    from jubao.platforms.webhooks import webhooks_deliver

    return [
        ("notifications", notify_dispatch),
        ("webhooks", webhooks_deliver),
        ("nonces", nonces_purge),
        ("case deadlines", cases_watch),
        ("measures", measures_watch),
        ("early warnings", warnings_watch),
        ("federation", federation_round),
    ]


class Command(BaseCommand):
    help = "Run the background jobs: notifications, webhooks, deadlines and measure timers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="keep running every --interval")
        parser.add_argument("--interval", type=int, default=10, help="seconds between rounds")

    def handle(self, *args: Any, **options: Any) -> None:
        jobs = _jobs()
        while True:
            for name, job in jobs:
                try:
                    job()
                except Exception as exc:
                    self.stderr.write(f"{name}: {type(exc).__name__}")
            close_old_connections()
            if not options["loop"]:
                return
            time.sleep(options["interval"])
