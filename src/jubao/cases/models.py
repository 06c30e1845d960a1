"""A case gathers the reports about one incident, so it is accepted once and disposed of once."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from jubao.accounts.models import Office, Platform


class CaseStatus(models.TextChoices):
    PENDING = "pending", _("Pending acceptance")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")
    TRANSFERRED = "transferred", _("Transferred")
    MERGED = "merged", _("Merged into another case")
    ACCEPTED = "accepted", _("Accepted")
    UNDER_REVIEW = "under_review", _("Under review")
    AWAITING_PROOF = "awaiting_proof", _("Waiting for supplementary proof")
    JUDGED = "judged", _("Judged")
    IN_DISCUSSION = "in_discussion", _("In collective discussion")
    DISPOSAL_PROPOSED = "disposal_proposed", _("Disposal proposed")
    IN_APPROVAL = "in_approval", _("In approval")
    DISPOSING = "disposing", _("Disposing")
    DISPOSED = "disposed", _("Disposed")
    ANSWERED = "answered", _("Answer sent")
    EVALUATED = "evaluated", _("Evaluated")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")
    WITHDRAWN = "withdrawn", _("Withdrawn by the reporter")


# A report about a target of a case in one of these states is not joined to it but opens anew.
FINISHED = frozenset(
    {
        CaseStatus.NOT_ACCEPTED,
        CaseStatus.TRANSFERRED,
        CaseStatus.MERGED,
        CaseStatus.CLOSED,
        CaseStatus.WITHDRAWN,
        CaseStatus.EVALUATED,
    }
)


class Case(models.Model):
    """One incident: its reports, its jurisdiction, its track and priority, its state."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("reference"), max_length=32, unique=True)
    item_code = models.CharField(_("report item"), max_length=64)
    catalogue_version = models.CharField(max_length=32)
    catalogue_hash = models.CharField(max_length=64)
    status = models.CharField(
        _("status"), max_length=24, choices=CaseStatus.choices, default=CaseStatus.PENDING
    )
    track = models.CharField(_("track"), max_length=16)
    priority = models.PositiveSmallIntegerField(_("priority"))
    jurisdiction = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="cases")
    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)

    class Meta:
        ordering = ["priority", "opened_at"]
        indexes = [models.Index(fields=["status", "priority", "opened_at"])]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status not in FINISHED
