"""Transparency work: typical cases, platforms' periodic figures and the laws library.

Every change checks the actor's policy and jurisdiction and writes its ledger entry in the same
transaction. Ledger payloads hold ids, codes and states only: never a title, a text or a figure
that could carry personal data.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from jubao.accounts.models import Office, Platform, User
from jubao.accounts.policies import policy
from jubao.analysis.pii import REDACT_THRESHOLD, redact, scan
from jubao.cases.models import FINISHED, Case, Disposal, Judgement
from jubao.catalogue import get_catalogue
from jubao.errors import DomainError, Forbidden, NotFound
from jubao.insights.models import (
    TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    LawEntry,
    LawStatus,
    PlatformFigures,
    TypicalCase,
    TypicalStatus,
)
from jubao.intake.models import ReportStatus
from jubao.ledger.services import actor_ref, ledger_append, obj_ref
from jubao.measures.models import Measure

EDIT = "transparency.edit"
APPROVE = "transparency.approve"

# The kinds of personal information the analysis engine finds, as staff read them.
PII_KIND_LABELS = {
    "id_card": gettext_lazy("ID card number"),
    "phone": gettext_lazy("phone number"),
    "bank_card": gettext_lazy("bank card number"),
    "uscc": gettext_lazy("unified social credit code"),
    "email": gettext_lazy("e-mail address"),
    "passport": gettext_lazy("passport number"),
    "permit": gettext_lazy("travel permit number"),
    "plate": gettext_lazy("vehicle plate"),
    "qq": gettext_lazy("QQ number"),
    "wechat": gettext_lazy("WeChat ID"),
    "address": gettext_lazy("address"),
    "medical": gettext_lazy("health information"),
    "whereabouts": gettext_lazy("whereabouts"),
}


def _clean(value: str | None, *, field: str, maximum: int, missing: str | None) -> str:
    value = (value or "").strip()
    if not value and missing is not None:
        raise DomainError(missing, code="required", field=field)
    if len(value) > maximum:
        raise DomainError(
            _("Keep this under %(count)d characters.") % {"count": maximum},
            code="too_long",
            field=field,
        )
    return value


# --- typical cases: reading ----------------------------------------------------------------


def typical_cases_for_staff(user: User) -> QuerySet[TypicalCase]:
    """Typical cases drafted from cases of the user's jurisdiction (editors and approvers)."""
    base = TypicalCase.objects.select_related("case")
    editable = policy(EDIT).scope(user, base, "case__jurisdiction")
    approvable = policy(APPROVE).scope(user, base, "case__jurisdiction")
    return (editable | approvable).order_by("-pk")


def typical_case_get_for_staff(user: User, pk: int) -> TypicalCase:
    found = typical_cases_for_staff(user).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def typical_cases_published() -> QuerySet[TypicalCase]:
    """Published typical cases for the public, newest first."""
    return TypicalCase.objects.filter(status=TypicalStatus.PUBLISHED).order_by(
        "-published_at", "-pk"
    )


def finished_cases_for(user: User) -> QuerySet[Case]:
    """Finished cases of the user's jurisdiction without a typical case in progress."""
    taken = TypicalCase.objects.exclude(status=TypicalStatus.WITHDRAWN).values("case_id")
    base = Case.objects.filter(status__in=FINISHED).exclude(pk__in=taken)
    return policy(EDIT).scope(user, base, "jurisdiction").order_by("-opened_at", "-pk")


def pii_left(*texts: str) -> list[str]:
    """The kinds of personal information (codes) still found at or above the redaction
    threshold in `texts`, each once, in the order found."""
    kinds: list[str] = []
    for text in texts:
        for finding in scan(text):
            if finding.confidence >= REDACT_THRESHOLD and finding.kind not in kinds:
                kinds.append(finding.kind)
    return kinds


def pii_kind_names(kinds: list[str]) -> str:
    separator = "、" if (get_language() or "").startswith("zh") else ", "
    return separator.join(str(PII_KIND_LABELS.get(kind, kind)) for kind in kinds)


# --- typical cases: drafting ---------------------------------------------------------------


