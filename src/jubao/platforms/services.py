"""Work handed to platforms: sending a transfer, and each answer the platform gives.

Every step is one transaction that records a `TransferEvent`, writes the ledger (ids only),
queues a signed webhook where the platform must hear of it, and tells the reporters what they
need to know on their receipt page. The payload a platform sees never holds the reporter's
identity or their own account of what happened: only the report item, the targets (with
personal information in excerpts masked), the judgement and the measure.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jubao.accounts.models import Platform, User
from jubao.analysis.pii import redact
from jubao.cases.clocks import clock_start, clock_stop
from jubao.cases.deadlines import due_at
from jubao.cases.models import Case
from jubao.catalogue import Stage, get_catalogue
from jubao.errors import DomainError
from jubao.intake.models import EventKind, ReportStatus
from jubao.intake.storage import evidence_store
from jubao.intake.timeline import timeline_add_for_case
from jubao.intake.uploads import UploadRejected, inspect_upload
from jubao.ledger.services import actor_ref, ledger_append, obj_ref
from jubao.measures.models import Measure, MeasureStatus
from jubao.platforms.models import (
    OPEN_TRANSFER,
    Transfer,
    TransferEvent,
    TransferEvidence,
    TransferKind,
    TransferStatus,
)
from jubao.platforms.webhooks import webhook_enqueue

MAX_EVIDENCE_FILES = 5


class TransferConflict(DomainError):
    status = 409


def platform_actor(platform: Platform, by: User | None = None) -> str:
    """The ledger actor: the platform's operator when one acted in the workbench, else the
    platform itself (a signed API call)."""
    return actor_ref(by) if by is not None else f"platform:{platform.pk}"


def _payload(case: Case, measure: Measure | None) -> dict[str, Any]:
    item = get_catalogue().item(case.item_code)
    targets = []
    for fields in case.reports.exclude(status=ReportStatus.WITHDRAWN).values_list(
        "targets__fields", flat=True
    ):
        if fields:
            targets.append({k: redact(str(v)) if k == "excerpt" else v for k, v in fields.items()})
    judgement = case.judgements.order_by("-at", "-pk").first()
    payload: dict[str, Any] = {
        "case": case.reference,
        "item": {"code": item.code, "name": {"zh": item.name.zh, "en": item.name.en}},
        "track": case.track,
        "targets": targets,
        "judgement": (
            {"result": judgement.result, "reasons": redact(judgement.reasons)}
            if judgement
            else None
        ),
    }
    if measure is not None:
        spec = get_catalogue().measure(measure.code)
        period = spec.params.period
        payload["measure"] = {
            "id": str(measure.public_id),
            "code": measure.code,
            "name": {"zh": spec.name.zh, "en": spec.name.en},
            "target_kind": measure.target_kind,
            "target": measure.target,
            # Account measures also reach the account's linked and re-registered accounts.
            "extends_to": list(spec.params.extends_to),
            "period": {"amount": period.amount, "unit": str(period.unit)} if period else None,
        }
    return payload


def _event(
    transfer: Transfer,
    kind: str,
    *,
    by: User | None = None,
    platform: bool = False,
    text: str = "",
    **data: Any,
) -> None:
    TransferEvent.objects.create(
        transfer=transfer, kind=kind, by=by, by_platform=platform, text=text, data=data
    )


def _notify(transfer: Transfer, event: str) -> None:
    webhook_enqueue(
        platform=transfer.platform,
        event=event,
        body={"transfer": str(transfer.public_id), "status": transfer.status},
        key=f"{event}:{transfer.public_id}:{transfer.events.count()}",
    )


CLOCK_FIELDS = ["clocks", "due_at", "warn_at", "overdue_notified_at"]


def _platform_answered(case_id: int, now: datetime) -> Case:
    """Stop the case's platform clock once no transfer of it waits for the platform."""
    case = Case.objects.select_for_update().get(pk=case_id)
    if not case.transfers.filter(status__in=OPEN_TRANSFER).exists():
        clock_stop(case, Stage.PLATFORM_TRANSFER, now)
        case.save(update_fields=CLOCK_FIELDS)
    return case


