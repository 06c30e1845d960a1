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


def _out(transfer: Transfer) -> TransferOut:
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
    return TransferList(items=[_out(t) for t in found[:200]])


@router.get("/transfers/{transfer_id}", response={200: TransferOut, **ERRORS}, summary="A transfer")
def transfer(request: HttpRequest, transfer_id: uuid.UUID) -> TransferOut:
    return _out(transfer_get(_platform(request), transfer_id))


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
