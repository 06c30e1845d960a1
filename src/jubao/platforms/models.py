"""Keys, endpoints and the webhook outbox of the platform API.

A platform signs every request with one of its Ed25519 keys; a platform may hold several keys at
once so that it can rotate them without downtime. Webhooks to a platform wait in an outbox until
its endpoint accepts them.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from jubao.accounts.models import Platform


class PlatformKey(models.Model):
    """A public key a platform signs its requests with; revoked keys are kept for the record."""

    platform = models.ForeignKey(
        Platform, on_delete=models.CASCADE, related_name="keys", verbose_name=_("platform")
    )
    key_id = models.CharField(_("key id"), max_length=100, unique=True)
    # The raw 32-byte Ed25519 public key, base64 encoded.
    public_key = models.CharField(_("public key"), max_length=64)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("platform key")
        verbose_name_plural = _("platform keys")

    def __str__(self) -> str:
        return self.key_id


class SeenNonce(models.Model):
    """A nonce already used with a key; kept until the signature it came with has expired."""

    key_id = models.CharField(max_length=100)
    nonce = models.CharField(max_length=128)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key_id", "nonce"], name="platforms_nonce_once")
        ]
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self) -> str:
        return f"{self.key_id} {self.nonce}"


class PlatformEndpoint(models.Model):
    """Where a platform receives webhooks."""

    platform = models.OneToOneField(
        Platform, on_delete=models.CASCADE, related_name="endpoint", verbose_name=_("platform")
    )
    url = models.URLField(_("webhook URL"), max_length=500)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("platform endpoint")
        verbose_name_plural = _("platform endpoints")

    def __str__(self) -> str:
        return self.url


class WebhookStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed permanently")


class Webhook(models.Model):
    """One event for one platform; claimed, sent, then marked sent or retried later."""

    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, related_name="webhooks", verbose_name=_("platform")
    )
    event = models.CharField(_("event"), max_length=64)
    idempotency_key = models.CharField(_("idempotency key"), max_length=128, unique=True)
    body = models.JSONField(_("body"))
    status = models.CharField(
        _("status"), max_length=8, choices=WebhookStatus.choices, default=WebhookStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    # A status code or an error class name, never the response body (it may hold anything).
    last_error = models.CharField(_("last error"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event} {self.status} {self.pk}"


class TransferKind(models.TextChoices):
    CASE = "case", _("Case handed to the platform")
    MEASURE = "measure", _("Measure to carry out")


class TransferStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    QUESTION = "question", _("Waiting for an answer to the platform's question")
    DONE = "done", _("Done")
    DISPUTED = "disputed", _("Disputed by the platform")


OPEN_TRANSFER = (TransferStatus.SENT, TransferStatus.ACKNOWLEDGED, TransferStatus.QUESTION)


class Transfer(models.Model):
    """Work handed to a platform: a whole case, or one measure to carry out.

    `payload` is what the platform is shown: the report item, the targets, the facts with
    personal information masked, and never the reporter's identity.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, related_name="transfers", verbose_name=_("platform")
    )
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="transfers")
    measure = models.OneToOneField(
        "measures.Measure",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transfer",
    )
    kind = models.CharField(max_length=8, choices=TransferKind.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=TransferStatus.choices, default=TransferStatus.SENT
    )
    payload = models.JSONField(default=dict)
    sent_at = models.DateTimeField(auto_now_add=True)
    due_at = models.DateTimeField(_("due"))
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    # The platform's own ticket number, if it gives one.
    platform_reference = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["sent_at", "pk"]
        indexes = [
            models.Index(fields=["platform", "status", "sent_at"]),
            models.Index(fields=["status", "due_at"]),
        ]
        verbose_name = _("transfer to a platform")
        verbose_name_plural = _("transfers to platforms")

    def __str__(self) -> str:
        return f"{self.platform_id} {self.kind} {self.case_id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_TRANSFER


class TransferEvent(models.Model):
    """One message or step on a transfer: sent, acknowledged, a question and its answer, the
    platform's report of what it did, a dispute."""

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    # "platform", or the staff member who acted.
    by_platform = models.BooleanField(default=False)
    by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=16)
    text = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["transfer", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.transfer_id} {self.kind}"


class TransferEvidence(models.Model):
    """A file the platform sent with its report (a screenshot of the removed page...), stored
    encrypted like reporters' evidence after the same checks."""

    vault_ref = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="evidence")
    name = models.CharField(max_length=100)
    media_type = models.CharField(max_length=64)
    staff_media_type = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.transfer_id} {self.name}"
