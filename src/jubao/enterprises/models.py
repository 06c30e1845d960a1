"""The enterprise area: enterprises and their authorised contacts, verification by staff, the
documents they prove themselves with, notices against abuse of reports, and the office's guidance
work with them (counselling, liaison, published guidance, joint handling).

The contact person's name and phone are sealed by the vault (`enterprises.enterprise`,
`Enterprise.vault_ref`); the documents are stored encrypted like evidence.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jubao.accounts.models import Office


class KeyType(models.TextChoices):
    """Key enterprise types of §(13): their cases rank higher."""

    TO_BE_LISTED = "to_be_listed", _("Preparing to list")
    LISTED = "listed", _("Listed company")
    HIGH_TECH = "high_tech", _("High-tech enterprise")
    SPECIALISED = "specialised", _("Specialised and innovative enterprise")


class EnterpriseStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Not verified")


class Enterprise(models.Model):
    """An enterprise registered in the enterprise area, with its authorised contact's account."""

    vault_ref = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("enterprise name"), max_length=200)
    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    key_types = models.JSONField(_("key enterprise types"), default=list, blank=True)
    # The office of the enterprise's registered place (from the code's division digits).
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="enterprises", verbose_name=_("office")
    )
    contact = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="enterprise",
        verbose_name=_("authorised contact"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=EnterpriseStatus.choices,
        default=EnterpriseStatus.PENDING,
    )
    registered_at = models.DateTimeField(_("registered"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_note = models.TextField(_("note"), blank=True)
    # The office's liaison for the enterprise: the designated handler of its cases (§14, §16).
    liaison = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="liaison_enterprises",
        verbose_name=_("liaison officer"),
    )
    restricted_until = models.DateTimeField(_("restricted until"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        indexes = [models.Index(fields=["status", "registered_at"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_key(self) -> bool:
        return bool(self.key_types)

    @property
    def verified(self) -> bool:
        return self.status == EnterpriseStatus.VERIFIED

    def restricted(self, now: datetime | None = None) -> bool:
        moment = now or timezone.now()
        return self.restricted_until is not None and self.restricted_until > moment

    def key_type_labels(self) -> list[str]:
        return [str(KeyType(k).label) for k in self.key_types if k in KeyType.values]


class DocumentKind(models.TextChoices):
    LICENCE = "licence", _("Business licence")
    ATTORNEY = "attorney", _("Power of attorney")


class EnterpriseDocument(models.Model):
    """A document the enterprise registered with, stored encrypted after the evidence checks."""

    vault_ref = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=10, choices=DocumentKind.choices)
    name = models.CharField(max_length=100)
    media_type = models.CharField(max_length=64)
    staff_media_type = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.kind}"


class NoticeKind(models.TextChoices):
    WARNING = "warning", _("Warning")
    RESTRICTION = "restriction", _("Restriction")


class EnterpriseNotice(models.Model):
    """A warning or a restriction for repeatedly unfounded reports (§17), with its count."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("kind"), max_length=12, choices=NoticeKind.choices)
    unfounded = models.PositiveSmallIntegerField(_("unfounded reports"))
    at = models.DateTimeField(_("issued"), auto_now_add=True)
    until = models.DateTimeField(_("until"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.kind}"


class Counselling(models.Model):
    """A one-on-one counselling session of the office with an enterprise (§16)."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="counselling")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField(_("date"))
    topic = models.CharField(_("topic"), max_length=200)
    notes = models.TextField(_("notes"))
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("counselling record")
        verbose_name_plural = _("counselling records")

    def __str__(self) -> str:
        return self.topic


class GuidanceKind(models.TextChoices):
    GUIDANCE = "guidance", _("Guidance")
    TRAINING = "training", _("Training material")


class Guidance(models.Model):
    """Guidance or training material for enterprises, published on the portal (§16)."""

    kind = models.CharField(_("kind"), max_length=10, choices=GuidanceKind.choices)
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=400)
    body = models.TextField(_("text"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("guidance")
        verbose_name_plural = _("guidance")

    def __str__(self) -> str:
        return self.title


class JointHandling(models.Model):
    """Work on a case done together with a functional department of the enterprise (§15)."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="joint_handling")
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="joint_handling"
    )
    department = models.CharField(_("department of the enterprise"), max_length=200)
    held_on = models.DateField(_("date"))
    notes = models.TextField(_("what was done"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("joint handling record")
        verbose_name_plural = _("joint handling records")

    def __str__(self) -> str:
        return f"{self.case_id} {self.department}"
