"""Reporter details sent to a platform: only for items whose catalogue entry asks for it, only
after the identity custodian approves, only the listed details, only to that platform, each
reading in the ledger."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jubao.accounts.models import Role
from jubao.accounts.services import platform_create
from jubao.cases.models import Case
from jubao.cases.services import case_transition
from jubao.cases.workflow import Move
from jubao.custody.services import reporter_for_platform, reveal_decide, reveal_open, reveal_request
from jubao.errors import DomainError, Forbidden
from jubao.intake.models import Report
from jubao.ledger.models import LedgerEntry
from jubao.ledger.verify import ledger_verify
from jubao.platforms.models import Transfer
from jubao.platforms.webhooks import Webhook
from tests.platforms.test_transfers import api  # noqa: F401  (the signed-call fixture)

pytestmark = pytest.mark.django_db

REASON = "平台需核对被冒用者的身份后才能处置仿冒账号"
NAME, PHONE = "金丝雀张三", "13912345678"


@pytest.fixture(autouse=True)
def _easy(easy_pow_and_no_rate_limits):
    """Reports filed here solve cheap challenges and meet no rate limit."""


@pytest.fixture
def custodian(make_user):
    return make_user("w_custodian", Role.CUSTODIAN)


def _transferred(client, report_body, cast, item: str) -> tuple[Report, Transfer]:
    response = client.post("/api/v1/reports", report_body(), content_type="application/json")
    assert response.status_code == 201, response.content
    report = Report.objects.get()
    # Reclassified by intake as the item under test before the case is handed over.
    Case.objects.filter(pk=report.case_id).update(item_code=item)
    case = Case.objects.get(pk=report.case_id)
    case_transition(case=case, move=Move.TRANSFER, actor=cast["intake"], to_platform=True)
    report.refresh_from_db()
    return report, Transfer.objects.get(case_id=report.case_id)


@pytest.fixture
def impersonation(client, report_body, cast, platform):
    return _transferred(client, report_body, cast, "personal.impersonation")


def test_the_platform_gets_only_the_listed_details_after_approval(
    api,  # noqa: F811
    impersonation,
    cast,
    custodian,
):
    report, transfer = impersonation
    path = f"/transfers/{transfer.public_id}"
    assert api("GET", path).json()["reporter_details"] is False
    refused = api("GET", path + "/reporter")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_shared"
    # Nothing about the reporter is in what the platform was sent.
    assert NAME not in str(transfer.payload) and PHONE not in str(transfer.payload)

    share = reveal_request(
        case=report.case,
        report=report,
        requester=cast["reviewer"],
        reason=REASON,
        transfer=transfer,
    )
    assert api("GET", path).json()["reporter_details"] is False  # still pending
    reveal_decide(request=share, custodian=custodian, approve=True)
    assert Webhook.objects.filter(event="transfer.reporter_shared").count() == 1
    shown = api("GET", path)
    assert shown.json()["reporter_details"] is True
    assert "reporter_shared" in [e["kind"] for e in shown.json()["events"]]
    got = api("GET", path + "/reporter")
    assert got.status_code == 200, got.content
    # The catalogue lists name and phone for impersonation: the e-mail is never sent.
    assert got.json()["reporters"] == [{"name": NAME, "phone": PHONE}]
    # The requester cannot use the platform's approval to see the identity.
    with pytest.raises(Forbidden) as exc:
        reveal_open(request=share, user=cast["reviewer"])
    assert exc.value.code == "for_platform"
    opened = LedgerEntry.objects.filter(action="identity.platform_open")
    assert [(e.actor, e.ref) for e in opened] == [
        (f"platform:{transfer.platform_id}", f"intake.report:{report.pk}")
    ]
    assert ledger_verify().ok


def test_access_ends_with_the_approval_and_with_the_transfer(
    api,  # noqa: F811
    impersonation,
    cast,
    custodian,
    monkeypatch,
):
    report, transfer = impersonation
    share = reveal_request(
        case=report.case,
        report=report,
        requester=cast["reviewer"],
        reason=REASON,
        transfer=transfer,
    )
    reveal_decide(request=share, custodian=custodian, approve=True)
    later = timezone.now() + dt.timedelta(hours=25)
    monkeypatch.setattr(timezone, "now", lambda: later)
    with pytest.raises(Forbidden) as exc:
        reporter_for_platform(transfer=transfer, platform=transfer.platform)
    assert exc.value.code == "not_shared"
    monkeypatch.undo()
    Transfer.objects.filter(pk=transfer.pk).update(status="done")
    transfer.refresh_from_db()
    with pytest.raises(Forbidden) as exc:
        reporter_for_platform(transfer=transfer, platform=transfer.platform)
    assert exc.value.code == "closed"


def test_another_platform_never_gets_them(impersonation, cast, custodian, offices):
    report, transfer = impersonation
    share = reveal_request(
        case=report.case,
        report=report,
        requester=cast["reviewer"],
        reason=REASON,
        transfer=transfer,
    )
    reveal_decide(request=share, custodian=custodian, approve=True)
    other = platform_create(
        actor="system",
        name="别的平台",
        name_en="Other",
        icp_number="浙ICP备20269999号",
        jurisdiction=offices["330106"],
    )
    with pytest.raises(Forbidden):
        reporter_for_platform(transfer=transfer, platform=other)


def test_items_that_do_not_list_details_cannot_send_them(client, report_body, cast, platform):
    report, transfer = _transferred(client, report_body, cast, "personal.doxxing")
    with pytest.raises(DomainError) as exc:
        reveal_request(
            case=report.case,
            report=report,
            requester=cast["reviewer"],
            reason=REASON,
            transfer=transfer,
        )
    assert exc.value.code == "not_needed"
    assert not LedgerEntry.objects.filter(action="identity.share_request").exists()


def test_a_refused_request_sends_nothing(impersonation, cast, custodian):
    report, transfer = impersonation
    share = reveal_request(
        case=report.case,
        report=report,
        requester=cast["reviewer"],
        reason=REASON,
        transfer=transfer,
    )
    reveal_decide(request=share, custodian=custodian, approve=False, note="平台可自行核验")
    assert not Webhook.objects.filter(event="transfer.reporter_shared").exists()
    with pytest.raises(Forbidden):
        reporter_for_platform(transfer=transfer, platform=transfer.platform)


def test_the_pages_ask_decide_and_show_the_details(
    impersonation,
    cast,
    custodian,
    staff_client,
    make_user,
    platform,
):
    report, transfer = impersonation
    case = report.case
    staff = staff_client(cast["reviewer"])
    page = staff.get(f"/workbench/cases/{case.pk}/").content.decode()
    assert 'name="transfer"' in page
    response = staff.post(
        f"/workbench/custody/cases/{case.pk}/request/",
        {"report": report.pk, "reason": REASON, "transfer": transfer.pk},
    )
    assert response.status_code == 302, response.content.decode()
    share = transfer.reporter_shares.get()
    keeper = staff_client(custodian)
    queue = keeper.get("/workbench/custody/").content.decode()
    assert f'data-share="{transfer.public_id}"' in queue
    keeper.post(f"/workbench/custody/{share.pk}/decide/", {"decision": "approve", "note": ""})
    share.refresh_from_db()
    assert share.status == "approved"
    operator = staff_client(make_user("xh_operator", Role.PLATFORM, office=None, platform=platform))
    page = operator.get(f"/workbench/platform/{transfer.public_id}/").content.decode()
    assert "data-reporter-shared" in page
    shown = operator.get(f"/workbench/platform/{transfer.public_id}/reporter/")
    assert shown.status_code == 200 and shown["Cache-Control"] == "private, no-store"
    assert NAME in shown.content.decode() and PHONE in shown.content.decode()
    entry = LedgerEntry.objects.get(action="identity.platform_open")
    assert entry.actor.startswith("user:")
