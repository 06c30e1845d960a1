"""The platform workbench through HTTP: lists, the transfer page and its four forms.

This module is also the urlconf of its tests: the site's URLs plus the platform workbench, for as
long as the site does not mount it itself.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import include, path

from jubao import urls as site
from jubao.accounts.models import Role
from jubao.accounts.services import platform_create
from jubao.intake.models import ReportEvent
from jubao.measures.models import MeasureStatus
from jubao.platforms.models import Transfer, TransferStatus
from tests.intake.conftest import png_bytes
from tests.platforms.test_simulator import transfer_to_platform

_mounted = any(getattr(p, "namespace", None) == "platform_work" for p in site.urlpatterns)
urlpatterns = [
    *([] if _mounted else [path("workbench/platform/", include("jubao.platforms.workbench_urls"))]),
    *site.urlpatterns,
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]
BASE = "/workbench/platform/"


@pytest.fixture(autouse=True)
def _easy(easy_pow_and_no_rate_limits):
    """Reports filed here solve cheap challenges and meet no rate limit."""


@pytest.fixture
def transfer(client, report_body, cast, platform) -> Transfer:
    return transfer_to_platform(client, report_body, cast)[0]


@pytest.fixture
def operator(make_user, platform):
    return make_user("xinghe_ops", Role.PLATFORM, office=None, platform=platform)


@pytest.fixture
def ops(verified_client, operator, transfer):
    """The platform's operator, signed in with a second factor, once the transfer exists."""
    return verified_client(operator)


def _url(transfer: Transfer, action: str = "") -> str:
    return f"{BASE}{transfer.public_id}/" + (f"{action}/" if action else "")


def _png(name: str = "removed.png", color: str = "white") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(color), content_type="image/png")


def test_the_open_list_shows_the_transfer_and_the_closed_tab_does_not(ops, transfer):
    page = ops.get(BASE).content.decode()
    assert f'data-transfer="{transfer.public_id}"' in page
    assert transfer.case.reference in page
    closed = ops.get(BASE + "closed/").content.decode()
    assert str(transfer.public_id) not in closed


