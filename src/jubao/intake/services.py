"""Intake services: submit a report, and what the reporter may do with the receipt afterwards.

`report_submit` commits the report, its targets, evidence, sealed contact details, timeline and
ledger entries in one transaction; the receipt code is returned only after that commit.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jubao.accounts.models import Office, User
from jubao.cases.clocks import clocks_refresh, clocks_start
from jubao.cases.models import FINISHED, Case
from jubao.cases.services import case_transition
from jubao.cases.workflow import REPORTER, Move
from jubao.catalogue import Stage
from jubao.conf import key_material
from jubao.errors import DomainError, NotFound
from jubao.intake import receipts
from jubao.intake.drafts import Draft, Upload
from jubao.intake.models import (
    EventKind,
    Evidence,
    IdempotencyRecord,
    Report,
    ReportEvent,
    ReportStatus,
    Target,
)
from jubao.intake.pow import challenge_redeem
from jubao.intake.storage import evidence_store
from jubao.intake.triage import Triage, triage
from jubao.intake.validation import CleanDraft, CleanUpload, validate_draft, validate_uploads
from jubao.ledger.services import actor_ref, ledger_append, obj_ref
from jubao.vault.services import vault_seal_many

TABLE = "intake.report"


class IdempotencyConflict(DomainError):
    status = 409

    def __init__(self) -> None:
        super().__init__(
            _("This submission key was already used for a different report."),
            code="idempotency_conflict",
        )


@dataclass(frozen=True)
class Submission:
    report: Report
    receipt: str
    joined_existing_case: bool
    replayed: bool = False


def _reference(prefix: str) -> str:
    stamp = timezone.localtime().strftime("%y%m%d")
    tail = "".join(secrets.choice(receipts.ALPHABET) for _ in range(6))
    return f"{prefix}{stamp}{tail}"


def _body_hash(clean: CleanDraft) -> str:
    draft = clean.draft
    body = {
        "item": draft.item_code,
        "role": draft.reporter_role,
        "text": draft.description,
        "targets": clean.targets,
        "contact": [draft.contact.name, draft.contact.phone, draft.contact.email],
        "groups": [draft.for_minor, draft.for_elderly, draft.for_disabled],
        "files": [[u.kind, u.file.sha256] for u in clean.uploads],
        "channel": draft.channel,
    }
    # Keyed: the body holds the contact details, which a plain hash would let anyone with the
    # database recover by trying phone numbers.
    key = key_material("idempotency_body", env="JUBAO_IDEMPOTENCY_KEY")
    return hmac.new(key, json.dumps(body, sort_keys=True).encode(), hashlib.sha256).hexdigest()


def _key_hash(key: str) -> str:
    return hashlib.sha256(f"jubao-idempotency:{key}".encode()).hexdigest()


def _claim_key(key_hash: str, body_hash: str) -> IdempotencyRecord | None:
    """Claim an idempotency key; return the earlier record if someone already holds it."""
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(key_hash=key_hash, body_hash=body_hash)
            return None
    except IntegrityError:
        earlier = IdempotencyRecord.objects.select_related("report").get(key_hash=key_hash)
        if earlier.body_hash != body_hash:
            raise IdempotencyConflict() from None
        return earlier


def _open_case_for(keys: list[str]) -> Case | None:
    keys = [k for k in keys if k]
    if not keys:
        return None
    return (
        Case.objects.select_for_update()
        .filter(reports__targets__target_key__in=keys)
        .exclude(status__in=FINISHED)
        .order_by("opened_at")
        .first()
    )


def _new_case(clean: CleanDraft, route: Triage) -> Case:
    """A case for a report about a new target; its acceptance and overall clocks start now."""
    case = Case(
        clocks=clocks_start(clean.item.code, (Stage.ACCEPTANCE, Stage.OVERALL), timezone.now()),
        reference=_reference("A"),
        item_code=clean.item.code,
        track=route.track,
        priority=route.priority,
        jurisdiction=route.jurisdiction,
        platform=route.platform,
        flags=list(route.flags),
        responsible=route.responsible,
        assignee=route.responsible,
        **clean.catalogue.stamp(),
    )
    clocks_refresh(case)
    case.save(force_insert=True)
    return case


def _store_evidence(
    report: Report, uploads: list[CleanUpload], actor: str, *, later: bool = False
) -> list[Evidence]:
    stored = []
    for upload in uploads:
        file = upload.file
        evidence = Evidence.objects.create(
            report=report,
            kind=upload.kind,
            media_kind=file.kind,
            media_type=file.media_type,
            extension=file.extension,
            size=file.size,
            sha256=file.sha256,
            staff_media_type=file.staff_media_type or "",
            added_later=later,
            metadata_removed=list(file.metadata_removed),
        )
        variants = {"original": upload.original}
        if file.staff_copy is not None:
            variants["staff"] = file.staff_copy
        evidence_store(ref=evidence.vault_ref, variants=variants)
        ledger_append(
            actor=actor,
            action="evidence.store",
            ref=f"{obj_ref(evidence)}#sha256:{file.sha256}",
            payload={"report": report.pk, "size": file.size, "kind": upload.kind},
        )
        stored.append(evidence)
    return stored


def _create_report(
    clean: CleanDraft,
    route: Triage,
    receipt: str,
    actor: str,
    *,
    account: User | None,
    entered_by: User | None,
    into: Case | None = None,
) -> tuple[Report, bool]:
    draft = clean.draft
    case = into if into is not None else _open_case_for(route.target_keys)
    joined = case is not None
    if case is None:
        case = _new_case(clean, route)
    elif route.priority < case.priority:
        case.priority = route.priority
        case.save(update_fields=["priority"])
    report = Report.objects.create(
        reference=_reference("R"),
        case=case,
        item_code=clean.item.code,
        channel=draft.channel,
        reporter_role=draft.reporter_role,
        for_minor=draft.for_minor,
        for_elderly=draft.for_elderly,
        for_disabled=draft.for_disabled,
        description=draft.description.strip(),
        track=route.track,
        priority=route.priority,
        jurisdiction=case.jurisdiction,
        platform=route.platform,
        receipt_hash=receipts.code_hash(receipt),
        account=account,
        entered_by=entered_by,
        missing_evidence=clean.missing_evidence,
        analysis=route.analysis,
        **clean.catalogue.stamp(),
    )
    Target.objects.bulk_create(
        Target(report=report, position=i, fields=fields, target_key=key or f"none:{report.pk}:{i}")
        for i, (fields, key) in enumerate(zip(clean.targets, route.target_keys, strict=True))
    )
    from jubao.insights.stats import figures_on_report

    figures_on_report(report)  # the statistics' pre-aggregated figures, in the same transaction
    contact = draft.contact
    vault_seal_many(
        table=TABLE,
        row=report.vault_ref,
        values={
            "name": contact.name or None,
            "phone": contact.phone or None,
            "email": contact.email or None,
        },
    )
    ledger_append(
        actor=actor,
        action="report.submit",
        ref=obj_ref(report),
        payload={
            "case": case.pk,
            "item": report.item_code,
            "channel": report.channel,
            "targets": route.target_keys,
            "catalogue": report.catalogue_hash,
        },
    )
    return report, joined


def _timeline_on_submit(report: Report, joined: bool) -> None:
    events = [
        ReportEvent(report=report, kind=EventKind.RECEIVED, params={"reference": report.reference})
    ]
    if joined:
        events.append(
            ReportEvent(
                report=report, kind=EventKind.JOINED, params={"case": report.case.reference}
            )
        )
    if report.missing_evidence:
        events.append(
            ReportEvent(
                report=report,
                kind=EventKind.EVIDENCE_MISSING,
                params={"kinds": report.missing_evidence},
            )
        )
    ReportEvent.objects.bulk_create(events)


def report_submit(
    *,
    draft: Draft,
    idempotency_key: str | None = None,
    pow_payload: str | None = None,
    account: User | None = None,
    entered_by: User | None = None,
) -> Submission:
    """Validate, triage and store a report; return it with its receipt code.

    A retry with the same idempotency key and the same content returns the first report and
    receipt; the same key with other content is refused. Staff entering a phone, letter or
    walk-in report (`entered_by`) skip the proof of work.
    """
    clean = validate_draft(draft)
    key_hash = _key_hash(idempotency_key) if idempotency_key else None
    receipt = receipts.new_code(derive_from=key_hash)
    actor = (
        actor_ref(entered_by) if entered_by else (actor_ref(account) if account else "anonymous")
    )
    # Analysis and routing read only; keep them out of the write transaction (on SQLite it
    # holds the database's one write lock).
    if account is not None:
        from jubao.enterprises.services import filing_check

        filing_check(account)  # an unverified or restricted enterprise may not file
    route = triage(clean, account)
    with transaction.atomic():
        if key_hash:
            earlier = _claim_key(key_hash, _body_hash(clean))
            if earlier is not None and earlier.report is not None:
                return Submission(earlier.report, receipt, False, replayed=True)
        if entered_by is None:
            challenge_redeem(payload=pow_payload or "")
        report, joined = _create_report(
            clean, route, receipt, actor, account=account, entered_by=entered_by
        )
        _store_evidence(report, clean.uploads, actor)
        _timeline_on_submit(report, joined)
        if key_hash:
            IdempotencyRecord.objects.filter(key_hash=key_hash).update(report=report)
    return Submission(report, receipt, joined)


# --- federation hook (see jubao.federation): a report forwarded by another instance ---------


def report_accept_forwarded(
    *,
    draft: Draft,
    office: Office | None,
    into: Case | None,
    missing_evidence: list[str],
    actor: str,
) -> Submission:
    """Store a report that another jubao instance received and forwarded here, as filed there:
    without contact details (they stay where the report was filed), without a receipt anyone
    holds and without proof of work. It joins `into`, else an open case about the same targets,
    else opens a case at `office` (None: where triage puts it). Call inside a transaction."""
    clean = validate_draft(draft)
    clean.missing_evidence = [c for c in missing_evidence if c in clean.missing_evidence]
    route = triage(clean)
    if office is not None:
        route.jurisdiction = office
    with transaction.atomic():
        report, joined = _create_report(
            clean, route, receipts.new_code(), actor, account=None, entered_by=None, into=into
        )
        _timeline_on_submit(report, joined)
    return Submission(report, "", joined)


# --- end of the federation hook --------------------------------------------------------------


def report_for_receipt(*, code: str) -> Report:
    """The report a receipt code opens; the same error for a malformed and an unknown code."""
    if not receipts.is_well_formed(code):
        raise NotFound(_("No report matches this receipt code."))
    report = (
        Report.objects.select_related("case", "jurisdiction", "platform")
        .filter(receipt_hash=receipts.code_hash(code))
        .first()
    )
    if report is None:
        raise NotFound(_("No report matches this receipt code."))
    return report


def _lock(report: Report) -> Report:
    return Report.objects.select_for_update().select_related("case").get(pk=report.pk)


def _require_active(report: Report) -> None:
    if report.status == ReportStatus.WITHDRAWN:
        raise DomainError(_("This report has been withdrawn."), code="withdrawn")


def report_add_evidence(
    *, report: Report, uploads: tuple[Upload, ...], actor: str = "anonymous"
) -> list[Evidence]:
    """Add evidence files to a report (the reporter, with the receipt, or staff)."""
    if not uploads:
        raise DomainError(_("Choose at least one file."), code="required", field="evidence")
    with transaction.atomic():
        report = _lock(report)
        _require_active(report)
        cleaned = validate_uploads(
            item_code=report.item_code,
            role=report.reporter_role,
            uploads=uploads,
            already=report.evidence.count(),
        )
        stored = _store_evidence(report, cleaned, actor, later=True)
        report.missing_evidence = sorted(set(report.missing_evidence) - {u.kind for u in cleaned})
        report.save(update_fields=["missing_evidence"])
        ReportEvent.objects.create(
            report=report, kind=EventKind.EVIDENCE_ADDED, params={"count": len(stored)}
        )
    return stored


MESSAGE_MAX = 2000


@transaction.atomic
def report_message(*, report: Report, body: str, actor: str = "anonymous") -> ReportEvent:
    """A message from the reporter to the handler of the case."""
    body = body.strip()
    if not body:
        raise DomainError(_("Write a message first."), code="required", field="body")
    if len(body) > MESSAGE_MAX:
        raise DomainError(
            _("At most %(max)d characters.") % {"max": MESSAGE_MAX}, code="too_long", field="body"
        )
    report = _lock(report)
    _require_active(report)
    event = ReportEvent.objects.create(report=report, kind=EventKind.MESSAGE_IN, body=body)
    ledger_append(
        actor=actor,
        action="report.message",
        ref=obj_ref(report),
        payload={"event": event.pk, "length": len(body)},
    )
    return event


@transaction.atomic
def report_withdraw(*, report: Report, reason: str = "", actor: str = "anonymous") -> Report:
    """Withdraw a report. A case with no other active report is withdrawn with it."""
    report = _lock(report)
    _require_active(report)
    report.status = ReportStatus.WITHDRAWN
    report.save(update_fields=["status"])
    ReportEvent.objects.create(report=report, kind=EventKind.WITHDRAWN, body=reason.strip()[:500])
    case = report.case
    if not case.reports.exclude(status=ReportStatus.WITHDRAWN).exists() and case.is_open:
        case_transition(case=case, move=Move.WITHDRAW, actor=REPORTER)
    ledger_append(actor=actor, action="report.withdraw", ref=obj_ref(report))
    return report


EVALUABLE = frozenset({"answered", "closed"})


@transaction.atomic
def report_evaluate(
    *, report: Report, score: int, comment: str = "", actor: str = "anonymous"
) -> None:
    """The reporter's evaluation of the result, once the case has been answered."""
    from jubao.intake.models import Evaluation

    report = _lock(report)
    if report.case.status not in EVALUABLE:
        raise DomainError(
            _("You can evaluate the result once your report has been answered."),
            code="not_answered",
        )
    if not 1 <= score <= 5:
        raise DomainError(_("Choose a score from 1 to 5."), code="invalid", field="score")
    if Evaluation.objects.filter(report=report).exists():
        raise DomainError(_("You have already evaluated this result."), code="duplicate")
    Evaluation.objects.create(report=report, score=score, comment=comment.strip()[:1000])
    if report.case.status == "answered":
        case_transition(case=report.case, move=Move.EVALUATE, actor=REPORTER)
    ReportEvent.objects.create(report=report, kind=EventKind.EVALUATED, params={"score": score})
    ledger_append(
        actor=actor, action="report.evaluate", ref=obj_ref(report), payload={"score": score}
    )


@transaction.atomic
def report_link_account(*, report: Report, user: User) -> Report:
    """Attach a report filed anonymously to the reporter's account (they hold its receipt)."""
    report = _lock(report)
    if report.account_id not in (None, user.pk):
        raise DomainError(_("This report belongs to another account."), code="taken")
    report.account = user
    report.save(update_fields=["account"])
    ledger_append(actor=actor_ref(user), action="report.link_account", ref=obj_ref(report))
    return report
