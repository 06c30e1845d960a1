"""Users with roles, offices in a jurisdiction tree, and website platforms."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    INTAKE = "intake", _("Intake officer")
    REVIEWER = "reviewer", _("Reviewer")
    DISPOSAL = "disposal", _("Disposal officer")
    APPROVER = "approver", _("Approver")
    SUPERVISOR = "supervisor", _("Supervisor")
    CUSTODIAN = "custodian", _("Identity custodian")
    AUDITOR = "auditor", _("Auditor")
    ADMIN = "admin", _("Administrator")
    PLATFORM = "platform", _("Platform operator")
    ENTERPRISE = "enterprise", _("Enterprise user")
    CITIZEN = "citizen", _("Citizen")


# Roles of a network information office's staff; they work in the workbench and need a 2nd factor.
OFFICE_ROLES = frozenset(
    {
        Role.INTAKE,
        Role.REVIEWER,
        Role.DISPOSAL,
        Role.APPROVER,
        Role.SUPERVISOR,
        Role.CUSTODIAN,
        Role.AUDITOR,
        Role.ADMIN,
    }
)
SECOND_FACTOR_ROLES = OFFICE_ROLES | {Role.PLATFORM}
MAX_APPROVER_LEVEL = 3


class OfficeLevel(models.IntegerChoices):
    CENTRAL = 0, _("Central")
    PROVINCE = 1, _("Province")
    CITY = 2, _("City")
    COUNTY = 3, _("County")


class Office(models.Model):
    """A network information office, keyed by its administrative division code (GB/T 2260)."""

    code = models.CharField(_("division code"), max_length=6, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=OfficeLevel.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("office")
        verbose_name_plural = _("offices")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh

    @property
    def scope_prefix(self) -> str:
        """The code prefix shared by this office and every office below it ("" for central)."""
        digits = {OfficeLevel.CENTRAL: 0, OfficeLevel.PROVINCE: 2, OfficeLevel.CITY: 4}
        return self.code[: digits.get(OfficeLevel(self.level), 6)]


class PlatformStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")


class Platform(models.Model):
    """A website platform, supervised by the office of the place where it is registered."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    icp_number = models.CharField(_("ICP filing number"), max_length=64, unique=True)
    jurisdiction = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="platforms", verbose_name=_("registered in")
    )
    # Host names the platform serves (e.g. "weibo.com"); a report's URL finds its platform by them.
    domains = models.JSONField(_("domains"), default=list, blank=True)
    contact_name = models.CharField(_("contact"), max_length=100, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=PlatformStatus.choices, default=PlatformStatus.ACTIVE
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("platform")
        verbose_name_plural = _("platforms")

    def __str__(self) -> str:
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class User(AbstractUser):
    """A person who signs in: office staff, platform operators, enterprise users, citizens."""

    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, null=True, blank=True, related_name="operators"
    )

    def __str__(self) -> str:
        return self.display_name or self.username


class RoleGrant(models.Model):
    """One role held by one user; approvers carry a level (1 = section, 3 = leadership)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    level = models.PositiveSmallIntegerField(_("approval level"), default=0)
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="rolegrant_one_per_role"),
            models.CheckConstraint(
                condition=(
                    models.Q(role="approver", level__gte=1, level__lte=MAX_APPROVER_LEVEL)
                    | (~models.Q(role="approver") & models.Q(level=0))
                ),
                name="rolegrant_level_only_for_approvers",
            ),
        ]
        verbose_name = _("role grant")

    def __str__(self) -> str:
        return f"{self.user} {self.get_role_display()}"


class PendingSignup(models.Model):
    """A citizen account waiting for its verification code; the address itself is in the vault."""

    vault_ref = models.UUIDField(unique=True)
    username = models.CharField(max_length=150)
    password_hash = models.CharField(max_length=256)
    code_hash = models.CharField(max_length=64)
    attempts = models.PositiveSmallIntegerField(default=0)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return str(self.vault_ref)
