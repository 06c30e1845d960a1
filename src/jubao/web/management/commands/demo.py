"""`jubao demo`: load demo data through the services and print the demo sign-ins."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from jubao.accounts import demo as accounts_demo
from jubao.cases import demo as cases_demo
from jubao.enterprises import demo as enterprises_demo
from jubao.intake import demo as intake_demo
from jubao.intake.receipts import display


class Command(BaseCommand):
    help = "Create demo offices, platforms and one user of each role (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        credentials = accounts_demo.load()
        self.stdout.write(self.style.SUCCESS("Demo data loaded. Sign in at /accounts/login/"))
        self.stdout.write(f"{'user':<12} {'password':<20} {'role':<22} authenticator key")
        for cred in credentials:
            key = cred.totp_key or "-"
            self.stdout.write(f"{cred.username:<12} {cred.password:<20} {cred.role:<22} {key}")
        enterprise = enterprises_demo.load()
        if enterprise is not None:
            self.stdout.write(
                f"The user `enterprise` is the verified contact of {enterprise.name}: its area is "
                "at /enterprise/ (register new enterprises at /enterprise/register/)."
            )
        receipts = intake_demo.load()
        if receipts:
            self.stdout.write("Demo reports (follow one at /receipt/ with its receipt code):")
            for entry in receipts:
                self.stdout.write(f"  {entry.reference}  {display(entry.receipt)}  {entry.item}")
        handed = cases_demo.load()
        if handed:
            self.stdout.write(
                f"Case {handed} is approved and waits for its platform: run "
                f"`.venv/bin/jubao simulate-platform --platform {cases_demo.DEMO_PLATFORM}` "
                "(make run does)."
            )
        self.stdout.write(
            "Staff sign-in asks for a one-time code: add the key to an authenticator app, "
            "or print the current code with `.venv/bin/jubao totp USERNAME`."
        )
