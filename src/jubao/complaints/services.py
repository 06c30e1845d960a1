"""Complaint services: filing, inquiry, handling by the office, and the complainant's evaluation.

Every change is made here, in one transaction with its history line and its ledger entry. Staff
actions check the `complaints.handle` policy and the jurisdiction: a complaint outside the
user's jurisdiction is "not found", like a missing one. The receipt code is returned only by
`complaint_file`, and only its keyed hash is stored.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import BooleanField, Case, F, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from jubao.accounts.models import Platform, PlatformStatus, User
from jubao.accounts.policies import AnyUser, policy
from jubao.cases.deadlines import TZ, due_at
from jubao.complaints.conf import accept_limit, answer_limit
from jubao.complaints.models import (
    Complaint,
    ComplaintEvaluation,
    ComplaintEvent,
    ComplaintStatus,
    EventKind,
)
from jubao.errors import DomainError, NotFound
from jubao.intake import receipts
from jubao.intake.models import Report
from jubao.intake.pow import challenge_redeem
from jubao.intake.services import report_for_receipt
from jubao.ledger.services import actor_ref, ledger_append, obj_ref
from jubao.vault.services import vault_seal_many

TABLE = "complaints.complaint"
POLICY = "complaints.handle"
DESCRIPTION_MAX = 5000
TEXT_MAX = 5000
REFERENCE_MAX = 100
COMMENT_MAX = 1000
MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")


@dataclass(frozen=True)
class Contact:
    """How to reach the complainant (all optional); sealed at once, never stored in clear."""

    name: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class Filing:
    complaint: Complaint
    receipt: str


# --- validation ----------------------------------------------------------------------------------


def _text(value: str, *, field: str, maximum: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(_("This field is required."), code="required", field=field)
    if len(value) > maximum:
        raise DomainError(
            _("At most %(max)d characters.") % {"max": maximum}, code="too_long", field=field
        )
    return value


def _clean_contact(contact: Contact) -> Contact:
    name = _text(contact.name, field="contact_name", maximum=50, required=False)
    phone = re.sub(r"[\s-]", "", contact.phone or "")
    if phone and not MOBILE.match(phone):
        raise DomainError(
            _("Enter an 11-digit mobile number such as 13812345678."),
            code="invalid",
            field="contact_phone",
        )
    email = (contact.email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise DomainError(
                _("Enter a valid e-mail address."), code="invalid", field="contact_email"
            ) from None
    return Contact(name, phone, email)


def _linked_report(platform: Platform, receipt_code: str) -> Report:
    """The report a receipt code opens, which must be about this platform (if it names one)."""
    try:
        report = report_for_receipt(code=receipt_code)
    except NotFound:
        raise DomainError(
            _("No report matches this receipt code."), code="not_found", field="receipt_code"
        ) from None
    if report.platform_id is not None and report.platform_id != platform.pk:
        raise DomainError(
            _("This report is about another platform."), code="other_platform", field="platform"
        )
    return report


def _reference() -> str:
    stamp = timezone.localtime().strftime("%y%m%d")
    tail = "".join(secrets.choice(receipts.ALPHABET) for _ in range(6))
    return f"C{stamp}{tail}"


# --- filing and inquiry --------------------------------------------------------------------------


def complaint_file(
    *,
    platform: Platform,
    description: str,
    reported_on: dt.date,
    receipt_code: str = "",
    platform_reference: str = "",
    contact: Contact | None = None,
    pow_payload: str | None = None,
    account: User | None = None,
    now: dt.datetime | None = None,
) -> Filing:
    """File a complaint; return it with its receipt code, shown to the complainant only once.

    The complaint names either the complainant's jubao receipt code (the report is linked, the
    code itself is not kept) or the platform's own ticket number, or both.
    """
    now = now or timezone.now()
    description = _text(description, field="description", maximum=DESCRIPTION_MAX)
    platform_reference = _text(
        platform_reference, field="platform_reference", maximum=REFERENCE_MAX, required=False
    )
    receipt_code = (receipt_code or "").strip()
    if not receipt_code and not platform_reference:
        raise DomainError(
            _(
                "Give the receipt code of your report to us or the ticket number the platform "
                "gave you."
            ),
            code="required",
            field="receipt_code",
        )
    if platform.status != PlatformStatus.ACTIVE:
        raise DomainError(
            _("Complaints about this platform are not taken here."),
            code="platform_inactive",
            field="platform",
        )
    if reported_on > now.astimezone(TZ).date():
        raise DomainError(_("This date is in the future."), code="invalid", field="reported_on")
    report = _linked_report(platform, receipt_code) if receipt_code else None
    clean_contact = _clean_contact(contact or Contact())
    code = receipts.new_code()
    actor = actor_ref(account)
    with transaction.atomic():
        challenge_redeem(payload=pow_payload or "")
        complaint = Complaint.objects.create(
            reference=_reference(),
            receipt_hash=receipts.code_hash(code),
            platform=platform,
            report=report,
            platform_reference=platform_reference,
            description=description,
            reported_to_platform_on=reported_on,
            jurisdiction_id=platform.jurisdiction_id,
            submitted_at=now,
            accept_due_at=due_at(now, accept_limit()).at,
        )
        complaint.due_at = complaint.accept_due_at
        complaint.save(update_fields=["due_at"])
        values = {
            "contact_name": clean_contact.name,
            "contact_phone": clean_contact.phone,
            "contact_email": clean_contact.email,
        }
        values = {k: v for k, v in values.items() if v}
        if values:
            vault_seal_many(table=TABLE, row=complaint.vault_ref, values=values)
        ComplaintEvent.objects.create(complaint=complaint, kind=EventKind.RECEIVED, at=now)
        ledger_append(
            actor=actor,
            action="complaint.file",
            ref=obj_ref(complaint),
            payload={
                "platform": platform.pk,
                "report": report.pk if report else None,
                "sealed": sorted(values),
            },
        )
    return Filing(complaint, code)


def complaint_for_receipt(*, code: str) -> Complaint:
    """The complaint a complaint code opens; the same error for a malformed and an unknown code."""
    message = _("No complaint matches this code.")
    if not receipts.is_well_formed(code):
        raise NotFound(message)
    found = (
        Complaint.objects.select_related("platform", "jurisdiction")
        .filter(receipt_hash=receipts.code_hash(code))
        .first()
    )
    if found is None:
        raise NotFound(message)
    return found


def complaint_evaluate(
    *, complaint: Complaint, score: int, comment: str = "", actor: str = "anonymous"
) -> ComplaintEvaluation:
    """The complainant's evaluation of the handling, once the complaint has been answered."""
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if complaint.status not in (ComplaintStatus.ANSWERED, ComplaintStatus.CLOSED):
            raise DomainError(
                _("You can evaluate the handling once your complaint has been answered."),
                code="not_answered",
            )
        if not isinstance(score, int) or not 1 <= score <= 5:
            raise DomainError(_("Choose a score from 1 to 5."), code="invalid", field="score")
        comment = _text(comment, field="comment", maximum=COMMENT_MAX, required=False)
        if ComplaintEvaluation.objects.filter(complaint=complaint).exists():
            raise DomainError(_("You have already evaluated this answer."), code="duplicate")
        evaluation = ComplaintEvaluation.objects.create(
            complaint=complaint, score=score, comment=comment
        )
        ComplaintEvent.objects.create(complaint=complaint, kind=EventKind.EVALUATED)
        ledger_append(
            actor=actor,
            action="complaint.evaluate",
            ref=obj_ref(complaint),
            payload={"score": score},
        )
    return evaluation


