"""Queue a message in the caller's transaction; deliver it after commit, retrying on failure.

The outbox row commits with the change that caused it, so a crash after commit loses nothing:
`jubao notify send` (or the next attempt after commit) delivers whatever is still pending.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import cache

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from jubao.notify.backends import Backend
from jubao.notify.models import Channel, Message, State
from jubao.vault.services import vault_open, vault_purge, vault_seal

TABLE = "notify.message"
MAX_ATTEMPTS = 8
log = logging.getLogger(__name__)


@cache
def backend(channel: str) -> Backend:
    path = {
        Channel.EMAIL: settings.JUBAO_NOTIFY_EMAIL_BACKEND,
        Channel.SMS: settings.JUBAO_NOTIFY_SMS_BACKEND,
    }[Channel(channel)]
    return import_string(path)()


def notify_enqueue(*, channel: str, to: str, subject: str, body: str) -> Message:
    """Queue a message; it is sent once the surrounding transaction commits."""
    message = Message.objects.create(
        channel=Channel(channel),
        subject=subject[:200],
        body=body,
        next_attempt_at=timezone.now(),
    )
    vault_seal(table=TABLE, row=message.vault_ref, field="to", value=to)
    transaction.on_commit(lambda: notify_dispatch(ids=[message.pk]))
    return message


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(3600, 30 * 2**attempts))


def _deliver(message: Message) -> None:
    to = vault_open(table=TABLE, row=message.vault_ref, field="to")
    try:
        backend(message.channel).send(to, message.subject, message.body)
    except Exception as exc:
        message.attempts += 1
        message.last_error = type(exc).__name__
        failed = message.attempts >= MAX_ATTEMPTS
        message.state = State.FAILED if failed else State.PENDING
        message.next_attempt_at = timezone.now() + _backoff(message.attempts)
        log.warning(
            "notification %s failed (%s), attempt %d",
            message.pk,
            message.last_error,
            message.attempts,
        )
    else:
        message.attempts += 1
        message.state, message.sent_at = State.SENT, timezone.now()
        vault_purge(table=TABLE, row=message.vault_ref)
    message.save(update_fields=["attempts", "last_error", "state", "next_attempt_at", "sent_at"])


def notify_dispatch(*, ids: list[int] | None = None, limit: int = 100) -> int:
    """Send due messages (or the given ones); return how many were tried."""
    tried = 0
    with transaction.atomic():
        due = Message.objects.select_for_update(skip_locked=True).filter(
            state=State.PENDING, next_attempt_at__lte=timezone.now()
        )
        if ids is not None:
            due = due.filter(pk__in=ids)
        for message in due.order_by("next_attempt_at")[:limit]:
            _deliver(message)
            tried += 1
    return tried
