"""The notification outbox: sent after commit, retried when a backend fails, address sealed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.utils import timezone

from jubao.notify.backends import MemoryBackend, mask
from jubao.notify.models import Message, State
from jubao.notify.services import backend, notify_dispatch, notify_enqueue

pytestmark = pytest.mark.django_db


class FlakyBackend:
    failures = 0

    def send(self, to: str, subject: str, body: str) -> None:
        if FlakyBackend.failures:
            FlakyBackend.failures -= 1
            raise ConnectionError("gateway down")
        MemoryBackend.outbox.append((to, subject, body))


@pytest.fixture(autouse=True)
def _backends(settings):
    settings.JUBAO_NOTIFY_SMS_BACKEND = "tests.notify.test_outbox.FlakyBackend"
    settings.JUBAO_NOTIFY_EMAIL_BACKEND = "jubao.notify.backends.MemoryBackend"
    backend.cache_clear()
    MemoryBackend.outbox.clear()
    yield
    backend.cache_clear()


def test_a_message_is_sent_after_commit_and_the_address_is_forgotten(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = notify_enqueue(channel="email", to="a@example.cn", subject="s", body="b")
        assert MemoryBackend.outbox == []
    assert MemoryBackend.outbox == [("a@example.cn", "s", "b")]
    message.refresh_from_db()
    assert message.state == State.SENT
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM vault_sealedvalue WHERE row = %s", [str(message.vault_ref)]
        )
        assert cursor.fetchone()[0] == 0


def test_nothing_is_sent_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                notify_enqueue(channel="email", to="a@example.cn", subject="s", body="b")
                raise RuntimeError("the change failed")
        except RuntimeError:
            pass
    assert MemoryBackend.outbox == []
    assert Message.objects.count() == 0


def test_a_failing_gateway_is_retried_and_delivers_once(django_capture_on_commit_callbacks):
    FlakyBackend.failures = 2
    with django_capture_on_commit_callbacks(execute=True):
        message = notify_enqueue(channel="sms", to="13912345678", subject="", body="code 1")
    message.refresh_from_db()
    assert message.state == State.PENDING and message.attempts == 1
    for _ in range(3):
        Message.objects.filter(pk=message.pk).update(
            next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
        )
        notify_dispatch()
    message.refresh_from_db()
    assert message.state == State.SENT
    assert MemoryBackend.outbox == [("13912345678", "", "code 1")]


def test_console_output_masks_the_address():
    assert mask("13912345678") == "139****78"
    assert mask("someone@example.cn") == "s***@example.cn"