# --- the office ----------------------------------------------------------------------------------


def complaints_for(user: AnyUser, now: dt.datetime | None = None) -> QuerySet[Complaint]:
    """The complaints this user may handle: overdue first, then by the nearest deadline."""
    now = now or timezone.now()
    rule = policy(POLICY)
    found = rule.scope(user, Complaint.objects.all(), "jurisdiction")
    return (
        found.select_related("platform", "jurisdiction")
        .annotate(
            overdue=Case(
                When(Q(due_at__lt=now), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("-overdue", F("due_at").asc(nulls_last=True), "-submitted_at")
    )


def complaint_get(user: AnyUser, pk: int) -> Complaint:
    """One complaint in the user's jurisdiction; NotFound otherwise (missing or not theirs)."""
    policy(POLICY).check(user)
    found = complaints_for(user).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def _locked(user: User, complaint: Complaint, *allowed: str) -> Complaint:
    """Check the policy and jurisdiction, lock the row and check the status allows the move."""
    policy(POLICY).check(user)
    scoped = policy(POLICY).scope(user, Complaint.objects.filter(pk=complaint.pk), "jurisdiction")
    locked = scoped.select_for_update().first()
    if locked is None:
        raise NotFound()
    if locked.status not in allowed:
        raise DomainError(
            _("This cannot be done while the complaint is “%(status)s”.")
            % {"status": locked.get_status_display()},
            code="wrong_status",
        )
    return locked


def _record(
    complaint: Complaint,
    by: User,
    kind: str,
    verb: str,
    fields: list[str],
    *,
    body: str = "",
    payload: dict | None = None,
) -> Complaint:
    complaint.handled_by = by
    complaint.save(update_fields=[*fields, "handled_by"])
    event = ComplaintEvent.objects.create(complaint=complaint, kind=kind, body=body, by=by)
    ledger_append(
        actor=actor_ref(by),
        action=f"complaint.{verb}",
        ref=obj_ref(complaint),
        payload={"event": event.pk, "status": complaint.status, **(payload or {})},
    )
    return complaint


@transaction.atomic
def complaint_accept(
    *, complaint: Complaint, by: User, now: dt.datetime | None = None
) -> Complaint:
    """Accept a complaint: the answer's deadline starts now."""
    now = now or timezone.now()
    complaint = _locked(by, complaint, ComplaintStatus.RECEIVED)
    complaint.status = ComplaintStatus.ACCEPTED
    complaint.accepted_at = now
    complaint.answer_due_at = due_at(now, answer_limit()).at
    complaint.due_at = complaint.answer_due_at
    fields = ["status", "accepted_at", "answer_due_at", "due_at"]
    return _record(complaint, by, EventKind.ACCEPTED, "accept", fields)


@transaction.atomic
def complaint_refuse(*, complaint: Complaint, by: User, reason: str) -> Complaint:
    """Not accept a complaint, with the reason the complainant will read."""
    reason = _text(reason, field="reason", maximum=TEXT_MAX)
    complaint = _locked(by, complaint, ComplaintStatus.RECEIVED)
    complaint.status = ComplaintStatus.NOT_ACCEPTED
    complaint.reason = reason
    complaint.due_at = None
    complaint.closed_at = timezone.now()
    fields = ["status", "reason", "due_at", "closed_at"]
    return _record(complaint, by, EventKind.NOT_ACCEPTED, "refuse", fields, body=reason)


@transaction.atomic
def complaint_ask_platform(*, complaint: Complaint, by: User, question: str) -> Complaint:
    """Record the office's question to the platform about the complaint (sent outside jubao)."""
    question = _text(question, field="question", maximum=TEXT_MAX)
    complaint = _locked(by, complaint, ComplaintStatus.ACCEPTED, ComplaintStatus.REFERRED)
    complaint.status = ComplaintStatus.REFERRED
    return _record(complaint, by, EventKind.ASKED, "ask_platform", ["status"], body=question)


@transaction.atomic
def complaint_record_reply(
    *, complaint: Complaint, by: User, reply: str, platform_reference: str = ""
) -> Complaint:
    """Record the platform's reply, as staff received it; the platform's ticket number if new."""
    reply = _text(reply, field="reply", maximum=TEXT_MAX)
    platform_reference = _text(
        platform_reference, field="platform_reference", maximum=REFERENCE_MAX, required=False
    )
    complaint = _locked(by, complaint, ComplaintStatus.REFERRED)
    fields = []
    if platform_reference and not complaint.platform_reference:
        complaint.platform_reference = platform_reference
        fields.append("platform_reference")
    return _record(complaint, by, EventKind.REPLIED, "record_reply", fields, body=reply)


@transaction.atomic
def complaint_answer(*, complaint: Complaint, by: User, answer: str) -> Complaint:
    """Answer the complainant: they read it by inquiry and may then evaluate the handling."""
    answer = _text(answer, field="answer", maximum=TEXT_MAX)
    complaint = _locked(by, complaint, ComplaintStatus.ACCEPTED, ComplaintStatus.REFERRED)
    complaint.status = ComplaintStatus.ANSWERED
    complaint.answer = answer
    complaint.answered_at = timezone.now()
    complaint.due_at = None
    fields = ["status", "answer", "answered_at", "due_at"]
    return _record(complaint, by, EventKind.ANSWERED, "answer", fields, body=answer)


@transaction.atomic
def complaint_close(*, complaint: Complaint, by: User) -> Complaint:
    """Close an answered complaint (the complainant may still evaluate it)."""
    complaint = _locked(by, complaint, ComplaintStatus.ANSWERED)
    complaint.status = ComplaintStatus.CLOSED
    complaint.closed_at = timezone.now()
    return _record(complaint, by, EventKind.CLOSED, "close", ["status", "closed_at"])
