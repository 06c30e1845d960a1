"""The simulated platform against a live server: real HTTP, real signatures, the real services."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from PIL import Image

from jubao.cases.services import case_transition
from jubao.cases.workflow import Move
from jubao.intake.models import Report, ReportEvent
from jubao.measures.models import MeasureStatus
from jubao.platforms.models import PlatformKey, Transfer, TransferStatus
from jubao.platforms.simulator import NOTES, SimulatedPlatform, screenshot
from tests.cases.conftest import tier1_measure
from tests.platforms.conftest import KEY_ID

pytestmark = pytest.mark.django_db(transaction=True)


def transfer_to_platform(
    client: Any, report_body: Callable[..., dict], cast: dict
) -> tuple[Transfer, str]:
    """A report about the platform's content, judged, its measure approved and handed over; with
    the reporter's receipt code."""
    response = client.post("/api/v1/reports", report_body(), content_type="application/json")
    assert response.status_code == 201, response.content
    case = Report.objects.get().case
    steps = [
        (Move.ACCEPT, "intake", {}),
        (Move.START_REVIEW, "reviewer", {}),
        (Move.JUDGE, "reviewer", {"result": "infringing", "reasons": "公开住址"}),
        (Move.PROPOSE_DISPOSAL, "disposal", {"measure": tier1_measure(), "reasons": "删除"}),
        (Move.APPROVE, "approver", {}),
        (Move.START_DISPOSAL, "disposal", {}),
    ]
    for move, who, params in steps:
        case = case_transition(case=case, move=move, actor=cast[who], **params)
    return Transfer.objects.get(case=case), response.json()["receipt"]


@pytest.fixture(autouse=True)
def _easy(easy_pow_and_no_rate_limits):
    """Reports filed here solve cheap challenges and meet no rate limit."""


@pytest.fixture
def transfer(client, report_body, cast, platform) -> Transfer:
    found, _receipt = transfer_to_platform(client, report_body, cast)
    assert found.platform == platform
    return found


@pytest.fixture
def simulated(live_server, private_key, platform_key) -> Callable[..., SimulatedPlatform]:
    def make(**options: Any) -> SimulatedPlatform:
        return SimulatedPlatform(
            base_url=live_server.url, key_id=KEY_ID, private_key=private_key, **options
        )

    return make


def test_one_round_acknowledges_and_reports(simulated, transfer):
    actions = simulated(seed=1).run_once()
    assert [(a.verb, a.status) for a in actions] == [("acknowledge", 200), ("report", 200)]
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.DONE
    assert transfer.platform_reference.startswith("SIM-")
    assert transfer.measure is not None
    assert transfer.measure.status == MeasureStatus.ACTIVE
    evidence = transfer.evidence.get()
    assert evidence.media_type == "image/png"
    # The reporter's timeline has the platform's note for the measure.
    note = NOTES[transfer.measure.code]
    assert ReportEvent.objects.filter(body__contains=note).count() == 1
    # Nothing left to do in the next round.
    assert simulated(seed=1).run_once() == []


def test_a_failing_platform_retries_and_ends_done(simulated, transfer):
    platform = simulated(seed=3, fail_rate=1.0)
    first = platform.run_once()
    assert [(a.verb, a.status) for a in first] == [
        ("acknowledge", 200),
        ("report_malformed", 400),
    ]
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.ACKNOWLEDGED and not transfer.evidence.exists()
    second = platform.run_once()
    assert [(a.verb, a.status) for a in second] == [("report", 200)]
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.DONE


def test_a_late_platform_waits_past_the_due_time(simulated, transfer):
    now = [dt.datetime.now(dt.UTC)]
    platform = simulated(seed=5, late_rate=1.0, clock=lambda: now[0])
    assert [a.verb for a in platform.run_once()] == ["wait_due"]
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.SENT
    now[0] = transfer.due_at + dt.timedelta(minutes=1)
    assert [a.verb for a in platform.run_once()] == ["acknowledge", "report"]


def test_a_disputing_platform_disputes(simulated, transfer):
    actions = simulated(seed=2, dispute_rate=1.0).run_once()
    assert [(a.verb, a.status) for a in actions] == [("acknowledge", 200), ("dispute", 200)]
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.DISPUTED
    assert transfer.measure is not None and transfer.measure.status == MeasureStatus.FAILED


def test_the_same_seed_makes_the_same_choices(transfer):
    """Choices depend on the seed and the order transfers are met, not on the server."""
    key = Ed25519PrivateKey.generate()
    ids = ["a", "b", "c", "d", "e", "f"]

    def plans(seed: int) -> list:
        platform = SimulatedPlatform(
            base_url="http://unused", key_id="k", private_key=key, seed=seed, fail_rate=0.5
        )
        return [platform._plan(i) for i in ids]

    assert plans(11) == plans(11)
    assert plans(11) != plans(12)
    body = {"case": transfer.payload}
    first, second = screenshot(body, "#ffffff"), screenshot(body, "#ffffff")
    assert first == second and Image.open(io.BytesIO(first)).format == "PNG"


def test_the_command_registers_a_key_and_plays_one_round(live_server, transfer, tmp_path):
    key_file = tmp_path / "sim.pem"
    out = io.StringIO()
    call_command(
        "simulate_platform",
        "--base-url",
        live_server.url,
        "--platform",
        "星河社区",
        "--key-file",
        str(key_file),
        "--seed",
        "4",
        stdout=out,
    )
    assert f"{transfer.public_id} report 200" in out.getvalue()
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.DONE
    # The saved key is found again on the next run instead of registering another one.
    key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    call_command(
        "simulate_platform",
        "--base-url",
        live_server.url,
        "--platform",
        "浙ICP备20260001号",
        "--key-file",
        str(key_file),
        stdout=io.StringIO(),
    )
    assert PlatformKey.objects.count() == 1


def test_the_reporter_reads_the_platforms_result_on_the_receipt_page(
    simulated, client, report_body, cast, platform
):
    """The whole loop of the measures issue: judged, approved, handed over, carried out by the
    simulated platform through the signed API with evidence, and read by the reporter."""
    found, receipt = transfer_to_platform(client, report_body, cast)
    assert [a.verb for a in simulated(seed=1).run_once()] == ["acknowledge", "report"]
    found.refresh_from_db()
    assert found.status == TransferStatus.DONE and found.evidence.count() == 1
    reader = type(client)()
    response = reader.post("/receipt/", {"code": receipt})
    assert response.status_code == 302, response.content[:300]
    page = reader.get("/receipt/status/").content.decode()
    assert NOTES[found.measure.code] in page
