"""The platform API under /api/v1/platform/: transfers to a platform and its answers.

Every request is signed by the platform (see `docs/platform-api.md` and `signatures.py`); the
platform sees only its own transfers. Answers are idempotent where that is natural (acknowledging
twice is fine) and refused with 409 where it is not (reporting on a closed transfer).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import APIKeyHeader

from jubao.accounts.models import Platform
from jubao.api_errors import SIGNED_ERRORS as ERRORS
from jubao.api_errors import ErrorOut
from jubao.custody.services import reporter_for_platform, shares_open
from jubao.platforms.models import Transfer
from jubao.platforms.services import (
    decode_evidence,
    transfer_acknowledge,
    transfer_ask,
    transfer_dispute,
    transfer_get,
    transfer_report,
    transfers_for,
)
from jubao.platforms.signatures import signature_verify


class PlatformSignature(APIKeyHeader):
    """HTTP Message Signature (RFC 9421, Ed25519) with the platform's registered key."""

    param_name = "Signature"

    def authenticate(self, request: HttpRequest, key: str | None) -> Platform:
        return signature_verify(request)


router = Router(tags=["platform"], auth=PlatformSignature())


class EventOut(Schema):
    at: datetime
    kind: str
    by_platform: bool
    text: str


class TransferOut(Schema):
    id: uuid.UUID
    kind: str
    status: str
    sent_at: datetime
    due_at: datetime
    acknowledged_at: datetime | None
    done_at: datetime | None
    reference: str
    case: dict[str, Any]
    events: list[EventOut]
    # True while the identity custodian's approval lets the platform read reporter details at
    # GET /transfers/{id}/reporter.
    reporter_details: bool


class TransferList(Schema):
    items: list[TransferOut]


class AcknowledgeIn(Schema):
    reference: str = ""


class QuestionIn(Schema):
    question: str


class EvidenceIn(Schema):
    name: str
    content_base64: str


class ReportIn(Schema):
    note: str
    evidence: list[EvidenceIn]


class DisputeIn(Schema):
    reason: str


class ReporterDetailsOut(Schema):
    # One object per report, with the keys the catalogue item lists (name, phone, email); a
    # detail the reporter did not give is null.
    reporters: list[dict[str, str | None]]
    until: datetime


def _out(transfer: Transfer, shared: set[int] | None = None) -> TransferOut:
    if shared is None:
        shared = shares_open([transfer])
    return TransferOut(
        id=transfer.public_id,
        kind=transfer.kind,
        status=transfer.status,
        sent_at=transfer.sent_at,
        due_at=transfer.due_at,
        acknowledged_at=transfer.acknowledged_at,
        done_at=transfer.done_at,
        reference=transfer.platform_reference,
        case=transfer.payload,
        events=[
            EventOut(at=e.at, kind=e.kind, by_platform=e.by_platform, text=e.text)
            for e in transfer.events.all()
        ],
        reporter_details=transfer.pk in shared,
    )


def _platform(request: HttpRequest) -> Platform:
    platform = request.auth  # type: ignore[attr-defined]
    assert isinstance(platform, Platform)
    return platform


@router.get("/transfers", response={200: TransferList, **ERRORS}, summary="Open transfers")
def transfers(request: HttpRequest, all: bool = False) -> TransferList:
    """The platform's open transfers, oldest first (with `all=true`, closed ones too; at most
    200)."""
    found = transfers_for(_platform(request), open_only=not all).prefetch_related("events")
    page = list(found[:200])
    shared = shares_open(page)
    return TransferList(items=[_out(t, shared) for t in page])


@router.get("/transfers/{transfer_id}", response={200: TransferOut, **ERRORS}, summary="A transfer")
def transfer(request: HttpRequest, transfer_id: uuid.UUID) -> TransferOut:
    return _out(transfer_get(_platform(request), transfer_id))


@router.get(
    "/transfers/{transfer_id}/reporter",
    response={200: ReporterDetailsOut, 403: ErrorOut, **ERRORS},
    summary="The reporter's details, when approved",
)
def reporter(request: HttpRequest, transfer_id: uuid.UUID) -> ReporterDetailsOut:
    """Only for items whose catalogue entry lets platforms receive reporter details, after the
    office's identity custodian approved it for this transfer, while the transfer is open and the
    approval lasts (`until`); otherwise 403 with code `not_shared` or `closed`. Every reading is
    recorded in the office's ledger. Use the details only to act on this transfer."""
    platform = _platform(request)
    found = transfer_get(platform, transfer_id)
    reporters, until = reporter_for_platform(transfer=found, platform=platform)
    return ReporterDetailsOut(reporters=reporters, until=until)


@router.post(
    "/transfers/{transfer_id}/acknowledge",
    response={200: TransferOut, **ERRORS},
    summary="Acknowledge receipt",
)
def acknowledge(
    request: HttpRequest, transfer_id: uuid.UUID, payload: AcknowledgeIn
) -> TransferOut:
    found = transfer_get(_platform(request), transfer_id)
    return _out(transfer_acknowledge(transfer=found, reference=payload.reference))


@router.post(
    "/transfers/{transfer_id}/questions",
    response={200: TransferOut, **ERRORS},
    summary="Ask the office for more information",
)
def ask(request: HttpRequest, transfer_id: uuid.UUID, payload: QuestionIn) -> TransferOut:
    found = transfer_get(_platform(request), transfer_id)
    return _out(transfer_ask(transfer=found, question=payload.question))


@router.post(
    "/transfers/{transfer_id}/report",
    response={200: TransferOut, **ERRORS},
    summary="Report what was done, with evidence",
)
def report(request: HttpRequest, transfer_id: uuid.UUID, payload: ReportIn) -> TransferOut:
    found = transfer_get(_platform(request), transfer_id)
    files = decode_evidence([e.dict() for e in payload.evidence])
    return _out(transfer_report(transfer=found, note=payload.note, evidence=files))


@router.post(
    "/transfers/{transfer_id}/dispute",
    response={200: TransferOut, **ERRORS},
    summary="Dispute the transfer",
)
def dispute(request: HttpRequest, transfer_id: uuid.UUID, payload: DisputeIn) -> TransferOut:
    found = transfer_get(_platform(request), transfer_id)
    return _out(transfer_dispute(transfer=found, reason=payload.reason))
