"""The enterprise area's rules: registration, verification, filing, routing and abuse notices.

Registration creates the contact's account (signing in with the unified social credit code and a
password), seals the contact's name, phone and e-mail in the vault, and stores the business
licence and the power of attorney encrypted after the evidence checks. Staff of the enterprise's
office verify it; only a verified enterprise files in the enterprise area. Its reports go to the
office of its registered place (§14), rank higher for key enterprise types (§13), get the
enterprise's liaison as the designated handler, and are proposed for transfer to the central
office when the platform is registered outside that office's territory. An enterprise whose
reports keep proving unfounded is warned, then restricted (§17).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jubao.accounts.models import Office, OfficeLevel, Platform, Role, User
from jubao.accounts.policies import has_role, policy
from jubao.accounts.services import user_create
from jubao.analysis.pii import valid_uscc
from jubao.enterprises.models import (
    DocumentKind,
    Enterprise,
    EnterpriseDocument,
    EnterpriseNotice,
    EnterpriseStatus,
    KeyType,
    NoticeKind,
)
from jubao.errors import DomainError, Forbidden
from jubao.intake.storage import evidence_store
from jubao.intake.uploads import UploadRejected, inspect_upload
from jubao.ledger.services import actor_ref, ledger_append, obj_ref
from jubao.vault.services import vault_seal_many

CONTACT_TABLE = "enterprises.enterprise"
CONTACT_FIELDS = ("name", "phone", "email")
# Refusals that show a report was unfounded (§17): a dispute of another kind (labour, contract,
# equity, property, debt, consumer), legitimate public-opinion supervision, abuse of reports, no
# standing. Incomplete, duplicate or unlocatable reports are not held against the enterprise.
UNFOUNDED_REFUSAL_KINDS = ("out_of_scope", "supervision", "abuse", "standing")


def _unfounded_refusals() -> list[str]:
    from jubao.catalogue import get_catalogue

    return [r.code for r in get_catalogue().refusals if r.kind in UNFOUNDED_REFUSAL_KINDS]


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes


def normalise_uscc(value: str) -> str:
    return "".join(value.split()).upper()


def office_for_uscc(uscc: str) -> Office:
    """The office of the registered place: the division digits (3rd to 8th) of the code, else
    its prefecture, else its province, else the central office."""
    division = uscc[2:8]
    for code in (division, division[:4] + "00", division[:2] + "0000"):
        found = Office.objects.filter(code=code).first()
        if found is not None:
            return found
    return Office.objects.get(level=OfficeLevel.CENTRAL)


def _clean(value: str, field: str, message: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(message, code="required", field=field)
    if len(value) > limit:
        raise DomainError(
            _("Keep it under %(max)d characters.") % {"max": limit}, code="too_long", field=field
        )
    return value


def _store(enterprise: Enterprise, kind: str, upload: Upload, field: str) -> EnterpriseDocument:
    try:
        clean = inspect_upload(name=upload.name, data=upload.content)
    except UploadRejected as exc:
        raise DomainError(
            f"{upload.name}: {exc.message}", code="invalid_file", field=field
        ) from None
    document = EnterpriseDocument.objects.create(
        enterprise=enterprise,
        kind=kind,
        name=upload.name[:100],
        media_type=clean.media_type,
        staff_media_type=clean.staff_media_type or "",
        size=clean.size,
        sha256=clean.sha256,
    )
    variants = {"original": upload.content}
    if clean.staff_copy is not None:
        variants["staff"] = clean.staff_copy
    evidence_store(ref=document.vault_ref, variants=variants)
    return document


@transaction.atomic
def enterprise_register(
    *,
    name: str,
    uscc: str,
    key_types: list[str],
    contact_name: str,
    phone: str,
    email: str,
    password: str,
    licence: Upload,
    attorney: Upload,
) -> Enterprise:
    """Register an enterprise and its authorised contact; it waits for verification by staff."""
    name = _clean(name, "name", _("Give the enterprise's registered name."), 200)
    code = normalise_uscc(uscc)
    if not valid_uscc(code):
        raise DomainError(
            _("This is not a valid unified social credit code: check the 18 characters."),
            code="invalid",
            field="uscc",
        )
    if Enterprise.objects.filter(uscc=code).exists():
        raise DomainError(
            _("This enterprise is already registered. Sign in with its code, or ask the office."),
            code="duplicate",
            field="uscc",
        )
    unknown = [k for k in key_types if k not in KeyType.values]
    if unknown:
        raise DomainError(_("Choose key types from the list."), code="invalid", field="key_types")
    contact_name = _clean(contact_name, "contact_name", _("Give the contact person's name."), 100)
    phone = _clean(phone, "phone", _("Give the contact person's phone number."), 32)
    user = user_create(
        actor="anonymous", username=code, password=password, roles={Role.ENTERPRISE: 0}
    )
    enterprise = Enterprise.objects.create(
        name=name,
        uscc=code,
        key_types=sorted(set(key_types)),
        office=office_for_uscc(code),
        contact=user,
    )
    vault_seal_many(
        table=CONTACT_TABLE,
        row=enterprise.vault_ref,
        values={"name": contact_name, "phone": phone, "email": (email or "").strip() or None},
    )
    _store(enterprise, DocumentKind.LICENCE, licence, "licence")
    _store(enterprise, DocumentKind.ATTORNEY, attorney, "attorney")
    ledger_append(
        actor=actor_ref(user),
        action="enterprise.register",
        ref=obj_ref(enterprise),
        payload={"office": enterprise.office.code, "key_types": enterprise.key_types},
    )
    return enterprise


def enterprises_for(user: User):
    found = Enterprise.objects.select_related("office", "liaison", "contact", "decided_by")
    return policy("enterprises.verify").scope(user, found, "office")


@transaction.atomic
def enterprise_decide(
    *, enterprise: Enterprise, by: User, verify: bool, note: str = ""
) -> Enterprise:
    """Verify the enterprise (its licence and power of attorney match what it declared) or
    refuse with a note it will read; a refused enterprise may be verified later."""
    if not enterprises_for(by).filter(pk=enterprise.pk).exists():
        raise Forbidden(_("This enterprise is not in your jurisdiction."))
    locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    if locked.status == EnterpriseStatus.VERIFIED:
        raise DomainError(_("This enterprise is already verified."), code="decided")
    note = (note or "").strip()
    if not verify and not note:
        raise DomainError(_("Tell the enterprise what is missing."), code="required", field="note")
    locked.status = EnterpriseStatus.VERIFIED if verify else EnterpriseStatus.REJECTED
    locked.decided_at, locked.decided_by, locked.decision_note = timezone.now(), by, note
    locked.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    ledger_append(
        actor=actor_ref(by),
        action="enterprise.verify" if verify else "enterprise.refuse",
        ref=obj_ref(locked),
    )
    return locked


def enterprise_of(user: User | AnonymousUser | None) -> Enterprise | None:
    """The enterprise whose authorised contact `user` is, if any."""
    if not isinstance(user, User) or not has_role(user, Role.ENTERPRISE):
        return None
    return Enterprise.objects.select_related("office", "liaison").filter(contact=user).first()


# --- filing ---------------------------------------------------------------------------------


def unfounded_count(enterprise: Enterprise, now: dt.datetime | None = None) -> int:
    """Reports of the enterprise in the last JUBAO_ENTERPRISE_ABUSE_DAYS whose case was judged
    not infringing, or not accepted for a reason of UNFOUNDED_REFUSAL_KINDS."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=settings.JUBAO_ENTERPRISE_ABUSE_DAYS)
    reports = enterprise.contact.reports.filter(submitted_at__gte=since)
    refused = Q(
        case__history__move="refuse", case__history__params__reason__in=_unfounded_refusals()
    )
    judged = Q(case__judgements__result="not_infringing")
    return reports.filter(refused | judged).distinct().count()