def _measure_names(case: Case) -> list[str]:
    catalogue = get_catalogue()
    codes = list(Measure.objects.filter(case=case).order_by("pk").values_list("code", flat=True))
    if not codes:
        codes = list(
            Disposal.objects.filter(case=case)
            .order_by("pk")
            .values_list("proposal__measure_code", flat=True)
        )
    names: list[str] = []
    for code in codes:
        try:
            name = str(catalogue.measure(code).name)
        except KeyError:
            name = code
        if name not in names:
            names.append(name)
    return names


def draft_text(case: Case) -> str:
    """The text of a typical case drafted from `case`, before redaction: the report item, what
    happened (the reports' descriptions), the judgement's reasons and the measures taken."""
    try:
        item = str(get_catalogue().item(case.item_code).name)
    except KeyError:
        item = case.item_code
    descriptions = [
        d.strip()
        for d in case.reports.exclude(status=ReportStatus.WITHDRAWN)
        .order_by("submitted_at", "pk")
        .values_list("description", flat=True)
        if d.strip()
    ]
    judgement = Judgement.objects.filter(case=case).order_by("-at", "-pk").first()
    measures = _measure_names(case)
    parts = [
        _("Report item: %(item)s") % {"item": item},
        _("What happened:") + "\n" + "\n\n".join(descriptions),
    ]
    if judgement is not None and judgement.reasons.strip():
        parts.append(_("Why it was judged so:") + "\n" + judgement.reasons.strip())
    if measures:
        parts.append(_("Measures taken: %(measures)s") % {"measures": "、".join(measures)})
    else:
        parts.append(_("Measures taken: none"))
    return "\n\n".join(parts)


@transaction.atomic
def typical_case_draft(*, user: User, case: Case, title: str = "") -> TypicalCase:
    """Draft a typical case from a finished case of the user's jurisdiction; the text is redacted
    by the analysis engine before it is stored."""
    if not policy(EDIT).allows(user):
        raise Forbidden(_("Your role may not draft typical cases."))
    found = policy(EDIT).scope(user, Case.objects.filter(pk=case.pk), "jurisdiction").first()
    if found is None:
        raise NotFound()
    if found.status not in FINISHED:
        raise DomainError(
            _("Only a finished case can become a typical case."), code="not_finished", field="case"
        )
    if not title.strip():
        try:
            title = str(get_catalogue().item(found.item_code).name)
        except KeyError:
            title = found.item_code
    title = redact(_clean(title, field="title", maximum=TITLE_MAX_LENGTH, missing=None))
    text = redact(draft_text(found))[:TEXT_MAX_LENGTH]
    try:
        with transaction.atomic():
            typical = TypicalCase.objects.create(
                case=found, item_code=found.item_code, title=title, text=text, drafted_by=user
            )
    except IntegrityError:
        raise DomainError(
            _("This case already has a typical case."), code="duplicate", field="case"
        ) from None
    ledger_append(
        actor=actor_ref(user),
        action="transparency.draft",
        ref=obj_ref(typical),
        payload={"case": found.pk, "item": found.item_code},
    )
    return typical


def _lock(user: User, typical: TypicalCase) -> TypicalCase:
    typical_case_get_for_staff(user, typical.pk)  # NotFound outside the jurisdiction
    return TypicalCase.objects.select_for_update().get(pk=typical.pk)


@transaction.atomic
def typical_case_check(*, user: User, typical: TypicalCase, title: str, text: str) -> TypicalCase:
    """A person confirms the redaction, possibly editing the title and the text. The edited text
    is scanned again: it is refused while personal information remains."""
    if not policy(EDIT).allows(user):
        raise Forbidden(_("Your role may not check typical cases."))
    locked = _lock(user, typical)
    if locked.status not in (TypicalStatus.DRAFTED, TypicalStatus.CHECKED):
        raise DomainError(_("Only a drafted typical case can be checked or edited."), code="state")
    title = _clean(title, field="title", maximum=TITLE_MAX_LENGTH, missing=_("Give the title."))
    text = _clean(text, field="text", maximum=TEXT_MAX_LENGTH, missing=_("Write the text."))
    kinds = pii_left(title, text)
    if kinds:
        raise DomainError(
            _("Personal information remains: %(kinds)s. Remove it before confirming.")
            % {"kinds": pii_kind_names(kinds)},
            code="pii_remains",
            field="text",
        )
    locked.title, locked.text = title, text
    locked.status = TypicalStatus.CHECKED
    locked.checked_by, locked.checked_at = user, timezone.now()
    locked.save()
    ledger_append(
        actor=actor_ref(user),
        action="transparency.check",
        ref=obj_ref(locked),
        payload={"case": locked.case_id},
    )
    return locked


