"""The office's guidance work with enterprises (§15, §16): counselling records, the liaison
officer of key enterprises, published guidance and training material, and joint handling of an
enterprise's cases with one of its departments.

Every change checks the `enterprises.guide` policy and the user's jurisdiction, validates its
input with a translated `DomainError` (with `field` and `code`), and writes its ledger entry in
the same transaction. Ledger payloads hold ids and codes only: never a topic, a note, a title or
a text, which stay in this app's tables.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jubao.accounts.models import OFFICE_ROLES, Office, User
from jubao.accounts.policies import policy
from jubao.cases.models import Case
from jubao.cases.selectors import case_get_for_user, cases_for_user
from jubao.enterprises.models import (
    Counselling,
    Enterprise,
    EnterpriseStatus,
    Guidance,
    GuidanceKind,
    JointHandling,
)
from jubao.errors import DomainError, Forbidden, NotFound
from jubao.ledger.services import actor_ref, ledger_append, obj_ref

GUIDE = "enterprises.guide"
TOPIC_MAX_LENGTH = 200
DEPARTMENT_MAX_LENGTH = 200
NOTES_MAX_LENGTH = 5000
TITLE_MAX_LENGTH = 200
SUMMARY_MAX_LENGTH = 400
BODY_MAX_LENGTH = 50000


# --- reading --------------------------------------------------------------------------------


def enterprises_for_guide(user: User) -> QuerySet[Enterprise]:
    """The enterprises of the user's jurisdiction (none for users without the policy)."""
    base = Enterprise.objects.select_related("office", "liaison")
    return policy(GUIDE).scope(user, base, "office")


def enterprise_get_for_guide(user: User, pk: int) -> Enterprise:
    """One enterprise of the user's jurisdiction, or the same NotFound for "missing" and "not
    yours"."""
    enterprise = enterprises_for_guide(user).filter(pk=pk).first()
    if enterprise is None:
        raise NotFound()
    return enterprise


def key_enterprises(user: User) -> QuerySet[Enterprise]:
    """The verified key enterprises of the user's jurisdiction, by name."""
    verified = enterprises_for_guide(user).filter(status=EnterpriseStatus.VERIFIED)
    return verified.exclude(key_types=[]).order_by("name", "pk")


def _covering_offices(office: Office) -> list[int]:
    """The offices whose jurisdiction covers `office`: itself and the offices above it."""
    ids: list[int] = []
    current: Office | None = office
    while current is not None and len(ids) < 10:
        if office.code.startswith(current.scope_prefix):
            ids.append(current.pk)
        current = current.parent
    return ids


def liaison_candidates(user: User, enterprise: Enterprise) -> QuerySet[User]:
    """Who may be the enterprise's liaison officer: active office staff of the user's
    jurisdiction whose own jurisdiction covers the enterprise (so they can see it)."""
    staff = User.objects.filter(
        is_active=True,
        office__in=_covering_offices(enterprise.office),
        role_grants__role__in=OFFICE_ROLES,
    ).distinct()
    return policy(GUIDE).scope(user, staff, "office").order_by("username")


def counselling_of(enterprise: Enterprise) -> QuerySet[Counselling]:
    return enterprise.counselling.select_related("staff")


def joint_handling_of(user: User, enterprise: Enterprise) -> QuerySet[JointHandling]:
    """The enterprise's joint handling records on cases the user may see."""
    visible = cases_for_user(user).values("pk")
    records = enterprise.joint_handling.filter(case__in=visible)
    return records.select_related("case", "by")


def enterprise_cases(user: User, enterprise: Enterprise) -> QuerySet[Case]:
    """Cases of the user's jurisdiction with a report filed by the enterprise's contact."""
    mine = cases_for_user(user).filter(reports__account=enterprise.contact_id).distinct()
    return mine.order_by("-pk")


def guidance_for_staff(user: User) -> QuerySet[Guidance]:
    """Guidance written by staff of the user's jurisdiction, drafts first, then newest."""
    base = Guidance.objects.select_related("author")
    scoped = policy(GUIDE).scope(user, base, "author__office")
    return scoped.order_by("-published_at", "-pk")


