"""Reports as filed: targets, evidence files, the reporter's timeline and receipts.

Nothing here holds the reporter's identity or contact details: those are sealed by the vault under
(`intake.report`, `Report.vault_ref`, field). No IP address is stored with a report.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jubao.accounts.models import Office, Platform
from jubao.cases.models import Case


class Channel(models.TextChoices):
    WEB = "web", _("Website")
    MOBILE = "mobile", _("Mobile website")
    API = "api", _("App or mini-program")
    PHONE = "phone", _("Telephone")
    LETTER = "letter", _("Letter")
    WALK_IN = "walk_in", _("In person")


STAFF_CHANNELS = (Channel.PHONE, Channel.LETTER, Channel.WALK_IN)


class ReportStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Report(models.Model):
    """One report as filed. Its handling happens on its case, shared with reports like it."""

    vault_ref = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("reference"), max_length=32, unique=True)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reports")
    item_code = models.CharField(_("report item"), max_length=64)
    catalogue_version = models.CharField(max_length=32)
    catalogue_hash = models.CharField(max_length=64)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    reporter_role = models.CharField(_("reporting as"), max_length=16)
    for_minor = models.BooleanField(_("concerns a minor"), default=False)
    for_elderly = models.BooleanField(_("concerns an elderly person"), default=False)
    for_disabled = models.BooleanField(_("concerns a person with a disability"), default=False)
    description = models.TextField(_("what happened"))
    track = models.CharField(_("track"), max_length=16)
    priority = models.PositiveSmallIntegerField(_("priority"))
    jurisdiction = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="reports")
    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, null=True, blank=True, related_name="reports"
    )
    status = models.CharField(
        max_length=16, choices=ReportStatus.choices, default=ReportStatus.RECEIVED
    )
    receipt_hash = models.CharField(max_length=64, unique=True)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Codes of required evidence the reporter has not provided yet (from the catalogue).
    missing_evidence = models.JSONField(default=list, blank=True)
    # Findings of the analysis engine, without the personal data itself (kinds, scores).
    analysis = models.JSONField(default=dict, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")

    def __str__(self) -> str:
        return self.reference


class Target(models.Model):
    """Where the infringing content is: the fields the catalogue asks for, by code."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="targets")
    position = models.PositiveSmallIntegerField()
    fields = models.JSONField()
    # Keyed hash of the canonical URL or platform+account: finds open cases about the same target.
    target_key = models.CharField(max_length=64, db_index=True)

    class Meta:
        ordering = ["report", "position"]
        constraints = [
            models.UniqueConstraint(fields=["report", "position"], name="target_position")
        ]

    def __str__(self) -> str:
        return f"{self.report_id}/{self.position}"


class Evidence(models.Model):
    """An evidence file: the original and the staff copy are stored encrypted on disk."""

    vault_ref = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("evidence kind"), max_length=48)
    media_kind = models.CharField(max_length=8)
    media_type = models.CharField(max_length=64)
    extension = models.CharField(max_length=8)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    staff_media_type = models.CharField(max_length=64, blank=True)
    metadata_removed = models.JSONField(default=list, blank=True)
    added_later = models.BooleanField(default=False)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["report", "added_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.sha256[:12]}"


class EventKind(models.TextChoices):
    RECEIVED = "received", _("Report received")
    JOINED = "joined", _("Joined an open case about the same content")
    EVIDENCE_MISSING = "evidence_missing", _("Proof missing")
    EVIDENCE_ADDED = "evidence_added", _("Evidence added")
    MESSAGE_IN = "message_in", _("Message from the reporter")
    MESSAGE_OUT = "message_out", _("Message from the handler")
    PROOF_REQUESTED = "proof_requested", _("More proof requested")
    STATUS = "status", _("Status changed")
    MEASURE = "measure", _("Measure carried out or changed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EVALUATED = "evaluated", _("Result evaluated")


class ReportEvent(models.Model):
    """One line of the reporter's timeline; `params` never holds personal data."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    params = models.JSONField(default=dict, blank=True)
    body = models.TextField(blank=True)
    public = models.BooleanField(default=True)

    class Meta:
        ordering = ["report", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"


class Evaluation(models.Model):
    """The reporter's evaluation of the result (1–5 and a comment)."""

    report = models.OneToOneField(Report, on_delete=models.CASCADE, related_name="evaluation")
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="evaluation_score_1_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.score}"


class IdempotencyRecord(models.Model):
    """The first answer to a submission key, returned again to every retry with that key."""

    key_hash = models.CharField(max_length=64, unique=True)
    body_hash = models.CharField(max_length=64)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key_hash[:12]


class UsedChallenge(models.Model):
    """A solved proof-of-work challenge, kept until it expires so it cannot be replayed."""

    challenge = models.CharField(max_length=128, unique=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.challenge[:12]