@transaction.atomic
def transfer_send(
    *, case: Case, platform: Platform, measure: Measure | None = None, now: datetime | None = None
) -> Transfer:
    """Hand a measure (or, without one, the whole case) to `platform`, with the catalogue's
    time limit for platforms, and tell it by webhook."""
    now = now or timezone.now()
    limit = get_catalogue().item(case.item_code).time_limit(Stage.PLATFORM_TRANSFER)
    transfer = Transfer.objects.create(
        platform=platform,
        case=case,
        measure=measure,
        kind=TransferKind.MEASURE if measure else TransferKind.CASE,
        payload=_payload(case, measure),
        due_at=due_at(now, limit).at,
    )
    _event(transfer, "sent")
    # `case` is the instance the calling move holds locked and saves again: change it.
    clock_start(case, Stage.PLATFORM_TRANSFER, now)
    case.save(update_fields=CLOCK_FIELDS)
    ledger_append(
        actor="system",
        action="transfer.send",
        ref=obj_ref(transfer),
        payload={"case": case.pk, "platform": platform.pk, "kind": transfer.kind},
    )
    _notify(transfer, "transfer.created")
    return transfer


def transfers_for(platform: Platform, *, open_only: bool = True):
    found = Transfer.objects.filter(platform=platform).select_related("case", "measure")
    return found.filter(status__in=OPEN_TRANSFER) if open_only else found


def transfer_get(platform: Platform, public_id: Any) -> Transfer:
    """The platform's own transfer, or the same NotFound for "missing" and "someone else's"."""
    from jubao.errors import NotFound

    found = transfers_for(platform, open_only=False).filter(public_id=public_id).first()
    if found is None:
        raise NotFound()
    return found


def _locked_open(transfer: Transfer) -> Transfer:
    locked = (
        Transfer.objects.select_for_update().select_related("platform", "case").get(pk=transfer.pk)
    )
    if not locked.is_open:
        raise TransferConflict(
            _("This transfer is already closed (%(status)s).")
            % {"status": locked.get_status_display()},
            code="closed",
        )
    return locked


@transaction.atomic
def transfer_acknowledge(
    *, transfer: Transfer, reference: str = "", by: User | None = None
) -> Transfer:
    """The platform confirms it received the work; acknowledging again changes nothing."""
    locked = _locked_open(transfer)
    if locked.acknowledged_at is None:
        locked.acknowledged_at = timezone.now()
        locked.platform_reference = reference.strip()[:64]
        if locked.status == TransferStatus.SENT:
            locked.status = TransferStatus.ACKNOWLEDGED
        locked.save()
        _event(locked, "acknowledged", platform=True, by=by, reference=locked.platform_reference)
        ledger_append(
            actor=platform_actor(locked.platform, by),
            action="transfer.acknowledge",
            ref=obj_ref(locked),
        )
    return locked


def _text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(message, code="required", field=field)
    if len(value) > 4000:
        raise DomainError(_("Keep it under 4000 characters."), code="too_long", field=field)
    return value


@transaction.atomic
def transfer_ask(*, transfer: Transfer, question: str, by: User | None = None) -> Transfer:
    """The platform needs more information before it can act."""
    locked = _locked_open(transfer)
    text = _text(question, "question", _("Write the question."))
    locked.status = TransferStatus.QUESTION
    locked.save(update_fields=["status"])
    _event(locked, "question", platform=True, by=by, text=text)
    ledger_append(
        actor=platform_actor(locked.platform, by), action="transfer.question", ref=obj_ref(locked)
    )
    return locked


@transaction.atomic
def transfer_answer(*, transfer: Transfer, by: User, answer: str) -> Transfer:
    """An officer answers the platform's question; the platform hears of it by webhook."""
    locked = _locked_open(transfer)
    if locked.status != TransferStatus.QUESTION:
        raise TransferConflict(_("The platform has not asked anything."), code="no_question")
    text = _text(answer, "answer", _("Write the answer."))
    locked.status = TransferStatus.ACKNOWLEDGED if locked.acknowledged_at else TransferStatus.SENT
    locked.save(update_fields=["status"])
    _event(locked, "answer", by=by, text=text)
    ledger_append(actor=actor_ref(by), action="transfer.answer", ref=obj_ref(locked))
    _notify(locked, "transfer.answered")
    return locked


