"""`jubao platforms ...`: deliver webhooks; register platform keys and webhook endpoints."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jubao.accounts.models import Platform
from jubao.errors import DomainError
from jubao.platforms.keys import platform_key_add, platform_key_revoke
from jubao.platforms.models import PlatformKey
from jubao.platforms.signatures import nonces_purge
from jubao.platforms.webhooks import platform_endpoint_set, webhooks_deliver


class Command(BaseCommand):
    help = "Deliver webhooks to platforms; register platform keys and webhook endpoints."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        deliver = sub.add_parser("deliver", help="Send due webhooks, forget expired nonces.")
        deliver.add_argument("--loop", action="store_true", help="keep sending every few seconds")
        deliver.add_argument("--interval", type=int, default=10)
        add = sub.add_parser("key-add", help="Register a platform's public key.")
        add.add_argument("icp_number", help="the platform's ICP filing number")
        add.add_argument("key_id")
        add.add_argument("public_key", help="a PEM file, or the raw 32 bytes in base64")
        revoke = sub.add_parser("key-revoke", help="Refuse every request signed with a key.")
        revoke.add_argument("key_id")
        endpoint = sub.add_parser("endpoint", help="Set where a platform receives webhooks.")
        endpoint.add_argument("icp_number")
        endpoint.add_argument("url")
        endpoint.add_argument("--disable", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, "_" + options["verb"].replace("-", "_"))(options)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None

    def _deliver(self, options: dict[str, Any]) -> None:
        while True:
            tried = webhooks_deliver()
            nonces_purge()
            if tried:
                self.stdout.write(f"{tried} webhook(s) tried")
            if not options["loop"]:
                return
            time.sleep(options["interval"])

    def _key_add(self, options: dict[str, Any]) -> None:
        text = options["public_key"]
        if Path(text).is_file():
            text = Path(text).read_text()
        key = platform_key_add(
            actor="system",
            platform=_platform(options["icp_number"]),
            key_id=options["key_id"],
            public_key=text,
        )
        self.stdout.write(f"key {key.key_id} registered")

    def _key_revoke(self, options: dict[str, Any]) -> None:
        key = PlatformKey.objects.filter(key_id=options["key_id"]).first()
        if key is None:
            raise CommandError(f"no key {options['key_id']!r}")
        platform_key_revoke(actor="system", key=key)
        self.stdout.write(f"key {key.key_id} revoked")

    def _endpoint(self, options: dict[str, Any]) -> None:
        endpoint = platform_endpoint_set(
            actor="system",
            platform=_platform(options["icp_number"]),
            url=options["url"],
            enabled=not options["disable"],
        )
        self.stdout.write(f"endpoint {'enabled' if endpoint.enabled else 'disabled'}")


def _platform(icp_number: str) -> Platform:
    platform = Platform.objects.filter(icp_number=icp_number.strip()).first()
    if platform is None:
        raise CommandError(f"no platform with ICP filing number {icp_number!r}")
    return platform
