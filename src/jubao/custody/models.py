"""Requests to reveal who filed a report, and the identity custodian's decisions on them.

Nothing here holds the identity itself: it stays sealed by the vault, and is opened only for the
requester of an approved request while it lasts (see services.reveal_open).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jubao.cases.models import Case
from jubao.intake.models import Report

REASON_MIN_LENGTH = 10
REASON_MAX_LENGTH = 2000


class RevealStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the custodian")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


# Not stored: an approved request whose time is up is shown as expired.
EXPIRED_LABEL = _("Expired")


class RevealRequest(models.Model):
    """One staff member's request to see who filed one report, with the custodian's decision.

    `case` is the case the request was made from; access checks follow the report's current case
    (`report.case`), which differs only after the case was merged into another.

    With a `transfer`, the request is not for the requester: it asks to send the details the
    catalogue's `reporter_to_platform` lists to the platform of that transfer, and an approval lets
    that platform (not the requester) read them until it expires.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reveal_requests")
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="reveal_requests")
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=16, choices=RevealStatus.choices, default=RevealStatus.PENDING
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    expires_at = models.DateTimeField(_("access until"), null=True, blank=True)
    transfer = models.ForeignKey(
        "platforms.Transfer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reporter_shares",
        verbose_name=_("for the platform of"),
    )

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("identity reveal request")
        verbose_name_plural = _("identity reveal requests")
        constraints = [
            # Separation of duties in the database too: a raw update cannot self-approve.
            models.CheckConstraint(
                condition=~models.Q(decided_by=models.F("requester")),
                name="reveal_not_decided_by_requester",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(
                        status=RevealStatus.PENDING,
                        decided_by__isnull=True,
                        decided_at__isnull=True,
                        expires_at__isnull=True,
                    )
                    | models.Q(
                        status=RevealStatus.APPROVED,
                        decided_by__isnull=False,
                        decided_at__isnull=False,
                        expires_at__isnull=False,
                    )
                    | models.Q(
                        status=RevealStatus.REFUSED,
                        decided_by__isnull=False,
                        decided_at__isnull=False,
                        expires_at__isnull=True,
                    )
                ),
                name="reveal_decision_complete",
            ),
            models.UniqueConstraint(
                fields=["report", "requester"],
                condition=models.Q(status=RevealStatus.PENDING, transfer__isnull=True),
                name="reveal_one_pending_request",
            ),
            models.UniqueConstraint(
                fields=["report", "transfer"],
                condition=models.Q(status=RevealStatus.PENDING, transfer__isnull=False),
                name="reveal_one_pending_share",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} by {self.requester_id}"

    @property
    def grants_access(self) -> bool:
        """Approved and not yet expired."""
        return (
            self.status == RevealStatus.APPROVED
            and self.expires_at is not None
            and timezone.now() < self.expires_at
        )

    @property
    def for_platform(self) -> bool:
        return self.transfer_id is not None

    @property
    def state(self) -> str:
        if self.status == RevealStatus.APPROVED and not self.grants_access:
            return "expired"
        return self.status

    @property
    def state_label(self) -> str:
        if self.state == "expired":
            return str(EXPIRED_LABEL)
        return str(RevealStatus(self.status).label)
