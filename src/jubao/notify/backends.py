"""Delivery backends. A backend gets the recipient only for the moment of sending.

Set JUBAO_NOTIFY_EMAIL_BACKEND / JUBAO_NOTIFY_SMS_BACKEND to a dotted class path; an SMS gateway
plugs in by implementing `send(to, subject, body)` and raising on failure.
"""

from __future__ import annotations

import sys
from typing import Protocol

from django.core.mail import send_mail


class Backend(Protocol):
    def send(self, to: str, subject: str, body: str) -> None: ...


def mask(address: str) -> str:
    """Enough of an address to tell messages apart in a console, not enough to identify anyone."""
    if "@" in address:
        name, _at, domain = address.partition("@")
        return f"{name[:1]}***@{domain}"
    return f"{address[:3]}****{address[-2:]}" if len(address) > 6 else "****"


class ConsoleBackend:
    """Development: print the message with the recipient masked (logs must not hold identities)."""

    def send(self, to: str, subject: str, body: str) -> None:
        sys.stdout.write(f"[notify] to {mask(to)}: {subject}\n{body}\n")
        sys.stdout.flush()


class DjangoEmailBackend:
    """E-mail through Django's mail settings (EMAIL_HOST and friends)."""

    def send(self, to: str, subject: str, body: str) -> None:
        send_mail(subject, body, None, [to], fail_silently=False)


class MemoryBackend:
    """Tests: keep what was sent."""

    outbox: list[tuple[str, str, str]] = []

    def send(self, to: str, subject: str, body: str) -> None:
        MemoryBackend.outbox.append((to, subject, body))
