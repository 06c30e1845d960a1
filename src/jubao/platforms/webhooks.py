"""Webhooks to platforms: an outbox row per event, signed, retried with back-off until accepted.

The row commits with the change that caused it, so nothing is lost when a platform is down or a
worker dies. A worker claims due rows in a short transaction (`select_for_update(skip_locked)` on
PostgreSQL; SQLite's write lock serialises claims) and moves their next attempt past the HTTP
timeout, so no other worker takes them while they are in flight; the result is then recorded only
if the row is still the one claimed. A crash between sending and recording sends the webhook
again with the same `Idempotency-Key`, which the platform uses to ignore the repeat.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import logging
import random
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jubao.accounts.models import Platform
from jubao.errors import DomainError
from jubao.ledger.services import ledger_append, obj_ref
from jubao.platforms.models import PlatformEndpoint, Webhook, WebhookStatus
from jubao.platforms.signatures import request_sign

BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 6 * 3600
# Client errors worth retrying: the platform timed out reading, or asks us to slow down.
RETRYABLE_CLIENT_ERRORS = {408, 429}
log = logging.getLogger(__name__)


@transaction.atomic
def platform_endpoint_set(
    *, actor: str, platform: Platform, url: str, enabled: bool = True
) -> PlatformEndpoint:
    """Set where a platform receives webhooks (HTTPS only)."""
    if not url.startswith("https://"):
        raise DomainError(_("A webhook URL must use HTTPS."), code="invalid", field="url")
    endpoint, _created = PlatformEndpoint.objects.update_or_create(
        platform=platform, defaults={"url": url, "enabled": enabled}
    )
    ledger_append(
        actor=actor,
        action="platform_endpoint.set",
        ref=obj_ref(endpoint),
        payload={"enabled": enabled},
    )
    return endpoint


def webhook_enqueue(*, platform: Platform, event: str, body: dict[str, Any], key: str) -> Webhook:
    """Queue an event for a platform; the same key again returns the row queued the first time."""
    existing = Webhook.objects.filter(idempotency_key=key).first()
    if existing is None:
        try:
            with transaction.atomic():
                return Webhook.objects.create(
                    platform=platform,
                    event=event,
                    idempotency_key=key,
                    body=body,
                    next_attempt_at=timezone.now(),
                )
        except IntegrityError:
            existing = Webhook.objects.get(idempotency_key=key)
    if existing.platform_id != platform.pk or existing.event != event:
        raise DomainError(
            _("This idempotency key was already used for another event."),
            code="idempotency_conflict",
        )
    return existing


def backoff(attempts: int) -> dt.timedelta:
    """Exponential with jitter: between half and all of 30 s x 2^(attempts-1), at most 6 h."""
    ceiling = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0))
    return dt.timedelta(seconds=random.uniform(ceiling / 2, ceiling))  # noqa: S311  # nosec B311


def outbox_claim[Row: Model](
    due: QuerySet[Row], *, now: dt.datetime, lease: dt.timedelta
) -> list[Row]:
    """Lock the rows of an outbox that are `due` (skipping those another worker holds), count an
    attempt on each and push its next attempt past `lease`, so a worker that dies mid-send
    leaves them to be retried, not lost. The rows need `attempts` and `next_attempt_at`."""
    with transaction.atomic():
        claimed = list(due.select_for_update(skip_locked=True, of=("self",)))
        for row in claimed:
            row.attempts += 1  # type: ignore[attr-defined]
            row.next_attempt_at = now + lease  # type: ignore[attr-defined]
            row.save(update_fields=["attempts", "next_attempt_at"])
    return claimed


def _claim(now: dt.datetime, limit: int) -> list[Webhook]:
    due = Webhook.objects.filter(
        status=WebhookStatus.PENDING,
        next_attempt_at__lte=now,
        platform__endpoint__enabled=True,
    ).order_by("next_attempt_at")[:limit]
    lease = dt.timedelta(seconds=settings.JUBAO_WEBHOOK_TIMEOUT + 60)
    return outbox_claim(due, now=now, lease=lease)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not an acceptance: a POST is never re-sent elsewhere."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _post(row: Webhook) -> str | None:
    """Send one webhook; return None when accepted, else a short error without any content."""
    url = row.platform.endpoint.url
    body = json.dumps(
        {"event": row.event, "idempotency_key": row.idempotency_key, "data": row.body},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    headers = request_sign(
        method="POST",
        url=url,
        headers={"Content-Type": "application/json", "Idempotency-Key": row.idempotency_key},
        body=body,
    )
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with _opener.open(request, timeout=settings.JUBAO_WEBHOOK_TIMEOUT):
            return None
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    # Refused, unreachable, timed out (URLError is an OSError), or not speaking HTTP.
    except (OSError, http.client.HTTPException, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return type(reason).__name__


def _permanent(error: str) -> bool:
    if not error.startswith("HTTP 4"):
        return False
    return int(error.split()[1]) not in RETRYABLE_CLIENT_ERRORS


@transaction.atomic
def _record(row: Webhook, error: str | None, now: dt.datetime) -> None:
    fields: dict[str, Any] = {"last_error": error or ""}
    if error is None:
        fields.update(status=WebhookStatus.SENT, sent_at=timezone.now())
    elif _permanent(error) or row.attempts >= settings.JUBAO_WEBHOOK_MAX_ATTEMPTS:
        fields.update(status=WebhookStatus.FAILED)
    else:
        fields.update(next_attempt_at=now + backoff(row.attempts))
    # Only the claim we hold: a row whose lease ran out and was taken again is left alone.
    updated = Webhook.objects.filter(
        pk=row.pk, attempts=row.attempts, status=WebhookStatus.PENDING
    ).update(**fields)
    status = fields.get("status")
    if updated and status is not None:
        action = "webhook.sent" if status == WebhookStatus.SENT else "webhook.failed"
        ledger_append(
            actor="system", action=action, ref=obj_ref(row), payload={"attempts": row.attempts}
        )
    if error is not None:
        log.warning("webhook %s attempt %d failed: %s", row.pk, row.attempts, error)


def webhooks_deliver(*, now: dt.datetime | None = None, limit: int = 100) -> int:
    """Send the due webhooks; return how many were tried."""
    now = now or timezone.now()
    claimed = _claim(now, limit)
    for row in claimed:
        _record(row, _post(row), now)
    return len(claimed)
