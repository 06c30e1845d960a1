"""A complaint from filing to answer, over HTTP: the portal, the workbench, inquiry, evaluation."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from jubao.complaints.models import Complaint, ComplaintEvaluation, ComplaintStatus
from jubao.intake import receipts

pytestmark = pytest.mark.django_db


def _form(platform, pow_solution, **extra) -> dict:
    data = {
        "platform": str(platform.pk),
        "receipt_code": "",
        "platform_reference": "XH-2025-0042",
        "reported_on": "2025-06-01",
        "description": "我向平台举报了冒用我照片的账号，十多天过去了平台没有任何处理。",
        "contact_name": "",
        "contact_phone": "13912345678",
        "contact_email": "",
        "truthful": "on",
        "pow": pow_solution(),
    }
    data.update(extra)
    return data


def _code(html: str) -> str:
    found = re.search(r"data-receipt>([A-Z0-9-]+)<", html)
    assert found, html
    return found.group(1)


def test_the_procedure_is_published_with_the_deadlines(client: Client, settings):
    settings.JUBAO_COMPLAINT_ACCEPT_DAYS = 3
    settings.JUBAO_COMPLAINT_ANSWER_DAYS = 20
    response = client.get("/complaints/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "within 3 working days" in html
    assert "within 20 working days" in html
    assert "/complaints/new/" in html and "/complaints/inquiry/" in html


def test_a_complaint_from_filing_to_answer(
    client: Client, pow_solution, platform, make_user, staff_client
):
    # The complainant files on the portal and sees the code once, with a download.
    assert client.get("/complaints/new/").status_code == 200
    response = client.post("/complaints/new/", _form(platform, pow_solution))
    assert response.status_code == 302 and response["Location"] == "/complaints/done/"
    done = client.get("/complaints/done/")
    code = _code(done.content.decode())
    complaint = Complaint.objects.get()
    assert complaint.receipt_hash == receipts.code_hash(code)
    download = client.get("/complaints/done/complaint.txt")
    assert code in download.content.decode()
    assert "attachment" in download["Content-Disposition"]

    # The office accepts it, asks the platform, records the reply and answers.
    officer = staff_client(make_user("c_officer", "intake", office="330000"))
    listing = officer.get("/workbench/complaints/")
    assert complaint.reference in listing.content.decode()
    page = f"/workbench/complaints/{complaint.pk}/"
    detail = officer.get(page).content.decode()
    assert complaint.reference in detail and "13912345678" not in detail
    assert officer.post(page + "accept/", {}).status_code == 302
    assert (
        officer.post(page + "ask/", {"ask-question": "请说明为何未在时限内处理。"}).status_code
        == 302
    )
    reply = {"reply-reply": "平台称已封禁该账号。", "reply-platform_reference": ""}
    assert officer.post(page + "reply/", reply).status_code == 302
    answer = {"answer-answer": "经核查，平台已封禁冒用账号，并承诺改进处理时效。"}
    assert officer.post(page + "answer/", answer).status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.ANSWERED
    assert "平台称已封禁该账号。" in officer.get(page).content.decode()

    # The complainant opens it by inquiry, reads the answer and evaluates the handling.
    portal = Client()
    assert portal.get("/complaints/inquiry/status/").status_code == 302
    response = portal.post("/complaints/inquiry/", {"code": code.lower()})
    assert response.status_code == 302
    status = portal.get("/complaints/inquiry/status/").content.decode()
    assert "平台已封禁冒用账号" in status
    assert "平台称已封禁该账号。" not in status  # the exchange with the platform stays internal
    assert 'name="score"' in status
    response = portal.post("/complaints/inquiry/evaluate/", {"score": "5", "comment": "满意"})
    assert response.status_code == 302
    assert ComplaintEvaluation.objects.get(complaint=complaint).score == 5
    status = portal.get("/complaints/inquiry/status/").content.decode()
    assert "data-evaluated" in status and 'name="score"' not in status

    # The office sees the evaluation and closes the complaint.
    assert "data-evaluation" in officer.get(page).content.decode()
    assert officer.post(page + "close/", {}).status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.CLOSED


def test_the_form_shows_errors_on_its_fields(client: Client, pow_solution, platform):
    response = client.post("/complaints/new/", _form(platform, pow_solution, platform_reference=""))
    assert response.status_code == 400
    assert not Complaint.objects.exists()
    response = client.post(
        "/complaints/new/", _form(platform, pow_solution, receipt_code="ABCD-EFGH-JKLM-NPQR-STUV")
    )
    assert response.status_code == 400
    assert "receipt_code_error" in response.content.decode()
    response = client.post("/complaints/new/", _form(platform, pow_solution, pow=""))
    assert response.status_code == 400
    assert not Complaint.objects.exists()


def test_filing_is_rate_limited_per_address(client: Client, pow_solution, platform, settings):
    settings.JUBAO_RATE_SUBMIT_ADDRESS = "1/h"
    first = client.post("/complaints/new/", _form(platform, pow_solution), REMOTE_ADDR="192.0.2.77")
    assert first.status_code == 302
    second = client.post(
        "/complaints/new/", _form(platform, pow_solution), REMOTE_ADDR="192.0.2.77"
    )
    assert second.status_code == 400
    assert Complaint.objects.count() == 1


def test_an_unknown_code_opens_nothing(client: Client, offices):
    response = client.post("/complaints/inquiry/", {"code": receipts.new_code()})
    assert response.status_code == 400
    assert client.get("/complaints/done/").status_code == 302


def test_staff_outside_the_jurisdiction_get_404(
    client: Client, pow_solution, platform, make_user, staff_client
):
    client.post("/complaints/new/", _form(platform, pow_solution))
    complaint = Complaint.objects.get()
    outsider = staff_client(make_user("c_outsider", "intake", office="110000"))
    assert outsider.get(f"/workbench/complaints/{complaint.pk}/").status_code == 404
    assert outsider.post(f"/workbench/complaints/{complaint.pk}/accept/").status_code == 404
    assert complaint.reference not in outsider.get("/workbench/complaints/").content.decode()
    auditor = staff_client(make_user("c_auditor", "auditor"))
    assert auditor.get("/workbench/complaints/").status_code == 403
    assert Client().get("/workbench/complaints/").status_code == 302


def test_the_staff_list_filters(client: Client, pow_solution, platform, make_user, staff_client):
    for _ in range(2):
        client.post("/complaints/new/", _form(platform, pow_solution))
    first, second = Complaint.objects.order_by("pk")
    officer = staff_client(make_user("c_officer", "intake", office="330000"))
    officer.post(f"/workbench/complaints/{first.pk}/accept/")
    html = officer.get("/workbench/complaints/", {"status": "accepted"}).content.decode()
    assert first.reference in html and second.reference not in html
    html = officer.get("/workbench/complaints/", {"platform": platform.pk}).content.decode()
    assert first.reference in html and second.reference in html
    Complaint.objects.filter(pk=second.pk).update(due_at=second.submitted_at)
    html = officer.get("/workbench/complaints/", {"overdue": "1"}).content.decode()
    assert second.reference in html and first.reference not in html


def test_a_refusal_with_a_reason_is_shown_to_the_complainant(
    client: Client, pow_solution, platform, make_user, staff_client
):
    client.post("/complaints/new/", _form(platform, pow_solution))
    code = _code(client.get("/complaints/done/").content.decode())
    complaint = Complaint.objects.get()
    officer = staff_client(make_user("c_officer", "supervisor", office="330000"))
    page = f"/workbench/complaints/{complaint.pk}/"
    assert officer.post(page + "refuse/", {"refuse-reason": ""}).status_code == 400
    assert (
        officer.post(page + "refuse/", {"refuse-reason": "材料不足，无法核实。"}).status_code == 302
    )
    assert officer.post(page + "answer/", {"answer-answer": "x"}).status_code == 400
    portal = Client()
    portal.post("/complaints/inquiry/", {"code": code})
    status = portal.get("/complaints/inquiry/status/").content.decode()
    assert "材料不足，无法核实。" in status and 'name="score"' not in status


def test_staff_see_the_linked_report(
    client: Client, report_body, file_complaint, make_user, staff_client
):
    code = client.post("/api/v1/reports", report_body(), content_type="application/json").json()[
        "receipt"
    ]
    complaint = file_complaint(receipt_code=code, platform_reference="").complaint
    assert complaint.report is not None
    officer = staff_client(make_user("c_officer", "intake", office="330000"))
    html = officer.get(f"/workbench/complaints/{complaint.pk}/").content.decode()
    assert complaint.report.reference in html and complaint.report.case.reference in html
    assert receipts.normalise(code) not in html
