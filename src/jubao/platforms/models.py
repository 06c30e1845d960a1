"""Keys, endpoints and the webhook outbox of the platform API.

A platform signs every request with one of its Ed25519 keys; a platform may hold several keys at
once so that it can rotate them without downtime. Webhooks to a platform wait in an outbox until
its endpoint accepts them.
"""

from __future__ import annotations

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
