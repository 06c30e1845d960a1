"""Complaints about platforms (§19): a netizen says a platform did not handle an infringement
report in time. Each complaint has its own receipt code, deadlines and history, and ends with the
office's answer and the complainant's evaluation of it.

Nothing here holds the complainant's identity or contact details: those are sealed by the vault
under (`complaints.complaint`, `Complaint.vault_ref`, field). The receipt code is stored only as a
keyed hash.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jubao.accounts.models import Office, Platform
from jubao.intake.models import Report


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACCEPTED = "accepted", _("Accepted")
    REFERRED = "referred", _("Referred to the platform")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")


# Statuses in which the office still owes the complainant something (and a deadline runs).
OPEN_STATUSES = (ComplaintStatus.RECEIVED, ComplaintStatus.ACCEPTED, ComplaintStatus.REFERRED)


class Complaint(models.Model):
    """One complaint about how a platform handled (or did not handle) an infringement report."""

    vault_ref = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("reference"), max_length=32, unique=True)
    receipt_hash = models.CharField(max_length=64, unique=True)
    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("platform")
    )
    report = models.ForeignKey(
        Report,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("linked report"),
    )
    platform_reference = models.CharField(
        _("the platform's ticket number"), max_length=100, blank=True
    )
    description = models.TextField(_("what happened"))
    reported_to_platform_on = models.DateField(_("reported to the platform on"))
    jurisdiction = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("office")
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ComplaintStatus.choices,
        default=ComplaintStatus.RECEIVED,
    )
    reason = models.TextField(_("reason for not accepting"), blank=True)
    answer = models.TextField(_("answer"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    accept_due_at = models.DateTimeField(_("to accept by"))
    answer_due_at = models.DateTimeField(_("to answer by"), null=True, blank=True)
    # The deadline running now (acceptance, then the answer); empty once answered or refused.
    due_at = models.DateTimeField(_("due"), null=True, blank=True, db_index=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(report__isnull=False) | ~models.Q(platform_reference=""),
                name="complaint_report_or_platform_reference",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, now: dt.datetime | None = None) -> bool:
        return bool(self.due_at and self.due_at < (now or timezone.now()))


class EventKind(models.TextChoices):
    RECEIVED = "received", _("Complaint received")
    ACCEPTED = "accepted", _("Complaint accepted")
    NOT_ACCEPTED = "not_accepted", _("Complaint not accepted")
    ASKED = "asked", _("Question sent to the platform")
    REPLIED = "replied", _("Reply from the platform")
    ANSWERED = "answered", _("Answer to the complainant")
    CLOSED = "closed", _("Complaint closed")
    EVALUATED = "evaluated", _("Answer evaluated")


# Lines whose text the complainant sees on the inquiry page; the exchanges with the platform are
# shown as lines without their text.
PUBLIC_TEXT = (EventKind.NOT_ACCEPTED, EventKind.ANSWERED)


class ComplaintEvent(models.Model):
    """One line of a complaint's history; `body` is the text entered by staff, if any."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    body = models.TextField(blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["complaint", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"


class ComplaintEvaluation(models.Model):
    """The complainant's satisfaction with the handling of the complaint (1–5 and a comment)."""

    complaint = models.OneToOneField(Complaint, on_delete=models.CASCADE, related_name="evaluation")
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="complaint_evaluation_1_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.score}"
