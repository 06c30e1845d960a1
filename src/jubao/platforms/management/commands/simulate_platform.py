"""`jubao simulate_platform`: play a website platform against the signed platform API.

For demonstrations and load on a test instance, never on production data: the command registers
a key for the platform in the database it is configured with, then talks to the server over HTTP
only, exactly as a platform's integration would.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from jubao.accounts.models import Platform
from jubao.errors import DomainError
from jubao.platforms.keys import platform_key_add, public_key_raw
from jubao.platforms.models import PlatformKey
from jubao.platforms.simulator import Action, PlatformApiError, SimulatedPlatform, run_forever


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = "Play a platform against the signed platform API: acknowledge and report transfers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")
        parser.add_argument("--platform", required=True, help="ICP filing number or name")
        parser.add_argument(
            "--key-file",
            help="the platform's Ed25519 private key (PEM); created and registered if missing",
        )
        parser.add_argument("--loop", action="store_true", help="play a round every --interval")
        parser.add_argument("--interval", type=float, default=10.0)
        parser.add_argument("--late-rate", type=_rate, default=0.0, help="act after the due time")
        parser.add_argument(
            "--fail-rate", type=_rate, default=0.0, help="send a malformed report first"
        )
        parser.add_argument("--dispute-rate", type=_rate, default=0.0, help="dispute instead")
        parser.add_argument("--seed", type=int, help="the same seed makes the same choices")

    def handle(self, *args: Any, **options: Any) -> None:
        platform = _platform(options["platform"])
        try:
            key_id, private = _key(platform, options["key_file"])
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None
        self.stdout.write(f"playing {platform.icp_number} with key {key_id}")
        simulated = SimulatedPlatform(
            base_url=options["base_url"],
            key_id=key_id,
            private_key=private,
            seed=options["seed"],
            late_rate=options["late_rate"],
            fail_rate=options["fail_rate"],
            dispute_rate=options["dispute_rate"],
        )
        try:
            run_forever(
                simulated,
                interval=options["interval"],
                report=self._report,
                rounds=None if options["loop"] else 1,
            )
        except PlatformApiError as exc:
            raise CommandError(f"the platform API refused the simulator: {exc}") from None

    def _report(self, actions: list[Action]) -> None:
        for a in actions:
            status = f" {a.status}" if a.status else ""
            self.stdout.write(f"{a.transfer} {a.verb}{status} {a.detail}".rstrip())


def _platform(text: str) -> Platform:
    text = text.strip()
    found = Platform.objects.filter(Q(icp_number=text) | Q(name=text)).first()
    if found is None:
        raise CommandError(f"no platform with ICP filing number or name {text!r}")
    return found


def _key(platform: Platform, key_file: str | None) -> tuple[str, Ed25519PrivateKey]:
    """The key to sign with and its registered id: from `key_file` when it exists (registered now
    if it was not yet), otherwise a fresh key, saved to `key_file` when one was named."""
    path = Path(key_file) if key_file else None
    if path is not None and path.exists():
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(private, Ed25519PrivateKey):
            raise CommandError(f"{path} is not an Ed25519 private key")
    else:
        private = Ed25519PrivateKey.generate()
        if path is not None:
            _save(private, path)
    raw = base64.b64encode(public_key_raw(private.public_key())).decode("ascii")
    known = PlatformKey.objects.filter(platform=platform, public_key=raw, revoked_at=None).first()
    if known is not None:
        return known.key_id, private
    key_id = f"sim-{secrets.token_hex(6)}"
    platform_key_add(actor="system", platform=platform, key_id=key_id, public_key=raw)
    return key_id, private


def _save(private: Ed25519PrivateKey, path: Path) -> None:
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
