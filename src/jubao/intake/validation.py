"""Check a draft against the catalogue: the item, who may report, targets, evidence, contact.

Every problem is collected, so the reporter sees all of them at once, each with its field.
Required target fields and evidence come from the catalogue item, never from code here.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from jubao.analysis.urls import canonical_url
from jubao.catalogue import Catalogue, ReportItem, get_catalogue
from jubao.errors import DomainError
from jubao.intake.drafts import Draft, Upload
from jubao.intake.models import Channel
from jubao.intake.uploads import (
    CleanFile,
    UploadLimits,
    UploadRejected,
    inspect_upload,
    limits_from_settings,
)

MAX_TARGETS = 10
MAX_TEXT = 2000
DESCRIPTION_RANGE = (10, 5000)
MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")
_url = URLValidator(schemes=["http", "https"])


class InvalidReport(DomainError):
    """A draft with one or more problems: `errors` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(_("Please correct the marked fields."), code="invalid_report")
        self.errors = errors

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "errors": self.errors}


@dataclass
class CleanUpload:
    kind: str
    file: CleanFile
    original: bytes


@dataclass
class CleanDraft:
    """A validated draft: the catalogue item, cleaned targets and files, and what is missing."""

    draft: Draft
    item: ReportItem
    catalogue: Catalogue
    targets: list[dict[str, str]] = field(default_factory=list)
    uploads: list[CleanUpload] = field(default_factory=list)
    missing_evidence: list[str] = field(default_factory=list)


class Errors(dict[str, list[str]]):
    def add(self, name: str, message: str) -> None:
        self.setdefault(name, []).append(message)


def _clean_value(kind: str, value: str, name: str, errors: Errors) -> str:
    if len(value) > MAX_TEXT:
        errors.add(name, _("At most %(max)d characters.") % {"max": MAX_TEXT})
    elif kind == "url":
        try:
            _url(value)
            value = canonical_url(value)
        except (ValidationError, ValueError):
            errors.add(name, _("Enter a full web address starting with http:// or https://."))
    elif kind == "datetime":
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            errors.add(name, _("Enter a date and time such as 2026-05-01 14:30."))
        else:
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
            if moment > timezone.now() + dt.timedelta(minutes=5):
                errors.add(name, _("This time is in the future."))
            value = moment.isoformat()
    return value


def _clean_target(
    item: ReportItem, catalogue: Catalogue, raw: dict[str, str], index: int, errors: Errors
) -> dict[str, str]:
    allowed = {f.code for f in item.targets} | {f.code for f in item.optional_targets}
    cleaned: dict[str, str] = {}
    for code, value in raw.items():
        name = f"targets.{index}.{code}"
        if code not in allowed:
            errors.add(name, _("This report item does not take this field."))
            continue
        value = (value or "").strip()
        if value:
            kind = catalogue.vocabulary.target_fields[code].input
            cleaned[code] = _clean_value(kind, value, name, errors)
    for required in item.targets:
        if not cleaned.get(required.code):
            errors.add(
                f"targets.{index}.{required.code}",
                _("%(field)s is required.") % {"field": required.name},
            )
    return cleaned


def _clean_targets(clean: CleanDraft, errors: Errors) -> None:
    targets = [t for t in clean.draft.targets if any((v or "").strip() for v in t.values())]
    if not targets:
        errors.add("targets", _("Tell us where the content is: at least one target."))
    if len(targets) > MAX_TARGETS:
        errors.add("targets", _("At most %(max)d targets in one report.") % {"max": MAX_TARGETS})
    for index, raw in enumerate(targets[:MAX_TARGETS]):
        clean.targets.append(_clean_target(clean.item, clean.catalogue, raw, index, errors))


def _clean_contact(draft: Draft, errors: Errors) -> None:
    contact = draft.contact
    if len(contact.name) > 50:
        errors.add("contact.name", _("At most %(max)d characters.") % {"max": 50})
    if contact.phone and not MOBILE.match(re.sub(r"[\s-]", "", contact.phone)):
        errors.add("contact.phone", _("Enter an 11-digit mobile number such as 13812345678."))
    if contact.email:
        try:
            validate_email(contact.email)
        except ValidationError:
            errors.add("contact.email", _("Enter a valid e-mail address."))


