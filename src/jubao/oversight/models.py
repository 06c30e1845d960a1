"""Supervision of platforms (§18): inspection plans and their findings, the problem ledger with
rectification and its verification, interviews with platforms and penalties decided on them.

Jurisdiction follows the platform: a platform is supervised by the office it is registered in
(`Platform.jurisdiction`), and every record here is seen by the staff whose jurisdiction covers it.
Scorecards are computed, not stored (see scorecards.py).
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jubao.accounts.models import Office, Platform

TEXT_MAX = 4000
TITLE_MAX = 200


class PlanStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class InspectionPlan(models.Model):
    """An inspection of one or more platforms over a period, planned by an office."""

    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="inspection_plans", verbose_name=_("office")
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    scope = models.TextField(_("scope"), blank=True)
    platforms = models.ManyToManyField(
        Platform, related_name="inspection_plans", verbose_name=_("platforms")
    )
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))
    status = models.CharField(
        _("status"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.PLANNED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="oversight_plan_period_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    SERIOUS = "serious", _("Serious")


class Finding(models.Model):
    """What an inspection found on one platform."""

    plan = models.ForeignKey(
        InspectionPlan, on_delete=models.PROTECT, related_name="findings", verbose_name=_("plan")
    )
    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, related_name="findings", verbose_name=_("platform")
    )
    description = models.TextField(_("description"))
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    found_on = models.DateField(_("found on"))
    found_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["-found_on", "-pk"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")

    def __str__(self) -> str:
        return f"{self.plan_id}/{self.pk}"


class ProblemStatus(models.TextChoices):
    OPEN = "open", _("Open")
    SUBMITTED = "submitted", _("Rectification submitted")
    VERIFIED = "verified", _("Rectification verified")
    REOPENED = "reopened", _("Reopened")


# The platform still has to act on these.
AWAITING_RECTIFICATION = (ProblemStatus.OPEN, ProblemStatus.REOPENED)


class Problem(models.Model):
    """One entry of the problem ledger: a problem a platform must rectify by a deadline.

    The platform (or a supervisor recording it for the platform) submits its rectification with
    a note and files; a supervisor other than the submitter verifies it, or reopens the problem.
    Each submission is a new `round`; the files of every round are kept.
    """

    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, related_name="problems", verbose_name=_("platform")
    )
    finding = models.ForeignKey(
        Finding,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="problems",
        verbose_name=_("finding"),
    )
    description = models.TextField(_("description"))
    deadline = models.DateField(_("rectification deadline"))
    status = models.CharField(
        _("status"), max_length=16, choices=ProblemStatus.choices, default=ProblemStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    round = models.PositiveSmallIntegerField(_("round"), default=0)
    rectification_note = models.TextField(_("rectification note"), blank=True)
    rectified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rectified_at = models.DateTimeField(_("rectification submitted"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    verification_note = models.TextField(_("verification note"), blank=True)

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        indexes = [models.Index(fields=["platform", "status", "deadline"])]
        constraints = [
            # Separation of duties in the database too: whoever submitted or recorded the
            # rectification cannot be the one who verifies it.
            models.CheckConstraint(
                condition=~models.Q(verified_by=models.F("rectified_by")),
                name="oversight_problem_not_verified_by_rectifier",
            ),
            models.CheckConstraint(
                condition=(
                    ~models.Q(status=ProblemStatus.VERIFIED)
                    | models.Q(
                        verified_by__isnull=False,
                        verified_at__isnull=False,
                        rectified_by__isnull=False,
                        rectified_at__isnull=False,
                    )
                ),
                name="oversight_problem_verification_complete",
            ),
            models.CheckConstraint(
                condition=(
                    ~models.Q(status=ProblemStatus.SUBMITTED)
                    | models.Q(rectified_by__isnull=False, rectified_at__isnull=False)
                ),
                name="oversight_problem_submission_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.platform_id}/{self.pk}"

    @property
    def overdue(self) -> bool:
        return self.status in AWAITING_RECTIFICATION and self.deadline < timezone.localdate()

    def days_left(self, today: dt.date | None = None) -> int:
        return (self.deadline - (today or timezone.localdate())).days


class RectificationFile(models.Model):
    """A file that shows a rectification, stored encrypted by the evidence pipeline."""

    vault_ref = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    problem = models.ForeignKey(Problem, on_delete=models.PROTECT, related_name="files")
    round = models.PositiveSmallIntegerField(_("round"))
    name = models.CharField(_("name"), max_length=100)
    media_type = models.CharField(max_length=64)
    staff_media_type = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["problem", "round", "pk"]

    def __str__(self) -> str:
        return f"{self.problem_id} {self.name}"


class Interview(models.Model):
    """An interview (约谈) with a platform's people: who attended, what was said, what follows."""

    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, related_name="interviews", verbose_name=_("platform")
    )
    held_on = models.DateField(_("held on"))
    attendees = models.TextField(_("attendees"))
    summary = models.TextField(_("summary"))
    follow_up = models.TextField(_("follow-up"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("interview")
        verbose_name_plural = _("interviews")

    def __str__(self) -> str:
        return f"{self.platform_id} {self.held_on}"


class PenaltyKind(models.TextChoices):
    WARNING = "warning", _("Warning")
    CRITICISM = "criticism", _("Public criticism")
    FINE = "fine", _("Fine")
    SUSPENSION = "suspension", _("Suspension of a service")
    OTHER = "other", _("Other measure")


class Penalty(models.Model):
    """A penalty decided on a platform, with its legal basis."""

    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, related_name="penalties", verbose_name=_("platform")
    )
    decided_on = models.DateField(_("decided on"))
    kind = models.CharField(_("kind"), max_length=16, choices=PenaltyKind.choices)
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    legal_basis = models.TextField(_("legal basis"))
    description = models.TextField(_("description"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["-decided_on", "-pk"]
        verbose_name = _("penalty")
        verbose_name_plural = _("penalties")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind=PenaltyKind.FINE, amount__gt=0)
                | (~models.Q(kind=PenaltyKind.FINE) & models.Q(amount__isnull=True)),
                name="oversight_penalty_amount_only_for_fines",
            )
        ]

    def __str__(self) -> str:
        return f"{self.platform_id} {self.kind} {self.decided_on}"