@transaction.atomic
def typical_case_approve(*, user: User, typical: TypicalCase) -> TypicalCase:
    """An approver who neither drafted nor checked the typical case approves it."""
    if not policy(APPROVE).allows(user):
        raise Forbidden(_("Only an approver may approve a typical case."))
    locked = _lock(user, typical)
    if user.pk in (locked.drafted_by_id, locked.checked_by_id):
        raise Forbidden(
            _("You drafted or checked this typical case: someone else must approve it."),
            code="own_work",
        )
    if locked.status != TypicalStatus.CHECKED:
        raise DomainError(
            _("A typical case is approved only after its redaction has been checked."),
            code="state",
        )
    # The text was checked when it was confirmed; look once more before it goes out.
    kinds = pii_left(locked.title, locked.text)
    if kinds:
        raise DomainError(
            _("Personal information remains: %(kinds)s. Remove it before confirming.")
            % {"kinds": pii_kind_names(kinds)},
            code="pii_remains",
        )
    locked.status = TypicalStatus.APPROVED
    locked.approved_by, locked.approved_at = user, timezone.now()
    locked.save()
    ledger_append(
        actor=actor_ref(user),
        action="transparency.approve",
        ref=obj_ref(locked),
        payload={"case": locked.case_id},
    )
    return locked


def _check_publisher(user: User) -> None:
    if not (policy(EDIT).allows(user) or policy(APPROVE).allows(user)):
        raise Forbidden(_("Your role may not publish typical cases."))


@transaction.atomic
def typical_case_publish(*, user: User, typical: TypicalCase) -> TypicalCase:
    """Publish an approved typical case on the transparency page."""
    _check_publisher(user)
    locked = _lock(user, typical)
    if locked.status != TypicalStatus.APPROVED:
        raise DomainError(_("Only an approved typical case can be published."), code="state")
    locked.status, locked.published_at = TypicalStatus.PUBLISHED, timezone.now()
    locked.save()
    ledger_append(
        actor=actor_ref(user),
        action="transparency.publish",
        ref=obj_ref(locked),
        payload={"case": locked.case_id},
    )
    return locked


@transaction.atomic
def typical_case_withdraw(*, user: User, typical: TypicalCase) -> TypicalCase:
    """Withdraw a typical case at any step (taking it off the page if published); the case may
    then be drafted again."""
    _check_publisher(user)
    locked = _lock(user, typical)
    if locked.status == TypicalStatus.WITHDRAWN:
        raise DomainError(_("This typical case has already been withdrawn."), code="state")
    was = locked.status
    locked.status, locked.withdrawn_at = TypicalStatus.WITHDRAWN, timezone.now()
    locked.save()
    ledger_append(
        actor=actor_ref(user),
        action="transparency.withdraw",
        ref=obj_ref(locked),
        payload={"case": locked.case_id, "from": was},
    )
    return locked


# --- platforms' periodic figures -----------------------------------------------------------

FIGURE_FIELDS = ("received", "handled", "removed", "accounts_handled", "median_hours")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
MAX_COUNT = 2_000_000_000


def parse_month(value: str | dt.date) -> dt.date:
    """The first day of the month given as "YYYY-MM" (or as any date in it)."""
    if isinstance(value, dt.date):
        return value.replace(day=1)
    match = _MONTH.match((value or "").strip())
    month = None
    if match:
        try:
            month = dt.date(int(match[1]), int(match[2]), 1)
        except ValueError:
            month = None
    if month is None:
        raise DomainError(
            _("Give the month as YYYY-MM, e.g. 2026-01."), code="period", field="period"
        )
    return month