@dataclass(frozen=True)
class EvidenceFile:
    name: str
    content: bytes


def decode_evidence(files: list[dict[str, str]]) -> list[EvidenceFile]:
    """`[{"name": ..., "content_base64": ...}]` to files; refuses bad base64 and too many."""
    if len(files) > MAX_EVIDENCE_FILES:
        raise DomainError(
            _("At most %(max)d files.") % {"max": MAX_EVIDENCE_FILES},
            code="too_many_files",
            field="evidence",
        )
    out = []
    for i, f in enumerate(files):
        try:
            out.append(
                EvidenceFile(f["name"][:100], base64.b64decode(f["content_base64"], validate=True))
            )
        except (KeyError, binascii.Error, ValueError):
            raise DomainError(
                _("The file is not valid base64."), code="invalid", field=f"evidence.{i}"
            ) from None
    return out


def _store(transfer: Transfer, files: list[EvidenceFile]) -> list[TransferEvidence]:
    stored = []
    for i, f in enumerate(files):
        try:
            clean = inspect_upload(name=f.name, data=f.content)
        except UploadRejected as exc:
            raise DomainError(
                f"{f.name}: {exc.message}", code="invalid_file", field=f"evidence.{i}"
            ) from None
        row = TransferEvidence.objects.create(
            transfer=transfer,
            name=f.name,
            media_type=clean.media_type,
            staff_media_type=clean.staff_media_type or "",
            size=clean.size,
            sha256=clean.sha256,
        )
        variants = {"original": f.content}
        if clean.staff_copy is not None:
            variants["staff"] = clean.staff_copy
        evidence_store(ref=row.vault_ref, variants=variants)
        stored.append(row)
    return stored


@transaction.atomic
def transfer_report(
    *,
    transfer: Transfer,
    note: str,
    evidence: list[EvidenceFile],
    now: datetime | None = None,
    by: User | None = None,
) -> Transfer:
    """The platform did the work: the measure is in force (or the case was handled), with the
    files that show it. The reporters are told on their receipt page."""
    from jubao.measures.services import measure_applied

    now = now or timezone.now()
    locked = _locked_open(transfer)
    text = _text(note, "note", _("Say what was done."))
    if not evidence:
        raise DomainError(
            _("Send at least one file that shows what was done."), code="required", field="evidence"
        )
    stored = _store(locked, evidence)
    locked.status, locked.done_at = TransferStatus.DONE, now
    locked.save(update_fields=["status", "done_at"])
    _event(
        locked, "report", platform=True, by=by, text=text, files=[str(e.vault_ref) for e in stored]
    )
    if locked.measure is not None:
        measure_applied(measure=locked.measure, at=now)
    case = _platform_answered(locked.case_id, now)
    ledger_append(
        actor=platform_actor(locked.platform, by),
        action="transfer.report",
        ref=obj_ref(locked),
        payload={"files": [e.sha256 for e in stored]},
    )
    timeline_add_for_case(
        case.pk,
        kind=EventKind.MEASURE,
        body=_("%(platform)s reports that it has dealt with the content: %(note)s")
        % {"platform": locked.platform.name, "note": text},
    )
    return locked


@transaction.atomic
def transfer_dispute(*, transfer: Transfer, reason: str, by: User | None = None) -> Transfer:
    """The platform contests the transfer (not theirs, or not infringing); the office decides."""
    locked = _locked_open(transfer)
    text = _text(reason, "reason", _("Give the reason."))
    locked.status = TransferStatus.DISPUTED
    locked.save(update_fields=["status"])
    if locked.measure is not None:
        Measure.objects.filter(transfer=locked).update(status=MeasureStatus.FAILED)
    _event(locked, "dispute", platform=True, by=by, text=text)
    _platform_answered(locked.case_id, timezone.now())
    ledger_append(
        actor=platform_actor(locked.platform, by), action="transfer.dispute", ref=obj_ref(locked)
    )
    return locked
