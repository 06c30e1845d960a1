"""The platform API of measures (mounted under /api/v1/platform/): the concerned party's
response statement to a dispute label, and the blacklist check.

Requests are signed by the platform (see `docs/platform-api.md`). A platform reaches only the
measures it was asked to carry out; the blacklist check answers yes or no and nothing else.
"""

from __future__ import annotations

import base64
import uuid
from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema

from jubao.accounts.models import Platform
from jubao.api_errors import SIGNED_ERRORS as ERRORS
from jubao.errors import NotFound
from jubao.measures.blacklist import blacklist_check
from jubao.measures.checkhash import VERSION, check_key
from jubao.measures.lifecycle import label_response_submit
from jubao.measures.models import Measure
from jubao.platforms.api import PlatformSignature

router = Router(tags=["platform"], auth=PlatformSignature())


class StatementIn(Schema):
    text: str


class StatementOut(Schema):
    id: uuid.UUID
    response_status: str


class CheckIn(Schema):
    kind: Literal["account", "subject"]
    key: str


class CheckOut(Schema):
    listed: bool


def _platform(request: HttpRequest) -> Platform:
    platform = request.auth  # type: ignore[attr-defined]
    assert isinstance(platform, Platform)
    return platform


def _measure(platform: Platform, public_id: uuid.UUID) -> Measure:
    """The platform's own measure, or the same NotFound for "missing" and "someone else's"."""
    found = Measure.objects.filter(platform=platform, public_id=public_id).first()
    if found is None:
        raise NotFound()
    return found


@router.post(
    "/measures/{id}/response-statement",
    response={200: StatementOut, **ERRORS},
    summary="Send a response statement",
)
def response_statement(request: HttpRequest, id: uuid.UUID, payload: StatementIn) -> StatementOut:
    """The concerned party's response statement to a dispute label on content of this platform.
    It is reviewed by the office before it is shown; the platform hears the outcome by webhook
    (`measure.response_shown` or `measure.response_refused`). A refused statement may be sent
    again; one that is waiting or shown may not (409)."""
    measure = label_response_submit(measure=_measure(_platform(request), id), text=payload.text)
    return StatementOut(id=measure.public_id, response_status=measure.response_status)


class CheckKeyOut(Schema):
    version: str
    key: str  # base64


@router.get("/blacklist/key", response={200: CheckKeyOut, **ERRORS}, summary="Check key")
def check_key_view(request: HttpRequest) -> CheckKeyOut:
    """The key to compute check hashes with (see docs/measures.md); keep it secret."""
    _platform(request)
    return CheckKeyOut(version=VERSION, key=base64.b64encode(check_key()).decode())


@router.post("/blacklist/check", response={200: CheckOut, **ERRORS}, summary="Blacklist check")
def check(request: HttpRequest, payload: CheckIn) -> CheckOut:
    """Whether an account or a subject is on the blacklist now, asked by its check hash (64
    hexadecimal characters, computed with the check key; an account is looked up among the asking
    platform's accounts). The answer is only yes or no; every check is recorded, and checks
    beyond the platform's rate are refused with 429."""
    listed = blacklist_check(platform=_platform(request), kind=payload.kind, key=payload.key)
    return CheckOut(listed=listed)