def evidence_kinds(item: ReportItem, catalogue: Catalogue, role: str) -> tuple[set[str], set[str]]:
    """(required, allowed) evidence kinds for an item filed by someone in `role`."""
    role_info = catalogue.vocabulary.roles.get(role)  # type: ignore[call-overload]
    role_kinds = {t.code for t in role_info.evidence} if role_info else set()
    required = {t.code for t in item.evidence} | role_kinds
    allowed = required | {t.code for t in item.optional_evidence}
    return required, allowed


def clean_uploads(
    item: ReportItem,
    catalogue: Catalogue,
    role: str,
    uploads: tuple[Upload, ...],
    errors: Errors,
    *,
    limits: UploadLimits | None = None,
    already: int = 0,
) -> list[CleanUpload]:
    """Inspect each upload (type, decode, bombs, polyglots) and check its evidence kind."""
    limits = limits or limits_from_settings()
    _required, allowed = evidence_kinds(item, catalogue, role)
    if already + len(uploads) > limits.max_files:
        errors.add("evidence", _("At most %(max)d files per report.") % {"max": limits.max_files})
        return []
    cleaned = []
    for index, upload in enumerate(uploads):
        name = f"evidence.{index}"
        if upload.kind not in allowed:
            errors.add(name, _("Choose what this file shows."))
            continue
        try:
            file = inspect_upload(name=upload.name, data=upload.data, limits=limits)
            cleaned.append(CleanUpload(upload.kind, file, upload.data))
        except UploadRejected as exc:
            errors.add(name, f"{upload.name[:80]}: {exc.message}")
    return cleaned


def validate_draft(draft: Draft, *, limits: UploadLimits | None = None) -> CleanDraft:
    """Validate a draft against the catalogue; raise InvalidReport listing every problem."""
    catalogue = get_catalogue()
    errors = Errors()
    try:
        item = catalogue.item(draft.item_code)
    except KeyError:
        message = _("Choose a report item from the guidelines.")
        raise InvalidReport({"item_code": [message]}) from None
    clean = CleanDraft(draft=draft, item=item, catalogue=catalogue)
    if draft.channel not in Channel.values:
        errors.add("channel", _("Unknown channel."))
    if draft.reporter_role not in {r.value for r in item.reporters} or not item.may_report(
        draft.reporter_role
    ):
        errors.add("reporter_role", _("For this item you cannot report in this capacity."))
    length = len(draft.description.strip())
    if not DESCRIPTION_RANGE[0] <= length <= DESCRIPTION_RANGE[1]:
        errors.add(
            "description",
            _("Describe what happened in %(min)d to %(max)d characters.")
            % {"min": DESCRIPTION_RANGE[0], "max": DESCRIPTION_RANGE[1]},
        )
    if not draft.truthful:
        errors.add("truthful", _("Confirm that your report is true."))
    _clean_targets(clean, errors)
    _clean_contact(draft, errors)
    clean.uploads = clean_uploads(
        item, catalogue, draft.reporter_role, draft.uploads, errors, limits=limits
    )
    if errors:
        raise InvalidReport(dict(errors))
    required, _allowed = evidence_kinds(item, catalogue, draft.reporter_role)
    clean.missing_evidence = sorted(required - {u.kind for u in clean.uploads})
    return clean


def validate_uploads(
    *, item_code: str, role: str, uploads: tuple[Upload, ...], already: int = 0
) -> list[CleanUpload]:
    """Check files added to a stored report; raise InvalidReport listing every problem."""
    catalogue = get_catalogue()
    try:
        item = catalogue.item(item_code)
    except KeyError:
        raise DomainError(
            _("This report item is no longer in the catalogue."), code="unknown_item"
        ) from None
    errors = Errors()
    cleaned = clean_uploads(item, catalogue, role, uploads, errors, already=already)
    if errors:
        raise InvalidReport(dict(errors))
    return cleaned
