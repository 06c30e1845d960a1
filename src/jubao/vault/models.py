"""Sealed values: one row per (table, row, field), each under its own data key.

The owner of a value is named, not referenced by a foreign key, so any model can seal values
without a schema change here, and can do so before it has been saved: the owner gives itself a
UUID (a UUID primary key, or a `vault_ref = UUIDField(default=uuid.uuid4)` column) and passes it
as `row`. Nothing in this table is readable without the key-encryption key, which lives outside
the database.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SealedValue(models.Model):
    """One encrypted value: AES-256-GCM under a random data key wrapped by a KEK."""

    table = models.CharField(_("table"), max_length=100)
    row = models.CharField(_("row"), max_length=64)
    field = models.CharField(_("field"), max_length=64)
    key_id = models.CharField(_("key id"), max_length=64)
    wrapped_dek = models.BinaryField(_("wrapped data key"))
    nonce = models.BinaryField(_("nonce"))
    ciphertext = models.BinaryField(_("ciphertext"))
    sealed_at = models.DateTimeField(_("sealed at"), auto_now=True)

    class Meta:
        verbose_name = _("sealed value")
        verbose_name_plural = _("sealed values")
        constraints = [
            models.UniqueConstraint(fields=["table", "row", "field"], name="vault_sealed_place"),
        ]
        indexes = [models.Index(fields=["key_id", "id"], name="vault_sealed_key_idx")]

    def __str__(self) -> str:
        # Never the value: only where it belongs.
        return f"{self.table}:{self.row}.{self.field}"