def guidance_get_for_staff(user: User, pk: int) -> Guidance:
    guidance = guidance_for_staff(user).filter(pk=pk).first()
    if guidance is None:
        raise NotFound()
    return guidance


def guidance_published(kind: str = "") -> QuerySet[Guidance]:
    """Published guidance for the portal, newest first; `kind` narrows it when valid."""
    published = Guidance.objects.filter(published_at__isnull=False)
    if kind in GuidanceKind.values:
        published = published.filter(kind=kind)
    return published.order_by("-published_at", "-pk")


# --- checks ---------------------------------------------------------------------------------


def _check_guide(user: User) -> None:
    if not policy(GUIDE).allows(user):
        raise Forbidden(_("Your role may not do the office's guidance work with enterprises."))


def _check_verified(enterprise: Enterprise, field: str | None = None) -> None:
    if enterprise.status != EnterpriseStatus.VERIFIED:
        raise DomainError(
            _("This enterprise has not been verified."), code="not_verified", field=field
        )


def _clean_text(value: str, *, field: str, maximum: int, missing: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(missing, code="required", field=field)
    if len(value) > maximum:
        raise DomainError(
            _("Keep this under %(count)d characters.") % {"count": maximum},
            code="too_long",
            field=field,
        )
    return value


def _clean_date(value: dt.date | None, *, field: str = "held_on") -> dt.date:
    if value is None:
        raise DomainError(_("Give the date."), code="required", field=field)
    if value > timezone.localdate():
        raise DomainError(_("The date cannot be in the future."), code="future", field=field)
    return value


# --- counselling ----------------------------------------------------------------------------


@transaction.atomic
def counselling_add(
    *, user: User, enterprise: Enterprise, held_on: dt.date | None, topic: str, notes: str
) -> Counselling:
    """Record a one-on-one counselling session with an enterprise of the user's jurisdiction."""
    _check_guide(user)
    enterprise = enterprise_get_for_guide(user, enterprise.pk)
    _check_verified(enterprise)
    held_on = _clean_date(held_on)
    topic = _clean_text(
        topic, field="topic", maximum=TOPIC_MAX_LENGTH, missing=_("Give the topic.")
    )
    notes = _clean_text(
        notes,
        field="notes",
        maximum=NOTES_MAX_LENGTH,
        missing=_("Write down what was discussed."),
    )
    record = Counselling.objects.create(
        enterprise=enterprise, staff=user, held_on=held_on, topic=topic, notes=notes
    )
    ledger_append(
        actor=actor_ref(user),
        action="enterprise.counselling",
        ref=obj_ref(record),
        payload={"enterprise": enterprise.pk},
    )
    return record


# --- liaison --------------------------------------------------------------------------------


@transaction.atomic
def liaison_set(*, user: User, enterprise: Enterprise, liaison: User | None) -> Enterprise:
    """Make `liaison` the office's liaison officer for a verified key enterprise of the user's
    jurisdiction, or remove the liaison with None."""
    _check_guide(user)
    enterprise_get_for_guide(user, enterprise.pk)
    locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
    _check_verified(locked, field="liaison")
    if not locked.key_types:
        raise DomainError(
            _("Only key enterprises have a liaison officer."), code="not_key", field="liaison"
        )
    if liaison is not None and not liaison_candidates(user, locked).filter(pk=liaison.pk).exists():
        raise DomainError(
            _("Choose a member of office staff whose jurisdiction covers this enterprise."),
            code="not_staff",
            field="liaison",
        )
    previous = locked.liaison_id
    if previous == (liaison.pk if liaison else None):
        return locked
    locked.liaison = liaison
    locked.save(update_fields=["liaison"])
    ledger_append(
        actor=actor_ref(user),
        action="enterprise.liaison",
        ref=obj_ref(locked),
        payload={
            "liaison": actor_ref(liaison) if liaison else None,
            "previous": f"user:{previous}" if previous else None,
        },
    )
    return locked


# --- guidance -------------------------------------------------------------------------------


@transaction.atomic
def guidance_create(*, user: User, kind: str, title: str, summary: str, body: str) -> Guidance:
    """Write a draft of guidance or training material; it is public only once published."""
    _check_guide(user)
    if kind not in GuidanceKind.values:
        raise DomainError(_("Choose guidance or training material."), code="kind", field="kind")
    title = _clean_text(
        title, field="title", maximum=TITLE_MAX_LENGTH, missing=_("Give the title.")
    )
    summary = _clean_text(
        summary, field="summary", maximum=SUMMARY_MAX_LENGTH, missing=_("Give a short summary.")
    )
    body = _clean_text(body, field="body", maximum=BODY_MAX_LENGTH, missing=_("Write the text."))
    guidance = Guidance.objects.create(
        kind=kind, title=title, summary=summary, body=body, author=user
    )
    ledger_append(
        actor=actor_ref(user),
        action="guidance.create",
        ref=obj_ref(guidance),
        payload={"kind": kind},
    )
    return guidance


def _lock_guidance(user: User, guidance: Guidance) -> Guidance:
    _check_guide(user)
    guidance_get_for_staff(user, guidance.pk)  # NotFound outside the jurisdiction
    return Guidance.objects.select_for_update().get(pk=guidance.pk)


@transaction.atomic
def guidance_publish(*, user: User, guidance: Guidance) -> Guidance:
    """Publish a draft on the portal, dated now."""
    locked = _lock_guidance(user, guidance)
    if locked.published_at is not None:
        raise DomainError(_("This is already published."), code="published")
    locked.published_at = timezone.now()
    locked.save(update_fields=["published_at"])
    ledger_append(
        actor=actor_ref(user),
        action="guidance.publish",
        ref=obj_ref(locked),
        payload={"kind": locked.kind},
    )
    return locked


@transaction.atomic
def guidance_unpublish(*, user: User, guidance: Guidance) -> Guidance:
    """Take published guidance off the portal; it stays as a draft."""
    locked = _lock_guidance(user, guidance)
    if locked.published_at is None:
        raise DomainError(_("This is not published."), code="not_published")
    locked.published_at = None
    locked.save(update_fields=["published_at"])
    ledger_append(
        actor=actor_ref(user),
        action="guidance.unpublish",
        ref=obj_ref(locked),
        payload={"kind": locked.kind},
    )
    return locked


# --- joint handling -------------------------------------------------------------------------


@transaction.atomic
def joint_handling_add(
    *,
    user: User,
    enterprise: Enterprise,
    case_pk: int,
    department: str,
    held_on: dt.date | None,
    notes: str,
) -> JointHandling:
    """Record work on a case done together with a department of the enterprise. The case must
    lie in the user's jurisdiction (NotFound otherwise) and be one the enterprise's contact
    reported."""
    _check_guide(user)
    enterprise = enterprise_get_for_guide(user, enterprise.pk)
    _check_verified(enterprise)
    case = case_get_for_user(user, case_pk)
    if not case.reports.filter(account=enterprise.contact).exists():
        raise DomainError(
            _("Choose a case with a report filed by this enterprise."),
            code="not_enterprise_case",
            field="case",
        )
    department = _clean_text(
        department,
        field="department",
        maximum=DEPARTMENT_MAX_LENGTH,
        missing=_("Give the department of the enterprise."),
    )
    held_on = _clean_date(held_on)
    notes = _clean_text(
        notes, field="notes", maximum=NOTES_MAX_LENGTH, missing=_("Write down what was done.")
    )
    record = JointHandling.objects.create(
        case=case,
        enterprise=enterprise,
        department=department,
        held_on=held_on,
        notes=notes,
        by=user,
    )
    ledger_append(
        actor=actor_ref(user),
        action="enterprise.joint_handling",
        ref=obj_ref(record),
        payload={"enterprise": enterprise.pk, "case": case.pk},
    )
    return record
