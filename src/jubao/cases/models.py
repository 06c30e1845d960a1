"""A case gathers the reports about one incident, so it is accepted once and disposed of once."""

from __future__ import annotations

import uuid

from django.conf import settings
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


# Finished cases that supervision no longer watches. A case handed to a platform stays watched
# until the platform answers: its platform clock keeps running after the transfer.
UNWATCHED = FINISHED - {CaseStatus.TRANSFERRED}


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
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_cases"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
    )
    # The "special person responsible": stays with the case whoever handles the current step.
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="responsible_cases",
    )
    # Deadline clocks by stage, as stored by jubao.cases.clocks (ISO strings, pause state).
    clocks = models.JSONField(default=dict, blank=True)
    # The earliest deadline and 75 % mark of the running clocks, kept by jubao.cases.clocks so
    # the supervision list is an indexed query rather than a computation over every case.
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    # When the supervisor was last told that this case is overdue (told once per deadline).
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    # Escalation flags set by judgements: "repeat", "malicious", "group".
    flags = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["priority", "opened_at"]
        indexes = [
            models.Index(fields=["status", "priority", "opened_at"]),
            models.Index(fields=["priority", "opened_at"]),
            models.Index(fields=["jurisdiction", "priority", "opened_at"]),
            models.Index(fields=["assignee", "priority", "opened_at"]),
            # Filters of the queue that keep its order: without these a rare track or item
            # meant walking the priority index past most of the table.
            models.Index(fields=["track", "priority", "opened_at"]),
            models.Index(fields=["item_code", "priority", "opened_at"]),
            models.Index(fields=["platform", "priority", "opened_at"]),
            models.Index(fields=["due_at"]),
            models.Index(fields=["warn_at"]),
        ]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status not in FINISHED


class CaseEvent(models.Model):
    """One step in a case's history: the move, who made it, and the state it led to."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="history")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    move = models.CharField(max_length=24)
    source = models.CharField(max_length=24)
    target = models.CharField(max_length=24)
    note = models.TextField(blank=True)
    params = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["case", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.move}"


class Judgement(models.Model):
    """The reviewer's finding; the judge may never impose the measure that follows."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="judgements")
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    result = models.CharField(max_length=16)
    reasons = models.TextField()
    malicious = models.BooleanField(default=False)
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.case_id} {self.result}"


class Proposal(models.Model):
    """A proposed disposal measure; its tier sets how many approvers of which level it needs."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="proposals")
    judgement = models.ForeignKey(Judgement, on_delete=models.PROTECT, related_name="proposals")
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    measure_code = models.CharField(max_length=48)
    tier = models.PositiveSmallIntegerField()
    level_required = models.PositiveSmallIntegerField()
    approvals_required = models.PositiveSmallIntegerField()
    open = models.BooleanField(default=True)
    reasons = models.TextField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(approvals_required__gte=1), name="proposal_needs_an_approver"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.measure_code}"


class Approval(models.Model):
    """One approver's yes; the proposer's and the judge's ids are copied here so the database
    refuses an approval by either."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "approver"], name="approval_once_each"),
            models.CheckConstraint(
                condition=~models.Q(approver=models.F("proposer")), name="approval_not_by_proposer"
            ),
            models.CheckConstraint(
                condition=~models.Q(approver=models.F("judge")), name="approval_not_by_judge"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id} by {self.approver_id}"


class Disposal(models.Model):
    """The measure carried out; the judge's id is copied here so the database keeps them apart."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="disposals")
    proposal = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="disposal")
    imposer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    judge = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(imposer=models.F("judge")), name="disposal_not_by_judge"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.proposal_id}"


class Deliberation(models.Model):
    """Collective discussion of a case: members, quorum, votes, minutes and the outcome."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deliberations")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    quorum = models.PositiveSmallIntegerField()
    minutes = models.TextField(blank=True)
    outcome = models.CharField(max_length=16, blank=True)
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.case_id} discussion"


class Vote(models.Model):
    deliberation = models.ForeignKey(Deliberation, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    result = models.CharField(max_length=16)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["deliberation", "member"], name="vote_once_each"),
        ]

    def __str__(self) -> str:
        return f"{self.deliberation_id} {self.member_id}"


class Offence(models.Model):
    """One infringement found by a judgement, counted against an account and, when the reviewer
    named it, the person or company behind it. Both are keyed hashes: the table holds no
    account name and no ID number, yet the same account is counted across cases."""

    judgement = models.ForeignKey(Judgement, on_delete=models.CASCADE, related_name="offences")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="offences")
    account_key = models.CharField(max_length=64)
    subject_key = models.CharField(max_length=64, blank=True)
    # The blacklist check hash of the subject (jubao.measures.checkhash), made while the number
    # is at hand, so that a later blacklist entry can be checked by platforms.
    subject_check = models.CharField(max_length=64, blank=True)
    # The measure finally imposed for this offence (set by the disposal): repeat rules count
    # earlier offences that ended with their own measure.
    measure_code = models.CharField(max_length=48, blank=True)
    malicious = models.BooleanField(default=False)
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["account_key", "at"]),
            models.Index(fields=["subject_key", "at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["judgement", "account_key"], name="offence_once_per_judgement"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.account_key[:8]}"


class AllowedStep(models.Model):
    """The (from, to) status pairs of the workflow table, read by the database's status trigger."""

    source = models.CharField(max_length=24)
    target = models.CharField(max_length=24)

    class Meta:
        db_table = "cases_allowed_step"
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="allowed_step_once"),
        ]

    def __str__(self) -> str:
        return f"{self.source} -> {self.target}"
