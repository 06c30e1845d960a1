"""The federation's records: peers, the signed-message outbox and inbox, the cases shared with
peers (links), the content fingerprints of cases handled elsewhere, and peers' rolled-up figures.

Nothing here holds a reporter's identity or contact details: a link names cases by their public
ids, a fingerprint is a hash of the reported content's address, a message body is what was sent.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from jubao.cases.models import Case


class Peer(models.Model):
    """Another jubao instance: the office it serves (division code), its address and its key."""

    code = models.CharField(_("division code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("address"), max_length=300)
    key_id = models.CharField(_("key id"), max_length=100, unique=True)
    # The raw 32-byte Ed25519 public key, base64 encoded.
    public_key = models.CharField(_("public key"), max_length=64)
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("peer instance")
        verbose_name_plural = _("peer instances")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be delivered")
    SENT = "sent", _("Delivered and acknowledged")
    FAILED = "failed", _("Refused or given up")


class OutMessage(models.Model):
    """One signed message to one peer, queued with the change that caused it and delivered by
    `jubao workers` until the peer acknowledges it with a signed receipt."""

    message_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="outbox")
    kind = models.CharField(_("kind"), max_length=32)
    # The whole envelope as it is sent (id, kind, sender, recipient, created, body).
    envelope = models.JSONField()
    status = models.CharField(
        _("status"), max_length=8, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    # A status code or an error class name, never the response body.
    last_error = models.CharField(_("last error"), max_length=100, blank=True)
    receipt = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.kind} to {self.peer_id} {self.status}"


class InMessage(models.Model):
    """A message received from a peer, kept so that the same message is applied only once: a
    repeat gets the first answer again, a different body under the same id is refused."""

    sender = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="inbox")
    message_id = models.UUIDField()
    kind = models.CharField(_("kind"), max_length=32)
    digest = models.CharField(max_length=64)  # SHA-256 of the envelope as received
    result = models.JSONField(default=dict)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["sender", "message_id"], name="inmessage_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} from {self.sender_id}"


class Direction(models.TextChoices):
    OUT = "out", _("Sent to a peer, handled there")
    IN = "in", _("Received from a peer, handled here")


class Link(models.Model):
    """A case shared with a peer: one hop of its way between instances.

    `out`: our case went to the peer (it is transferred or joined there); `remote_case` is the
    peer's case, known once its receipt arrives; `remote_status` follows the peer's reports.
    `in`: the peer sent us its case; `remote_case` is the peer's case, to which our status
    changes and the final answer go back, so the reporter hears from where they filed.
    A hop is due (`due_at`) when the receiving office has to have accepted or refused it.
    """

    direction = models.CharField(max_length=3, choices=Direction.choices)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="federation_links")
    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="links")
    remote_case = models.UUIDField(null=True, blank=True)
    remote_reference = models.CharField(_("reference there"), max_length=32, blank=True)
    remote_status = models.CharField(_("status there"), max_length=24, blank=True)
    # When the peer's latest status applied here changed there: an older one arriving late
    # (after a retry) does not overwrite a newer one.
    remote_status_at = models.DateTimeField(null=True, blank=True)
    joined = models.BooleanField(_("joined a case there"), default=False)
    office_code = models.CharField(_("office"), max_length=6)
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"))
    settled_at = models.DateTimeField(_("accepted or refused"), null=True, blank=True)
    overdue_reported_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        indexes = [
            models.Index(fields=["settled_at", "due_at"]),
            models.Index(fields=["direction", "peer", "remote_case"]),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.case_id} {self.peer_id}"

    @property
    def remote_status_label(self) -> str:
        from jubao.cases.models import CaseStatus

        if self.remote_status in CaseStatus.values:
            return str(CaseStatus(self.remote_status).label)
        return self.remote_status


class Fingerprint(models.Model):
    """A content fingerprint of an open case: ours (`peer` empty, announced to the peers) or a
    peer's (announced to us), so a report about the same content joins that case."""

    value = models.CharField(max_length=64, db_index=True)
    peer = models.ForeignKey(
        Peer, on_delete=models.CASCADE, null=True, blank=True, related_name="fingerprints"
    )
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    remote_case = models.UUIDField(null=True, blank=True)
    office_code = models.CharField(max_length=6)
    # When the case was opened: of two cases about the same content, the later joins the earlier.
    opened_at = models.DateTimeField(null=True, blank=True)
    open = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["value", "peer", "remote_case"], name="fingerprint_once"
            ),
            models.UniqueConstraint(
                fields=["value", "case"],
                condition=models.Q(peer__isnull=True),
                name="fingerprint_local_once",
            ),
        ]

    def __str__(self) -> str:
        return self.value[:12]


class RolledUpFigure(models.Model):
    """One day of figures of a peer below us (its own and its instances' below it), replaced by
    each newer roll-up the peer sends."""

    peer = models.ForeignKey(Peer, on_delete=models.CASCADE, related_name="figures")
    day = models.DateField(_("day"))
    figures = models.JSONField(default=dict)
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["peer", "day"], name="rollup_day_once")]

    def __str__(self) -> str:
        return f"{self.peer_id} {self.day}"
