"""Ledger tables: the entries (leaves), the signed checkpoints and the one head row.

Entries and checkpoints are append-only: `save()` on an existing row and `delete()` raise here,
and database triggers (migration 0002) refuse UPDATE, DELETE and TRUNCATE underneath, so that
raw SQL and other tools are stopped too. The head row is updated on every append; it is a cache
of the tree's right edge that `ledger verify` checks against the recomputed tree.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove a ledger row."""


class AppendOnlyModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.label} rows are append-only")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{self._meta.label} rows are append-only")


class LedgerEntry(AppendOnlyModel):
    """One leaf of the work ledger. Never holds personal data: only references and a hash."""

    index = models.BigIntegerField(_("index"), primary_key=True)
    created_at = models.DateTimeField(_("time"))
    actor = models.CharField(_("actor"), max_length=100)
    action = models.CharField(_("action"), max_length=100)
    ref = models.CharField(_("object"), max_length=200)
    payload_hash = models.CharField(_("payload hash"), max_length=64)
    # Both are derivable from the columns above; they are kept so verification can say *which*
    # entry was altered: leaf_hash catches a careless edit, seal (an HMAC with a key outside the
    # database) catches an edit that also recomputed leaf_hash.
    leaf_hash = models.CharField(_("leaf hash"), max_length=64)
    seal = models.CharField(_("seal"), max_length=64)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["index"]
        indexes = [models.Index(fields=["ref", "index"], name="ledger_entry_ref_idx")]

    def __str__(self) -> str:
        return f"#{self.index} {self.action} {self.ref}"


class LedgerCheckpoint(AppendOnlyModel):
    """A signed statement "the ledger had `tree_size` entries and this root hash"."""

    tree_size = models.BigIntegerField(_("tree size"), unique=True)
    root_hash = models.CharField(_("root hash"), max_length=64)
    created_at = models.DateTimeField(_("time"))
    key_id = models.CharField(_("key id"), max_length=64)
    signature = models.CharField(_("signature"), max_length=128)

    class Meta:
        verbose_name = _("ledger checkpoint")
        verbose_name_plural = _("ledger checkpoints")
        ordering = ["tree_size"]

    def __str__(self) -> str:
        return f"checkpoint {self.tree_size} {self.root_hash[:12]}"


class LedgerHead(models.Model):
    """The single row (pk=1) locked by every append: size, right-edge frontier, last times."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    size = models.BigIntegerField(default=0)
    # Hex subtree roots of the frontier, largest first, joined with spaces (at most 64 of them).
    frontier = models.TextField(blank=True, default="")
    root_hash = models.CharField(max_length=64, blank=True, default="")
    last_time = models.DateTimeField(null=True, blank=True)
    checkpoint_size = models.BigIntegerField(default=0)
    checkpoint_at = models.DateTimeField()

    class Meta:
        verbose_name = _("ledger head")
        verbose_name_plural = _("ledger heads")

    def __str__(self) -> str:
        return f"ledger head size={self.size}"

    def frontier_bytes(self) -> list[bytes]:
        return [bytes.fromhex(part) for part in self.frontier.split()]
