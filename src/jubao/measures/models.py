"""A disposal measure imposed on one target, and its life after the decision.

An approved proposal becomes one `Measure` per target it applies to (a page, a link, a search
result, an account, the person or company behind accounts). The measure is carried out by the
platform (through a `platforms.Transfer`) or recorded by the office, then lives on: a time-limited
private measure ends or is extended or turned into removal, a dispute label gets the concerned
party's response statement, a search measure is checked again, an account measure runs its
period.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from jubao.accounts.models import Platform
from jubao.cases.models import Case, Proposal


class MeasureStatus(models.TextChoices):
    ORDERED = "ordered", _("Ordered")
    ACTIVE = "active", _("In force")
    ENDED = "ended", _("Ended")
    CONVERTED = "converted", _("Turned into a heavier measure")
    FAILED = "failed", _("Not carried out")


class ResponseStatus(models.TextChoices):
    NONE = "", _("No response statement")
    PENDING = "pending", _("Response statement waiting for review")
    SHOWN = "shown", _("Response statement shown")
    REFUSED = "refused", _("Response statement refused")


class Measure(models.Model):
    """One measure on one target."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="measures")
    proposal = models.ForeignKey(
        Proposal, on_delete=models.PROTECT, null=True, blank=True, related_name="measures"
    )
    code = models.CharField(_("measure"), max_length=48)
    target_kind = models.CharField(max_length=16)  # content, link, search_result, account, subject
    # What the platform needs to find the target (URL, account id...), never reporter data.
    target = models.JSONField(default=dict, blank=True)
    target_key = models.CharField(max_length=64, blank=True)
    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, null=True, blank=True, related_name="measures"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=MeasureStatus.choices, default=MeasureStatus.ORDERED
    )
    ordered_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    # When a measure with a period ends by itself (None: until decided otherwise).
    ends_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    extensions_used = models.PositiveSmallIntegerField(default=0)
    # Time-limited private: the reporter's deadline to prove the case.
    proof_due_at = models.DateTimeField(null=True, blank=True)
    # Search measures: when the result must be checked again.
    recheck_at = models.DateTimeField(null=True, blank=True)
    # Dispute label: the concerned party's response statement, shown only after review.
    response_statement = models.TextField(blank=True)
    response_status = models.CharField(
        max_length=8, choices=ResponseStatus.choices, default=ResponseStatus.NONE, blank=True
    )
    response_submitted_at = models.DateTimeField(null=True, blank=True)
    # The reviewer's note on the response statement; the platform passes it on.
    response_note = models.TextField(blank=True)
    replaced_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaces"
    )

    class Meta:
        ordering = ["case", "pk"]
        indexes = [
            models.Index(fields=["status", "ends_at"]),
            models.Index(fields=["status", "proof_due_at"]),
            models.Index(fields=["status", "recheck_at"]),
            models.Index(fields=["target_key", "status"]),
        ]
        verbose_name = _("measure")
        verbose_name_plural = _("measures")

    def __str__(self) -> str:
        return f"{self.case_id} {self.code}"


class ConversionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class Conversion(models.Model):
    """A proposal to turn a provisional measure (time-limited private whose proof holds, a dispute
    label whose content proves infringing) into removal of the content.

    Removal is a measure of its own tier: it needs that tier's approvals, from people other than
    the proposer and the case's judge, as the first measure did. Until then the provisional
    measure stays in force (and its proof deadline no longer lifts it).
    """

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="conversions")
    proposer = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("proposed by")
    )
    proposed_at = models.DateTimeField(_("proposed"), auto_now_add=True)
    into = models.CharField(_("into"), max_length=48)  # the removal measure's code
    tier = models.PositiveSmallIntegerField()
    level_required = models.PositiveSmallIntegerField()
    approvals_required = models.PositiveSmallIntegerField()
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=ConversionStatus.choices,
        default=ConversionStatus.PENDING,
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["measure", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure"],
                condition=models.Q(status="pending"),
                name="measures_one_pending_conversion",
            )
        ]

    def __str__(self) -> str:
        return f"{self.measure_id} -> {self.into} {self.status}"


class ConversionApproval(models.Model):
    """One approval of a conversion; the database refuses the proposer's own."""

    conversion = models.ForeignKey(Conversion, on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    proposer = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversion", "approver"], name="measures_conversion_approve_once"
            ),
            models.CheckConstraint(
                condition=~models.Q(approver=models.F("proposer")),
                name="measures_conversion_not_own",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.conversion_id} by {self.approver_id}"


# --- the blacklists ---------------------------------------------------------------------------


class BlacklistKind(models.TextChoices):
    ACCOUNT = "account", _("Account")
    SUBJECT = "subject", _("Account subject")


class AppealStatus(models.TextChoices):
    NONE = "", _("No appeal")
    PENDING = "pending", _("Appeal waiting for a decision")
    UPHELD = "upheld", _("Appeal upheld: entry lifted")
    DISMISSED = "dismissed", _("Appeal dismissed")


class BlacklistEntry(models.Model):
    """An account or a subject (person or company) on the blacklist, known only by a keyed hash.

    Accounts: the blind index "cases.account" of (platform, account id), the same key offences
    are counted under; subjects: the blind index of the ID number or unified social credit code
    (`cases.escalation.subject_key`). One entry per kind and key while it is in force; a later
    case adds itself to the sources and pushes the expiry out.
    """

    kind = models.CharField(_("kind"), max_length=8, choices=BlacklistKind.choices)
    key = models.CharField(max_length=64)
    # What platforms ask with (jubao.measures.checkhash); accounts are asked about by their own
    # platform only.
    check_hash = models.CharField(max_length=64, blank=True)
    platform = models.ForeignKey(
        "accounts.Platform", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.TextField(_("reason"))
    source_cases = models.ManyToManyField(Case, related_name="blacklist_entries")
    measures = models.ManyToManyField(Measure, related_name="blacklist_entries")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    lifted_at = models.DateTimeField(null=True, blank=True)
    appeal_status = models.CharField(
        _("appeal"),
        max_length=10,
        choices=AppealStatus.choices,
        default=AppealStatus.NONE,
        blank=True,
    )
    appeal_text = models.TextField(blank=True)
    appeal_at = models.DateTimeField(null=True, blank=True)
    appeal_decision = models.TextField(blank=True)
    appeal_decided_at = models.DateTimeField(null=True, blank=True)
    appeal_decided_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["kind", "key", "lifted_at", "expires_at"]),
            models.Index(fields=["kind", "check_hash"]),
        ]
        verbose_name = _("blacklist entry")
        verbose_name_plural = _("blacklist entries")

    def __str__(self) -> str:
        return f"{self.kind} {self.key[:12]}"

    @property
    def short_key(self) -> str:
        return f"{self.key[:12]}…"

    def in_force(self, now: datetime) -> bool:
        return self.lifted_at is None and self.expires_at > now
