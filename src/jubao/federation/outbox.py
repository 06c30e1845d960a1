"""The federation outbox: one row per message, queued in the transaction of the change that
caused it, delivered by `jubao workers` with retries and back-off until the peer acknowledges.

Delivery follows the platform webhooks (`jubao.platforms.webhooks`): due rows are claimed in a
short transaction with a lease past the HTTP timeout, sent, and the result recorded only if the
claim still holds. A message is re-signed on every attempt (new nonce and time) but keeps its id
and body, so the receiver, which keeps every (sender, id) it applied, applies it exactly once.
A delivered message counts only with the receiver's signed receipt.
"""

from __future__ import annotations

import datetime as dt
import http.client
import logging
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jubao.federation import protocol
from jubao.federation.models import MessageStatus, OutMessage, Peer
from jubao.ledger.services import ledger_append, obj_ref
from jubao.platforms.signatures import SignatureError
from jubao.platforms.webhooks import backoff, outbox_claim

# Refusals worth retrying: the peer does not know our key yet or no longer knows the time
# (401, 403), is not set up yet (404), timed out reading or asks us to slow down.
RETRYABLE_CLIENT_ERRORS = {401, 403, 404, 408, 429}
log = logging.getLogger(__name__)


def message_enqueue(*, peer: Peer, kind: str, body: dict[str, Any]) -> OutMessage:
    """Queue a message for `peer`; it commits (or not) with the caller's transaction."""
    data = protocol.envelope(peer=peer, kind=kind, body=body)
    return OutMessage.objects.create(
        message_id=data["id"],
        peer=peer,
        kind=kind,
        envelope=data,
        next_attempt_at=timezone.now(),
    )


def _claim(now: dt.datetime, limit: int) -> list[OutMessage]:
    due = (
        OutMessage.objects.select_related("peer")
        .filter(status=MessageStatus.PENDING, next_attempt_at__lte=now, peer__enabled=True)
        .order_by("next_attempt_at", "pk")[:limit]
    )
    lease = dt.timedelta(seconds=settings.JUBAO_FEDERATION_TIMEOUT + 60)
    return outbox_claim(due, now=now, lease=lease)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is not an acknowledgement: a message is never re-sent elsewhere."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def post(peer: Peer, data: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """Send one envelope; return (the verified receipt, None) or (None, a short error)."""
    url = peer.url + protocol.INBOX_PATH
    body = protocol.encode(data)
    headers = protocol.sign_request(url=url, message_id=data["id"], body=body)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with _opener.open(request, timeout=settings.JUBAO_FEDERATION_TIMEOUT) as response:
            answer = response.read()
            answer_headers = dict(response.headers.items())
    except urllib.error.HTTPError as exc:
        return None, f"HTTP {exc.code}"
    except (OSError, http.client.HTTPException, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, type(reason).__name__
    try:
        receipt = protocol.verify_receipt(
            peer=peer, url=url, message_id=data["id"], headers=answer_headers, body=answer
        )
    except SignatureError as exc:
        return None, f"receipt {exc.code}"
    return receipt, None


def _permanent(error: str) -> bool:
    if not error.startswith("HTTP 4"):
        return False
    return int(error.split()[1]) not in RETRYABLE_CLIENT_ERRORS


@transaction.atomic
def _record(row: OutMessage, receipt: dict[str, Any] | None, error: str | None, now: Any) -> None:
    from jubao.federation.handlers import on_receipt

    fields: dict[str, Any] = {"last_error": error or ""}
    if error is None:
        fields.update(status=MessageStatus.SENT, sent_at=timezone.now(), receipt=receipt)
    elif _permanent(error) or row.attempts >= settings.JUBAO_FEDERATION_MAX_ATTEMPTS:
        fields.update(status=MessageStatus.FAILED)
    else:
        fields.update(next_attempt_at=now + backoff(row.attempts))
    updated = OutMessage.objects.filter(
        pk=row.pk, attempts=row.attempts, status=MessageStatus.PENDING
    ).update(**fields)
    if not updated:
        return  # the lease ran out and another worker holds the row now
    status = fields.get("status")
    if status == MessageStatus.SENT and receipt is not None:
        on_receipt(row, receipt.get("result") or {})
    if status is not None:
        ledger_append(
            actor="system",
            action="federation.sent" if status == MessageStatus.SENT else "federation.failed",
            ref=obj_ref(row),
            payload={"kind": row.kind, "peer": row.peer.code, "attempts": row.attempts},
        )
    if error is not None:
        log.warning("federation message %s attempt %d failed: %s", row.pk, row.attempts, error)


def messages_deliver(*, now: dt.datetime | None = None, limit: int = 100) -> int:
    """Send the due messages; return how many were tried."""
    now = now or timezone.now()
    claimed = _claim(now, limit)
    for row in claimed:
        receipt, error = post(row.peer, row.envelope)
        _record(row, receipt, error, now)
    return len(claimed)
