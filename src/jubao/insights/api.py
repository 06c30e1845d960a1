"""The platform API of transparency (mounted under /api/v1/platform/): a platform's periodic
handling figures.

Requests are signed by the platform (see `docs/platform-api.md`). A platform submits its figures
for one month at a time; sending the same month again replaces them (the replacement is recorded),
and sending the very same figures again changes nothing. The figures are published on the public
transparency page, added up across platforms and per platform.
"""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from jubao.accounts.models import Platform
from jubao.api_errors import SIGNED_ERRORS as ERRORS
from jubao.insights.models import PlatformFigures
from jubao.insights.services import figures_of, figures_submit
from jubao.platforms.api import PlatformSignature


def build_router() -> Router:
    """The router of the figures operations (defined after the functions it names)."""
    router = Router(tags=["platform"], auth=PlatformSignature())
    router.add_api_operation(
        "/figures",
        ["POST"],
        submit,
        response={200: FiguresOut, 201: FiguresOut, **ERRORS},
        summary="Submit handling figures",
        url_name="figures_submit",
    )
    router.add_api_operation(
        "/figures",
        ["GET"],
        submitted,
        response={200: FiguresList, **ERRORS},
        summary="Submitted handling figures",
        url_name="figures_list",
    )
    return router


class FiguresIn(Schema):
    period: str = Field(..., description="The month, YYYY-MM, e.g. 2026-01")
    received: int = Field(..., ge=0)
    handled: int = Field(..., ge=0)
    removed: int = Field(..., ge=0)
    accounts_handled: int = Field(..., ge=0)
    median_hours: Decimal = Field(..., ge=0, description="Median handling time in hours")


class FiguresOut(Schema):
    period: str
    received: int
    handled: int
    removed: int
    accounts_handled: int
    median_hours: Decimal
    revision: int
    submitted_at: str


class FiguresList(Schema):
    items: list[FiguresOut]


def _platform(request: HttpRequest) -> Platform:
    platform = request.auth  # type: ignore[attr-defined]
    assert isinstance(platform, Platform)
    return platform


def _out(figures: PlatformFigures) -> FiguresOut:
    return FiguresOut(
        period=f"{figures.month:%Y-%m}",
        received=figures.received,
        handled=figures.handled,
        removed=figures.removed,
        accounts_handled=figures.accounts_handled,
        median_hours=figures.median_hours,
        revision=figures.revision,
        submitted_at=figures.submitted_at.isoformat(),
    )


def submit(request: HttpRequest, payload: FiguresIn) -> Status:
    """The platform's handling figures for one month: reports received, reports handled, items
    removed, accounts handled and the median handling time in hours (removed ≤ handled ≤
    received). 201 when the month is new; 200 when it replaces earlier figures (`revision` goes
    up) or repeats them unchanged."""
    done = figures_submit(platform=_platform(request), **payload.dict())
    return Status(201 if done.created else 200, _out(done.figures))


def submitted(request: HttpRequest) -> FiguresList:
    """The platform's submitted figures, newest month first (at most 120 months)."""
    return FiguresList(items=[_out(f) for f in figures_of(_platform(request))[:120]])


router = build_router()
