"""Write operations on offices, platforms, users and roles; each records a ledger entry."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from jubao.accounts.models import (
    MAX_APPROVER_LEVEL,
    Office,
    OfficeLevel,
    Platform,
    PlatformStatus,
    Role,
    RoleGrant,
    User,
)
from jubao.errors import DomainError
from jubao.ledger.services import ledger_append, obj_ref

DIVISIONS = Path(__file__).resolve().parent / "data" / "divisions.toml"
CENTRAL_CODE = "000000"
# Province abbreviation + "ICP备" + number + "号", optionally "-n" for a site under the filing.
ICP_PATTERN = re.compile(r"^[\u4e00-\u9fff]ICP备\d{6,12}号(-\d{1,3})?$")


@transaction.atomic
def offices_load(*, actor: str, path: Path = DIVISIONS) -> int:
    """Create or update the central office and the offices of the division list; return count."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    central, _created = Office.objects.update_or_create(
        code=CENTRAL_CODE,
        defaults={
            "name_zh": "中央网信办",
            "name_en": "Cyberspace Administration (central)",
            "level": OfficeLevel.CENTRAL,
            "parent": None,
        },
    )
    by_code = {central.code: central}
    changed = 0
    for row in data["divisions"]:
        parent = by_code[row.get("parent", CENTRAL_CODE)]
        office, created = Office.objects.update_or_create(
            code=row["code"],
            defaults={
                "name_zh": f"{row['zh']}网信办",
                "name_en": f"{row['en']} Cyberspace Office",
                "level": row["level"],
                "parent": parent,
            },
        )
        by_code[office.code] = office
        changed += int(created)
    ledger_append(
        actor=actor,
        action="offices.load",
        ref="accounts.office:all",
        payload={"offices": sorted(by_code), "created": changed},
    )
    return len(by_code)


DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _clean_domains(domains: list[str]) -> list[str]:
    cleaned = sorted({d.strip().lower().removeprefix("www.") for d in domains if d.strip()})
    for domain in cleaned:
        if not DOMAIN.match(domain):
            raise DomainError(
                _("%(domain)s is not a host name.") % {"domain": domain},
                code="invalid_domain",
                field="domains",
            )
    return cleaned


def _clean_icp(icp_number: str) -> str:
    value = icp_number.strip()
    if not ICP_PATTERN.match(value):
        raise DomainError(
            _("An ICP filing number looks like 浙ICP备12345678号 (optionally followed by -1)."),
            code="invalid_icp",
            field="icp_number",
        )
    return value


@transaction.atomic
def platform_create(
    *,
    actor: str,
    name: str,
    icp_number: str,
    jurisdiction: Office,
    name_en: str = "",
    domains: list[str] | None = None,
    contact_name: str = "",
    contact_email: str = "",
) -> Platform:
    """Register a website platform under the office of the place where it is registered."""
    icp = _clean_icp(icp_number)
    if not name.strip():
        raise DomainError(_("A platform needs a name."), code="required", field="name")
    if Platform.objects.filter(icp_number=icp).exists():
        raise DomainError(
            _("A platform with this ICP filing number is already registered."),
            code="duplicate",
            field="icp_number",
        )
    platform = Platform.objects.create(
        name=name.strip(),
        name_en=name_en.strip(),
        icp_number=icp,
        jurisdiction=jurisdiction,
        domains=_clean_domains(domains or []),
        contact_name=contact_name,
        contact_email=contact_email,
        status=PlatformStatus.ACTIVE,
    )
    ledger_append(
        actor=actor,
        action="platform.create",
        ref=obj_ref(platform),
        payload={"icp": icp, "jurisdiction": jurisdiction.code},
    )
    return platform


def _check_role(role: str, level: int) -> None:
    if role not in Role.values:
        raise DomainError(_("Unknown role: %(role)s") % {"role": role}, code="invalid_role")
    if role == Role.APPROVER and not 1 <= level <= MAX_APPROVER_LEVEL:
        raise DomainError(
            _("An approver's level must be between 1 and %(max)d.") % {"max": MAX_APPROVER_LEVEL},
            code="invalid_level",
            field="level",
        )
    if role != Role.APPROVER and level:
        raise DomainError(_("Only approvers have a level."), code="invalid_level", field="level")


@transaction.atomic
def role_grant(*, actor: str, user: User, role: str, level: int = 0) -> RoleGrant:
    """Give a user a role (approvers with a level); granting again updates the level."""
    _check_role(role, level)
    grant, _created = RoleGrant.objects.update_or_create(
        user=user, role=role, defaults={"level": level}
    )
    ledger_append(
        actor=actor, action="role.grant", ref=obj_ref(user), payload={"role": role, "level": level}
    )
    user.__dict__.pop("_jubao_roles", None)
    return grant


@transaction.atomic
def role_revoke(*, actor: str, user: User, role: str) -> None:
    deleted, _rows = RoleGrant.objects.filter(user=user, role=role).delete()
    if not deleted:
        raise DomainError(_("This user does not hold that role."), code="not_held")
    ledger_append(actor=actor, action="role.revoke", ref=obj_ref(user), payload={"role": role})
    user.__dict__.pop("_jubao_roles", None)


@transaction.atomic
def user_create(
    *,
    actor: str,
    username: str,
    password: str,
    display_name: str = "",
    office: Office | None = None,
    platform: Platform | None = None,
    roles: Mapping[str, int] | None = None,
) -> User:
    """Create a user with roles (role -> approver level, 0 for other roles)."""
    if User.objects.filter(username=username).exists():
        raise DomainError(_("This username is taken."), code="duplicate", field="username")
    user = User(username=username, display_name=display_name, office=office, platform=platform)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), code="weak_password", field="password") from None
    user.set_password(password)
    user.save()
    ledger_append(
        actor=actor,
        action="user.create",
        ref=obj_ref(user),
        payload={
            "office": office.code if office else None,
            "platform": platform.pk if platform else None,
        },
    )
    for role, level in (roles or {}).items():
        role_grant(actor=actor, user=user, role=role, level=level)
    return user


def totp_device_for(*, user: User) -> tuple[TOTPDevice, bool]:
    """The user's confirmed authenticator, or an unconfirmed one to enrol (and True)."""
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if confirmed:
        return confirmed, False
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device, True


@transaction.atomic
def totp_confirm(*, actor: str, device: TOTPDevice) -> None:
    """Mark an enrolled authenticator as confirmed after a first correct code."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    ledger_append(actor=actor, action="second_factor.enrol", ref=f"accounts.user:{device.user_id}")