@transaction.atomic
def abuse_review(enterprise: Enterprise, now: dt.datetime | None = None) -> Enterprise:
    """Warn the enterprise when its unfounded reports reach JUBAO_ENTERPRISE_WARN_AFTER, and
    restrict its filing for JUBAO_ENTERPRISE_RESTRICT_DAYS when they reach
    JUBAO_ENTERPRISE_RESTRICT_AFTER; each notice once per count, ledgered."""
    now = now or timezone.now()
    count = unfounded_count(enterprise, now)
    locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    issued = set(locked.notices.values_list("kind", "unfounded"))
    if count >= settings.JUBAO_ENTERPRISE_RESTRICT_AFTER:
        if (NoticeKind.RESTRICTION, count) not in issued and not locked.restricted(now):
            until = now + dt.timedelta(days=settings.JUBAO_ENTERPRISE_RESTRICT_DAYS)
            EnterpriseNotice.objects.create(
                enterprise=locked, kind=NoticeKind.RESTRICTION, unfounded=count, until=until
            )
            locked.restricted_until = until
            locked.save(update_fields=["restricted_until"])
            ledger_append(
                actor="system",
                action="enterprise.restrict",
                ref=obj_ref(locked),
                payload={"unfounded": count, "until": until},
            )
    elif count >= settings.JUBAO_ENTERPRISE_WARN_AFTER and not any(
        kind == NoticeKind.WARNING and n >= count for kind, n in issued
    ):
        EnterpriseNotice.objects.create(enterprise=locked, kind=NoticeKind.WARNING, unfounded=count)
        ledger_append(
            actor="system",
            action="enterprise.warn",
            ref=obj_ref(locked),
            payload={"unfounded": count},
        )
    return locked


