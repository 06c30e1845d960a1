"""Supervision fixtures: two supervisors of Zhejiang, one of Guangdong, an auditor, the platform's
operator, and helpers to build transfers, evaluations and uploaded files directly."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable

import pytest
from django.utils import timezone

from jubao.accounts.models import Platform, Role, User
from jubao.accounts.services import platform_create
from jubao.cases.models import Case
from jubao.intake.models import Evaluation, Report
from jubao.oversight.services import UploadedFile
from jubao.platforms.models import Transfer, TransferKind
from tests.intake.conftest import png_bytes

_numbers = itertools.count(1)


@pytest.fixture
def people(make_user, platform) -> dict[str, User]:
    return {
        "sup1": make_user("o_sup1", Role.SUPERVISOR),
        "sup2": make_user("o_sup2", Role.SUPERVISOR),
        "far": make_user("o_far", Role.SUPERVISOR, office="440000"),
        "auditor": make_user("o_auditor", Role.AUDITOR),
        "ops": make_user("o_ops", Role.PLATFORM, office=None, platform=platform),
    }


@pytest.fixture
def other_platform(offices) -> Platform:
    return platform_create(
        actor="system",
        name="南方视频",
        name_en="Nanfang Video",
        icp_number="粤ICP备20260002号",
        jurisdiction=offices["440000"],
    )


def png_upload(name: str = "fixed.png") -> UploadedFile:
    return UploadedFile(name=name, content=png_bytes("green"))


def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def make_transfer(platform) -> Callable[..., Transfer]:
    """A transfer to `platform` with the given times (hours after `sent_at`)."""

    def make(
        *,
        sent_at: dt.datetime,
        due_hours: float = 48,
        ack_hours: float | None = None,
        done_hours: float | None = None,
        status: str = "sent",
        to: Platform | None = None,
    ) -> Transfer:
        target = to or platform
        n = next(_numbers)
        case = Case.objects.create(
            reference=f"T-{n}",
            item_code="personal.doxxing",
            catalogue_version="test",
            catalogue_hash="test",
            track="normal",
            priority=2,
            jurisdiction=target.jurisdiction,
            platform=target,
        )
        transfer = Transfer.objects.create(
            platform=target,
            case=case,
            kind=TransferKind.CASE,
            status=status,
            due_at=sent_at + dt.timedelta(hours=due_hours),
        )
        hours = dt.timedelta(hours=1)
        Transfer.objects.filter(pk=transfer.pk).update(
            sent_at=sent_at,
            acknowledged_at=sent_at + ack_hours * hours if ack_hours is not None else None,
            done_at=sent_at + done_hours * hours if done_hours is not None else None,
        )
        transfer.refresh_from_db()
        return transfer

    return make


def evaluate(case: Case, score: int, at: dt.datetime | None = None) -> Evaluation:
    n = next(_numbers)
    report = Report.objects.create(
        reference=f"R-{n}",
        case=case,
        item_code=case.item_code,
        catalogue_version="test",
        catalogue_hash="test",
        channel="web",
        reporter_role="victim",
        description="test",
        track=case.track,
        priority=case.priority,
        jurisdiction=case.jurisdiction,
        platform=case.platform,
        receipt_hash=f"{n:064d}",
    )
    evaluation = Evaluation.objects.create(report=report, score=score)
    if at is not None:
        Evaluation.objects.filter(pk=evaluation.pk).update(at=at)
    return evaluation
