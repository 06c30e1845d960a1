"""The intake API for apps and mini-programs: the same validation as the portal.

Anonymous submissions carry a solved proof-of-work challenge (`GET /challenge`) and may carry an
`Idempotency-Key` header. The receipt code goes in the `X-Receipt-Code` header, never in a URL.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Field, File, Form, Header, Router, Schema, Status
from ninja.files import UploadedFile

from jubao.api_errors import ERRORS
from jubao.intake import pow
from jubao.intake.drafts import Contact, Draft, Upload
from jubao.intake.limits import limit_receipt_lookup, limit_submission
from jubao.intake.models import Report
from jubao.intake.services import (
    report_add_evidence,
    report_evaluate,
    report_for_receipt,
    report_message,
    report_submit,
    report_withdraw,
)
from jubao.intake.timeline import status_view

router = Router(tags=["reports"])


class ChallengeOut(Schema):
    algorithm: str
    challenge: str
    maxnumber: int
    salt: str
    signature: str


class ContactIn(Schema):
    name: str = Field("", max_length=50)
    phone: str = Field("", max_length=20)
    email: str = Field("", max_length=254)


class ReportIn(Schema):
    item_code: str = Field(..., max_length=64, description="A report item code of the catalogue")
    reporter_role: str = Field(..., description="victim, agent, guardian or anyone")
    description: str = Field(..., max_length=5000)
    targets: list[dict[str, str]] = Field(
        ..., max_length=10, description="Target fields by catalogue code"
    )
    truthful: bool = Field(..., description="The reporter states the report is true")
    contact: ContactIn | None = None
    for_minor: bool = False
    for_elderly: bool = False
    for_disabled: bool = False
    channel: Literal["api", "mobile"] = "api"
    pow: str = Field("", description="The solved challenge (base64 JSON payload)")


class ReceiptOut(Schema):
    receipt: str = Field(..., description="Shown once; keep it to follow the report")
    reference: str
    status: str
    joined_existing_case: bool
    missing_evidence: list[str]


class LineOut(Schema):
    at: dt.datetime
    kind: str
    title: str
    text: str
    from_reporter: bool


class StatusOut(Schema):
    reference: str
    item: str
    status: str
    status_label: str
    submitted_at: dt.datetime
    missing_evidence: list[str]
    evidence_count: int
    can_add: bool
    can_evaluate: bool
    lines: list[LineOut]


class MessageIn(Schema):
    body: str = Field(..., max_length=2000)


class WithdrawIn(Schema):
    reason: str = Field("", max_length=500)


class EvaluationIn(Schema):
    score: int = Field(..., ge=1, le=5)
    comment: str = Field("", max_length=1000)


@router.get("/challenge", response=ChallengeOut, summary="A proof-of-work challenge")
def challenge(request: HttpRequest) -> dict:
    return pow.challenge_new()


@router.post("/reports", response={201: ReceiptOut, **ERRORS}, summary="File a report")
def submit(
    request: HttpRequest,
    payload: ReportIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> Status:
    contact = Contact(**payload.contact.dict()) if payload.contact else Contact()
    limit_submission(request, identity=contact.phone or contact.email)
    draft = Draft(
        item_code=payload.item_code,
        reporter_role=payload.reporter_role,
        description=payload.description,
        targets=tuple(payload.targets),
        truthful=payload.truthful,
        contact=contact,
        for_minor=payload.for_minor,
        for_elderly=payload.for_elderly,
        for_disabled=payload.for_disabled,
        channel=payload.channel,
    )
    result = report_submit(draft=draft, idempotency_key=idempotency_key, pow_payload=payload.pow)
    return Status(
        201,
        {
            "receipt": result.receipt,
            "reference": result.report.reference,
            "status": result.report.case.status,
            "joined_existing_case": result.joined_existing_case,
            "missing_evidence": result.report.missing_evidence,
        },
    )


def _report(request: HttpRequest, code: str) -> Report:
    limit_receipt_lookup(request)
    return report_for_receipt(code=code)


ReceiptHeader = Header(..., alias="X-Receipt-Code", description="The receipt code")


@router.get("/reports/status", response={200: StatusOut, **ERRORS}, summary="Follow a report")
def status(request: HttpRequest, receipt: str = ReceiptHeader) -> StatusOut:
    return status_view(_report(request, receipt))  # type: ignore[return-value]


@router.post("/reports/evidence", response={201: StatusOut, **ERRORS}, summary="Add evidence")
def add_evidence(
    request: HttpRequest,
    kinds: Form[list[str]],
    files: File[list[UploadedFile]],
    receipt: str = ReceiptHeader,
) -> Status:
    report = _report(request, receipt)
    uploads = tuple(
        Upload(name=f.name or "", data=f.read(), kind=k) for f, k in zip(files, kinds, strict=False)
    )
    report_add_evidence(report=report, uploads=uploads)
    return Status(201, status_view(report))


@router.post("/reports/messages", response={201: StatusOut, **ERRORS}, summary="Message")
def message(request: HttpRequest, payload: MessageIn, receipt: str = ReceiptHeader) -> Status:
    report = _report(request, receipt)
    report_message(report=report, body=payload.body)
    return Status(201, status_view(report))


@router.post("/reports/withdraw", response={200: StatusOut, **ERRORS}, summary="Withdraw")
def withdraw(request: HttpRequest, payload: WithdrawIn, receipt: str = ReceiptHeader) -> StatusOut:
    report = report_withdraw(report=_report(request, receipt), reason=payload.reason)
    return status_view(report)  # type: ignore[return-value]


@router.post("/reports/evaluation", response={201: StatusOut, **ERRORS}, summary="Evaluate")
def evaluate(request: HttpRequest, payload: EvaluationIn, receipt: str = ReceiptHeader) -> Status:
    report = _report(request, receipt)
    report_evaluate(report=report, score=payload.score, comment=payload.comment)
    return Status(201, status_view(report))