def filing_check(account: User | None) -> Enterprise | None:
    """Refuse a report from an enterprise account that may not file; return its enterprise."""
    enterprise = enterprise_of(account)
    if enterprise is None:
        return None
    if not enterprise.verified:
        raise DomainError(
            _(
                "Your enterprise has not been verified yet: you can file once the office has "
                "checked its documents."
            ),
            code="not_verified",
        )
    enterprise = abuse_review(enterprise)
    if enterprise.restricted():
        until = timezone.localtime(enterprise.restricted_until)
        raise DomainError(
            _(
                "Too many of your enterprise's reports proved unfounded: filing is restricted "
                "until %(date)s. Disputes about labour, contracts, equity, property, debts or "
                "consumers go to their own channels."
            )
            % {"date": until.strftime("%Y-%m-%d")},
            code="restricted",
        )
    return enterprise


@dataclass(frozen=True)
class Route:
    """Where an enterprise's new case goes and what it is flagged with."""

    office: Office
    flags: tuple[str, ...]
    responsible: User | None


def _province(office: Office) -> str:
    return office.code[:2]


def enterprise_route(account: User | None, platform: Platform | None) -> Route | None:
    """For a verified enterprise's report: the office of its registered place (§14), the flags
    (enterprise, key enterprise, cross-region when the platform is registered elsewhere) and its
    liaison as the designated handler."""
    enterprise = enterprise_of(account)
    if enterprise is None or not enterprise.verified:
        return None
    office = enterprise.office
    if office.level != OfficeLevel.CENTRAL:
        office = Office.objects.filter(code=office.code[:2] + "0000").first() or office
    flags = ["enterprise"]
    if enterprise.is_key:
        flags.append("key_enterprise")
    if platform is not None and _province(platform.jurisdiction) != _province(office):
        flags.append("cross_region")
    return Route(office=office, flags=tuple(flags), responsible=enterprise.liaison)


def priority_step(account: User | None) -> int:
    """How much a key enterprise's report rises in the queues (§13)."""
    enterprise = enterprise_of(account)
    if enterprise is not None and enterprise.verified and enterprise.is_key:
        return settings.JUBAO_KEY_ENTERPRISE_STEP
    return 0