@dataclass(frozen=True)
class Submission:
    figures: PlatformFigures
    created: bool
    changed: bool


def _figures(values: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for name in FIGURE_FIELDS[:-1]:
        value = values.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
            raise DomainError(_("Give a whole number of 0 or more."), code="figure", field=name)
        clean[name] = value
    try:
        median = Decimal(str(values.get("median_hours"))).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        median = Decimal(-1)
    if not Decimal(0) <= median < Decimal(10_000_000):
        raise DomainError(
            _("Give the median handling time in hours, 0 or more."),
            code="figure",
            field="median_hours",
        )
    clean["median_hours"] = median
    if clean["removed"] > clean["handled"] or clean["handled"] > clean["received"]:
        raise DomainError(
            _("The figures do not add up: removed ≤ handled ≤ received."),
            code="inconsistent",
            field="handled",
        )
    return clean


def _snapshot(figures: PlatformFigures) -> dict[str, Any]:
    return {
        "revision": figures.revision,
        "submitted_at": figures.submitted_at.isoformat(),
        **{
            n: str(getattr(figures, n)) if n == "median_hours" else getattr(figures, n)
            for n in FIGURE_FIELDS
        },
    }


@transaction.atomic
def figures_submit(
    *, platform: Platform, period: str | dt.date, by: User | None = None, **values: Any
) -> Submission:
    """Record a platform's handling figures for one month. Sending the same figures again changes
    nothing; different figures for the same month replace the earlier ones, which are kept in the
    record's history, and the replacement is recorded in the ledger.

    `by` is the platform's operator when submitted in the workbench (None for a signed API call):
    an operator may submit only for their own platform."""
    if by is not None and (not policy("platform.work").allows(by) or by.platform_id != platform.pk):
        raise Forbidden(_("You may submit figures only for your own platform."))
    month = parse_month(period)
    today = timezone.localdate()
    if month > today.replace(day=1):
        raise DomainError(_("The month has not begun yet."), code="period", field="period")
    clean = _figures(values)
    now = timezone.now()
    actor = actor_ref(by) if by is not None else f"platform:{platform.pk}"
    existing = (
        PlatformFigures.objects.select_for_update().filter(platform=platform, month=month).first()
    )
    if existing is None:
        try:
            with transaction.atomic():
                figures = PlatformFigures.objects.create(
                    platform=platform, month=month, submitted_at=now, submitted_by=by, **clean
                )
        except IntegrityError:
            # Sent twice at once: the other request created it; treat this one as a resubmission.
            existing = PlatformFigures.objects.select_for_update().get(
                platform=platform, month=month
            )
        else:
            ledger_append(
                actor=actor,
                action="transparency.figures_submit",
                ref=obj_ref(figures),
                payload={"platform": platform.pk, "month": f"{month:%Y-%m}", "revision": 1},
            )
            return Submission(figures, created=True, changed=True)
    if all(getattr(existing, n) == clean[n] for n in FIGURE_FIELDS):
        return Submission(existing, created=False, changed=False)
    existing.history = [*existing.history, _snapshot(existing)]
    for name, value in clean.items():
        setattr(existing, name, value)
    existing.revision += 1
    existing.submitted_at, existing.submitted_by = now, by
    existing.save()
    ledger_append(
        actor=actor,
        action="transparency.figures_replace",
        ref=obj_ref(existing),
        payload={
            "platform": platform.pk,
            "month": f"{month:%Y-%m}",
            "revision": existing.revision,
        },
    )
    return Submission(existing, created=False, changed=True)


def figures_of(platform: Platform) -> QuerySet[PlatformFigures]:
    """A platform's submitted figures, newest month first."""
    return PlatformFigures.objects.filter(platform=platform).order_by("-month")


# --- the laws library ----------------------------------------------------------------------

LAW_TEXT_MAX = 20000


def laws_for_staff(user: User) -> QuerySet[LawEntry]:
    """Entries written by the offices of the user's jurisdiction, drafts and published."""
    return policy(EDIT).scope(user, LawEntry.objects.all(), "office").order_by("-pk")


def law_get_for_staff(user: User, pk: int) -> LawEntry:
    found = laws_for_staff(user).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def laws_published(query: str = "", status: str = "") -> QuerySet[LawEntry]:
    """Published entries; `query` searches the title and the issuing body, `status` narrows to
    one status when valid."""
    found = LawEntry.objects.filter(published_at__isnull=False)
    query = (query or "").strip()[:100]
    if query:
        found = found.filter(Q(title__icontains=query) | Q(issuing_body__icontains=query))
    if status in LawStatus.values:
        found = found.filter(status=status)
    return found.order_by("-effective_on", "-pk")


def _law_fields(values: dict[str, Any]) -> dict[str, Any]:
    clean = {
        "title": _clean(
            values.get("title"),
            field="title",
            maximum=TITLE_MAX_LENGTH,
            missing=_("Give the title."),
        ),
        "issuing_body": _clean(
            values.get("issuing_body"),
            field="issuing_body",
            maximum=200,
            missing=_("Give the issuing body."),
        ),
        "document_number": _clean(
            values.get("document_number"), field="document_number", maximum=100, missing=None
        ),
        "articles": _clean(
            values.get("articles"), field="articles", maximum=LAW_TEXT_MAX, missing=None
        ),
        "summary": _clean(
            values.get("summary"),
            field="summary",
            maximum=LAW_TEXT_MAX,
            missing=_("Write a short summary."),
        ),
        "link": _clean(values.get("link"), field="link", maximum=200, missing=None),
        "issued_on": values.get("issued_on") or None,
        "effective_on": values.get("effective_on") or None,
    }
    status = values.get("status") or LawStatus.IN_FORCE
    if status not in LawStatus.values:
        raise DomainError(_("Choose a status."), code="status", field="status")
    clean["status"] = status
    if clean["link"] and not clean["link"].startswith(("https://", "http://")):
        raise DomainError(_("Give a web address."), code="link", field="link")
    issued, effective = clean["issued_on"], clean["effective_on"]
    if issued and effective and effective < issued:
        raise DomainError(
            _("A law cannot take effect before it is issued."),
            code="dates",
            field="effective_on",
        )
    return clean


def _check_editor(user: User) -> Office:
    if not policy(EDIT).allows(user):
        raise Forbidden(_("Your role may not edit the laws library."))
    if user.office is None:
        raise Forbidden(_("Your account has no office."))
    return user.office


@transaction.atomic
def law_create(*, user: User, **values: Any) -> LawEntry:
    """Add an entry to the laws library; it is public only once published."""
    office = _check_editor(user)
    clean = _law_fields(values)
    law = LawEntry.objects.create(office=office, created_by=user, **clean)
    ledger_append(
        actor=actor_ref(user),
        action="transparency.law_create",
        ref=obj_ref(law),
        payload={"status": law.status},
    )
    return law


def _lock_law(user: User, law: LawEntry) -> LawEntry:
    _check_editor(user)
    law_get_for_staff(user, law.pk)
    return LawEntry.objects.select_for_update().get(pk=law.pk)


@transaction.atomic
def law_update(*, user: User, law: LawEntry, **values: Any) -> LawEntry:
    locked = _lock_law(user, law)
    clean = _law_fields(values)
    changed = sorted(name for name, value in clean.items() if getattr(locked, name) != value)
    for name, value in clean.items():
        setattr(locked, name, value)
    locked.save()
    ledger_append(
        actor=actor_ref(user),
        action="transparency.law_update",
        ref=obj_ref(locked),
        payload={"fields": changed, "status": locked.status},
    )
    return locked


@transaction.atomic
def law_publish(*, user: User, law: LawEntry, publish: bool = True) -> LawEntry:
    """Publish an entry in the public library, or take it off."""
    locked = _lock_law(user, law)
    if publish and locked.published_at is not None:
        raise DomainError(_("This is already published."), code="published")
    if not publish and locked.published_at is None:
        raise DomainError(_("This is not published."), code="not_published")
    locked.published_at = timezone.now() if publish else None
    locked.save(update_fields=["published_at"])
    ledger_append(
        actor=actor_ref(user),
        action="transparency.law_publish" if publish else "transparency.law_unpublish",
        ref=obj_ref(locked),
        payload={"status": locked.status},
    )
    return locked
