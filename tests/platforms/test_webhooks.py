"""Webhooks to a real local HTTP server that fails, recovers, or refuses."""

from __future__ import annotations

import base64
import datetime as dt
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from http_message_signatures import HTTPMessageVerifier, MappingKeyResolver, algorithms

from jubao.errors import DomainError
from jubao.ledger.models import LedgerEntry
from jubao.platforms.models import PlatformEndpoint, Webhook, WebhookStatus
from jubao.platforms.signatures import SignedMessage
from jubao.platforms.webhooks import webhook_enqueue, webhooks_deliver


class Receiver(ThreadingHTTPServer):
    """Answers `failures` requests with `fail_status`, then 200; keeps what it accepted."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.failures = 0
        self.fail_status = 503
        self.requests = 0
        self.accepted: list[tuple[str, dict[str, str], bytes]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks/jubao"


class Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests += 1
        if self.server.failures > 0:
            self.server.failures -= 1
            self.send_response(self.server.fail_status)
            self.send_header("Location", "/elsewhere")
        else:
            self.server.accepted.append((self.path, dict(self.headers.items()), body))
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def endpoint(platform, receiver: Receiver) -> PlatformEndpoint:
    return PlatformEndpoint.objects.create(platform=platform, url=receiver.url)


def enqueue(platform, key: str = "case-7-notice-1") -> Webhook:
    return webhook_enqueue(
        platform=platform, event="case.notice", body={"case": "C-7", "items": [1]}, key=key
    )


def deliver_until_quiet(start: dt.datetime, rounds: int = 10) -> list[dt.timedelta]:
    """Deliver again and again with time moved forward; return the back-off after each try."""
    delays, now = [], start
    for _ in range(rounds):
        if webhooks_deliver(now=now):
            row = Webhook.objects.get()
            if row.status == WebhookStatus.PENDING:
                delays.append(row.next_attempt_at - now)
        now += dt.timedelta(hours=7)
    return delays


@pytest.mark.usefixtures("endpoint")
def test_a_failing_platform_gets_the_webhook_exactly_once_when_it_recovers(platform, receiver):
    receiver.failures = 3
    row = enqueue(platform)
    delays = deliver_until_quiet(timezone.now())
    row.refresh_from_db()
    assert (row.status, row.attempts, receiver.requests) == (WebhookStatus.SENT, 4, 4)
    assert len(receiver.accepted) == 1
    assert row.sent_at is not None and row.last_error == ""
    # Exponential with jitter: each delay lies in [half, all] of 30 s x 2^(n-1).
    for n, delay in enumerate(delays, start=1):
        ceiling = 30 * 2 ** (n - 1)
        assert ceiling / 2 <= delay.total_seconds() <= ceiling
    assert delays == sorted(delays)
    assert LedgerEntry.objects.filter(action="webhook.sent", ref=f"platforms.webhook:{row.pk}")


@pytest.mark.usefixtures("endpoint")
def test_the_webhook_carries_the_idempotency_key_and_the_event(platform, receiver):
    enqueue(platform)
    webhooks_deliver()
    path, headers, body = receiver.accepted[0]
    assert path == "/hooks/jubao"
    assert headers["Idempotency-Key"] == "case-7-notice-1"
    assert body.decode() == (
        '{"event":"case.notice","idempotency_key":"case-7-notice-1","data":{"case":"C-7","items":[1]}}'
    )


@pytest.mark.urls("tests.platforms.urls")
@pytest.mark.usefixtures("endpoint")
def test_the_platform_verifies_our_signature_with_the_published_key(platform, receiver):
    enqueue(platform)
    webhooks_deliver()
    path, headers, body = receiver.accepted[0]
    (published,) = Client().get("/api/v1/platform/keys").json()["keys"]
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(published["public_key"]))
    verifier = HTTPMessageVerifier(
        signature_algorithm=algorithms.ED25519,
        key_resolver=MappingKeyResolver(public_keys={published["keyid"]: public}, private_keys={}),
    )
    host = receiver.url.split("/")[2]
    message = SignedMessage("POST", f"http://{host}{path}", headers)
    (result,) = verifier.verify(
        message,
        body=body,
        require_components=("@method", "@authority", "@path", "idempotency-key"),
    )
    assert result.parameters["keyid"] == published["keyid"]
    assert result.body == body
    tampered = SignedMessage("POST", f"http://{host}{path}", headers)
    with pytest.raises(Exception, match="Content-Digest"):
        verifier.verify(tampered, body=body + b" ")


@pytest.mark.usefixtures("endpoint")
def test_a_refused_webhook_fails_permanently_after_one_attempt(platform, receiver):
    receiver.failures, receiver.fail_status = 5, 400
    row = enqueue(platform)
    deliver_until_quiet(timezone.now(), rounds=3)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (WebhookStatus.FAILED, 1, "HTTP 400")
    assert receiver.requests == 1
    assert LedgerEntry.objects.filter(action="webhook.failed", ref=f"platforms.webhook:{row.pk}")


@pytest.mark.usefixtures("endpoint")
def test_too_many_requests_is_retried(platform, receiver):
    receiver.failures, receiver.fail_status = 1, 429
    row = enqueue(platform)
    deliver_until_quiet(timezone.now(), rounds=3)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (WebhookStatus.SENT, 2)


@pytest.mark.usefixtures("endpoint")
def test_it_gives_up_after_the_maximum_attempts(platform, receiver, settings):
    settings.JUBAO_WEBHOOK_MAX_ATTEMPTS = 3
    receiver.failures = 100
    row = enqueue(platform)
    deliver_until_quiet(timezone.now())
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (WebhookStatus.FAILED, 3, "HTTP 503")
    assert receiver.requests == 3


def test_an_unreachable_platform_is_retried(platform):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    # Nobody listens on that port any more.
    PlatformEndpoint.objects.create(platform=platform, url=f"http://127.0.0.1:{port}/hooks")
    row = enqueue(platform)
    assert webhooks_deliver() == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (WebhookStatus.PENDING, 1)
    assert row.last_error == "ConnectionRefusedError"


def test_a_platform_without_an_enabled_endpoint_keeps_its_webhooks(platform, receiver):
    row = enqueue(platform)
    assert webhooks_deliver() == 0
    PlatformEndpoint.objects.create(platform=platform, url=receiver.url, enabled=False)
    assert webhooks_deliver() == 0
    PlatformEndpoint.objects.filter(platform=platform).update(enabled=True)
    assert webhooks_deliver() == 1
    row.refresh_from_db()
    assert row.status == WebhookStatus.SENT


def test_enqueue_is_idempotent_on_the_key(platform):
    first, again = enqueue(platform), enqueue(platform)
    assert first.pk == again.pk
    assert Webhook.objects.count() == 1
    with pytest.raises(DomainError) as refused:
        webhook_enqueue(platform=platform, event="case.other", body={}, key="case-7-notice-1")
    assert refused.value.code == "idempotency_conflict"


@pytest.mark.usefixtures("endpoint")
def test_a_claimed_webhook_is_not_sent_by_a_second_deliverer(platform, receiver):
    from jubao.platforms.webhooks import _claim, _record

    row = enqueue(platform)
    now = timezone.now()
    (claimed,) = _claim(now, 10)
    assert webhooks_deliver(now=now) == 0  # In flight: another worker leaves it alone.
    # The lease ran out and a second worker took and sent it; the first one's late result
    # must not overwrite that.
    assert webhooks_deliver(now=now + dt.timedelta(hours=1)) == 1
    _record(claimed, "HTTP 503", now)
    row.refresh_from_db()
    assert (row.status, row.attempts, len(receiver.accepted)) == (WebhookStatus.SENT, 2, 1)


@pytest.mark.usefixtures("endpoint")
def test_the_deliver_command_sends_due_webhooks(platform, receiver):
    enqueue(platform)
    call_command("platforms", "deliver")
    assert len(receiver.accepted) == 1


@pytest.mark.usefixtures("endpoint")
def test_a_redirect_is_not_followed(platform, receiver):
    receiver.failures, receiver.fail_status = 1, 302
    row = enqueue(platform)
    assert webhooks_deliver() == 1
    row.refresh_from_db()
    assert (row.status, row.last_error, receiver.requests) == (WebhookStatus.PENDING, "HTTP 302", 1)