def test_the_transfer_page_shows_the_payload_and_the_forms(ops, transfer):
    response = ops.get(_url(transfer), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    page = response.content.decode()
    assert transfer.payload["measure"]["code"] in page
    assert "xinghe.example/p/12345" in page
    assert "公开住址" in page  # the judgement's reasons
    assert "{'" not in page  # the measure's target is shown as fields, not as a mapping
    # The reporter's identity and own account never reach the platform's page.
    assert "金丝雀张三" not in page and "13912345678" not in page and "号召大家" not in page
    for action in ("acknowledge", "report", "question", "dispute"):
        assert f'data-action="{action}"' in page
    assert 'enctype="multipart/form-data"' in page
    assert '<label for="id_evidence">' in page
    assert "确认收到" in page and "Acknowledge" not in page


def test_acknowledging_records_the_ticket_number(ops, transfer):
    response = ops.post(_url(transfer, "acknowledge"), {"reference": "XH-2026-7"})
    assert response.status_code == 302 and response["Location"] == _url(transfer)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.ACKNOWLEDGED
    assert transfer.platform_reference == "XH-2026-7"
    # The ledger names the operator who acted for the platform.
    event = transfer.events.get(kind="acknowledged")
    assert event.by is not None and event.by_platform
    from jubao.ledger.models import LedgerEntry
    from jubao.ledger.services import actor_ref, obj_ref

    entry = LedgerEntry.objects.get(action="transfer.acknowledge", ref=obj_ref(transfer))
    assert entry.actor == actor_ref(event.by)
    page = ops.get(_url(transfer)).content.decode()
    assert 'data-action="acknowledge"' not in page and "XH-2026-7" in page


def test_a_question_waits_for_the_answer(ops, transfer):
    assert ops.post(_url(transfer, "question"), {"question": " "}).status_code == 400
    response = ops.post(_url(transfer, "question"), {"question": "请提供帖子的完整链接"})
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.QUESTION
    page = ops.get(_url(transfer)).content.decode()
    assert "请提供帖子的完整链接" in page and 'data-action="question"' not in page


def test_a_report_with_files_closes_the_transfer(ops, transfer):
    response = ops.post(
        _url(transfer, "report"),
        {"note": "已删除该帖子", "evidence": [_png(), _png("after.png", "black")]},
    )
    assert response.status_code == 302, response.content.decode()
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.DONE
    assert sorted(transfer.evidence.values_list("name", flat=True)) == ["after.png", "removed.png"]
    assert transfer.measure is not None and transfer.measure.status == MeasureStatus.ACTIVE
    assert ReportEvent.objects.filter(body__contains="已删除该帖子").exists()
    assert str(transfer.public_id) not in ops.get(BASE).content.decode()
    assert str(transfer.public_id) in ops.get(BASE + "closed/").content.decode()
    page = ops.get(_url(transfer)).content.decode()
    assert "data-closed" in page and 'data-action="report"' not in page
    # A closed transfer takes no more answers.
    again = ops.post(_url(transfer, "dispute"), {"reason": "不是本平台"}, HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 409 and "already closed" in again.content.decode()
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.DONE


def test_a_bad_upload_is_refused_with_a_message_and_changes_nothing(ops, transfer):
    fake = SimpleUploadedFile("removed.png", b"MZ\x90\x00 not a png", content_type="image/png")
    response = ops.post(
        _url(transfer, "report"),
        {"note": "已删除", "evidence": [fake]},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_evidence_error"' in page and "removed.png" in page
    assert "已删除" in page  # the note is kept for the next try
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.SENT and not transfer.evidence.exists()
    assert transfer.measure is not None and transfer.measure.status == MeasureStatus.ORDERED
    without = ops.post(_url(transfer, "report"), {"note": "已删除"})
    assert without.status_code == 400 and 'id="id_evidence_error"' in without.content.decode()
    assert not transfer.evidence.exists()


def test_a_dispute_marks_the_measure_not_carried_out(ops, transfer):
    response = ops.post(_url(transfer, "dispute"), {"reason": "该内容不在本平台"})
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.DISPUTED
    assert transfer.measure is not None and transfer.measure.status == MeasureStatus.FAILED


def test_another_platforms_operator_finds_nothing(verified_client, make_user, transfer, platform):
    other = platform_create(
        actor="system",
        name="别家",
        name_en="Other",
        icp_number="浙ICP备20260002号",
        jurisdiction=platform.jurisdiction,
    )
    outsider = verified_client(make_user("other_ops", Role.PLATFORM, office=None, platform=other))
    assert str(transfer.public_id) not in outsider.get(BASE).content.decode()
    assert outsider.get(_url(transfer)).status_code == 404
    assert outsider.post(_url(transfer, "acknowledge"), {"reference": "x"}).status_code == 404
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.SENT


def test_office_staff_and_strangers_are_kept_out(client, verified_client, make_user, transfer):
    assert client.get(BASE).status_code == 302  # to the sign-in page
    assert client.get(_url(transfer)).status_code == 302
    reviewer = verified_client(make_user("office_reviewer", Role.REVIEWER))
    assert reviewer.get(BASE).status_code == 403
    assert reviewer.get(_url(transfer)).status_code == 403


def test_an_operator_without_a_platform_sees_nothing(verified_client, make_user, transfer):
    loose = verified_client(make_user("loose_ops", Role.PLATFORM, office=None))
    assert loose.get(BASE).status_code == 404
    assert loose.get(_url(transfer)).status_code == 404


def test_a_platform_operator_needs_the_second_factor(client, operator, transfer):
    from tests.conftest import PASSWORD

    client.post("/accounts/login/", {"username": operator.username, "password": PASSWORD})
    response = client.get(BASE)
    assert response.status_code == 302 and "/accounts/" in response["Location"]
