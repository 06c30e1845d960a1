"""The custody pages through HTTP: asking, the custodian's queue, and the identity page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jubao.accounts.models import Role, User
from jubao.accounts.services import role_grant
from jubao.custody.models import RevealRequest
from jubao.custody.services import reveal_request
from jubao.ledger.models import LedgerEntry
from tests.custody.conftest import NAME, PHONE, REASON

pytestmark = pytest.mark.django_db


def _request_url(report) -> str:
    return f"/workbench/custody/cases/{report.case_id}/request/"


def test_staff_ask_from_the_case_and_see_the_status(staff_client, people, report):
    alice = staff_client(people["alice"])
    page = alice.get(_request_url(report)).content.decode()
    assert 'data-custody="request"' in page and report.reference in page
    response = alice.post(_request_url(report), {"report": report.pk, "reason": REASON})
    assert response.status_code == 302
    assert response["Location"] == f"/workbench/cases/{report.case_id}/"
    reveal = RevealRequest.objects.get()
    assert (reveal.requester, reveal.report, reveal.status) == (people["alice"], report, "pending")
    page = alice.get(_request_url(report), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-status="pending"' in page and "Waiting for the custodian" in page
    assert "/identity/" not in page


def test_a_request_without_a_reason_is_shown_again_with_the_error(staff_client, people, report):
    alice = staff_client(people["alice"])
    response = alice.post(_request_url(report), {"report": report.pk, "reason": "联系"})
    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()
    assert not RevealRequest.objects.exists()


def test_a_second_pending_request_is_refused_with_a_message(staff_client, people, report, pending):
    alice = staff_client(people["alice"])
    response = alice.post(
        _request_url(report), {"report": report.pk, "reason": REASON}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "already waiting for the custodian" in response.content.decode()
    assert RevealRequest.objects.count() == 1


def test_cases_outside_the_jurisdiction_are_not_found(staff_client, people, report):
    outsider = staff_client(people["gd_reviewer"])
    assert outsider.get(_request_url(report)).status_code == 404
    response = outsider.post(_request_url(report), {"report": report.pk, "reason": REASON})
    assert response.status_code == 404
    assert not RevealRequest.objects.exists()


def test_auditors_and_custodians_do_not_ask(staff_client, people, report):
    for who in ("auditor", "carol"):
        client = staff_client(people[who])
        response = client.post(_request_url(report), {"report": report.pk, "reason": REASON})
        assert response.status_code == 403
    assert not RevealRequest.objects.exists()


def test_the_queue_shows_the_reason_but_never_the_identity(staff_client, people, pending):
    carol = staff_client(people["carol"])
    response = carol.get("/workbench/custody/")
    page = response.content.decode()
    assert response.status_code == 200
    assert REASON in page and pending.report.reference in page
    assert f'href="/workbench/cases/{pending.report.case_id}/"' in page
    assert pending.report.case.reference in page
    assert NAME not in page and PHONE not in page


def test_the_queue_is_the_custodians_own(staff_client, people, pending):
    assert staff_client(people["alice"]).get("/workbench/custody/").status_code == 403
    far = staff_client(people["gd_custodian"])
    assert REASON not in far.get("/workbench/custody/").content.decode()
    response = far.post(f"/workbench/custody/{pending.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 404


def test_the_custodian_approves_and_the_requester_sees_the_identity(staff_client, people, pending):
    carol = staff_client(people["carol"])
    response = carol.post(f"/workbench/custody/{pending.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "approved"
    assert REASON not in carol.get("/workbench/custody/").content.decode()

    alice = staff_client(people["alice"])
    panel = alice.get(_request_url(pending.report)).content.decode()
    assert f"/workbench/custody/{pending.pk}/identity/" in panel
    response = alice.get(f"/workbench/custody/{pending.pk}/identity/")
    page = response.content.decode()
    assert response.status_code == 200
    assert NAME in page and PHONE in page
    assert response["Cache-Control"] == "private, no-store"
    assert timezone.localtime(pending.expires_at).strftime("%Y-%m-%d %H:%M") in page
    assert LedgerEntry.objects.filter(action="identity.open").count() == 1


def test_a_refusal_needs_a_note(staff_client, people, pending):
    carol = staff_client(people["carol"])
    url = f"/workbench/custody/{pending.pk}/decide/"
    response = carol.post(url, {"decision": "refuse", "note": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Tell the requester why you refuse" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == "pending"
    assert carol.post(url, {"decision": "refuse", "note": "理由不足"}).status_code == 302
    pending.refresh_from_db()
    assert pending.status == "refused"
    alice = staff_client(people["alice"])
    assert alice.get(f"/workbench/custody/{pending.pk}/identity/").status_code == 403


def test_the_identity_page_is_the_requesters_alone(staff_client, people, approved):
    url = f"/workbench/custody/{approved.pk}/identity/"
    assert staff_client(people["bob"]).get(url).status_code == 404
    assert staff_client(people["carol"]).get(url).status_code == 403
    assert staff_client(people["gd_reviewer"]).get(url).status_code == 404
    assert not LedgerEntry.objects.filter(action="identity.open").exists()


def test_the_identity_page_closes_when_access_expires(staff_client, people, approved):
    past = timezone.now() - dt.timedelta(minutes=1)
    RevealRequest.objects.filter(pk=approved.pk).update(expires_at=past)
    alice = staff_client(people["alice"])
    response = alice.get(f"/workbench/custody/{approved.pk}/identity/", HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 403
    assert "expired" in page and NAME not in page and PHONE not in page
    panel = alice.get(_request_url(approved.report), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-status="expired"' in panel and "/identity/" not in panel


def test_a_custodian_who_asked_cannot_approve_in_the_queue(staff_client, people, report, make_user):
    dora = make_user("dora", Role.REVIEWER)
    role_grant(actor="system", user=dora, role=Role.CUSTODIAN)
    dora = User.objects.get(pk=dora.pk)
    mine = reveal_request(case=report.case, report=report, requester=dora, reason=REASON)
    client = staff_client(dora)
    page = client.get("/workbench/custody/").content.decode()
    assert f'action="/workbench/custody/{mine.pk}/decide/"' not in page
    response = client.post(f"/workbench/custody/{mine.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 403
    mine.refresh_from_db()
    assert mine.status == "pending"
