"""Complaint services: filing, validation, deadlines, handling, evaluation, ledger, jurisdiction."""

from __future__ import annotations

import datetime as dt

import pytest

from jubao.accounts.models import Role
from jubao.cases.deadlines import TZ, due_at
from jubao.catalogue import TimeLimit, TimeUnit
from jubao.complaints.models import Complaint, ComplaintEvent, ComplaintStatus, EventKind
from jubao.complaints.services import (
    Contact,
    complaint_accept,
    complaint_answer,
    complaint_ask_platform,
    complaint_close,
    complaint_evaluate,
    complaint_for_receipt,
    complaint_get,
    complaint_record_reply,
    complaint_refuse,
    complaints_for,
)
from jubao.errors import DomainError, Forbidden, NotFound
from jubao.intake import receipts
from jubao.intake.models import Report
from jubao.ledger.models import LedgerEntry
from jubao.vault.models import SealedValue
from jubao.vault.services import vault_open

pytestmark = pytest.mark.django_db
MONDAY = dt.datetime(2025, 9, 1, 10, 0, tzinfo=TZ)


def _error(call, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    return caught.value


# --- filing ----------------------------------------------------------------------------------


def test_a_filed_complaint_is_received_in_the_platforms_jurisdiction(file_complaint, platform):
    filing = file_complaint(now=MONDAY)
    complaint = filing.complaint
    assert complaint.status == ComplaintStatus.RECEIVED
    assert complaint.jurisdiction.code == "330106" == platform.jurisdiction.code
    assert complaint.reference.startswith("C")
    assert complaint.accept_due_at == due_at(MONDAY, TimeLimit(2, TimeUnit.DAYS)).at
    assert complaint.due_at == complaint.accept_due_at
    assert complaint.accept_due_at.astimezone(TZ).date() == dt.date(2025, 9, 3)
    assert [e.kind for e in complaint.events.all()] == [EventKind.RECEIVED]
    entry = LedgerEntry.objects.filter(action="complaint.file").get()
    assert entry.ref == f"complaints.complaint:{complaint.pk}"
    assert entry.actor == "anonymous"


def test_the_acceptance_limit_is_a_setting(file_complaint, settings):
    settings.JUBAO_COMPLAINT_ACCEPT_DAYS = 5
    complaint = file_complaint(now=MONDAY).complaint
    assert complaint.accept_due_at.astimezone(TZ).date() == dt.date(2025, 9, 8)


def test_the_receipt_code_is_stored_only_as_a_keyed_hash(file_complaint):
    filing = file_complaint()
    code = filing.receipt
    assert receipts.is_well_formed(code)
    row = Complaint.objects.filter(pk=filing.complaint.pk).values().get()
    assert row["receipt_hash"] == receipts.code_hash(code)
    assert all(code not in str(value) for value in row.values())
    # The code opens the complaint, however it is typed; a wrong or malformed code does not.
    found = complaint_for_receipt(code=receipts.display(code).lower())
    assert found == filing.complaint
    with pytest.raises(NotFound):
        complaint_for_receipt(code=receipts.new_code())
    with pytest.raises(NotFound):
        complaint_for_receipt(code="not a code")


def test_contact_details_are_sealed_not_stored_in_clear(file_complaint):
    complaint = file_complaint(contact=Contact("张三", "139 1234 5678", "z@example.com")).complaint
    row = Complaint.objects.filter(pk=complaint.pk).values().get()
    assert all("13912345678" not in str(v) and "张三" not in str(v) for v in row.values())
    sealed = SealedValue.objects.filter(table="complaints.complaint", row=str(complaint.vault_ref))
    assert set(sealed.values_list("field", flat=True)) == {
        "contact_name",
        "contact_phone",
        "contact_email",
    }
    phone = vault_open(table="complaints.complaint", row=complaint.vault_ref, field="contact_phone")
    assert phone == "13912345678"


def test_no_contact_details_means_nothing_sealed(file_complaint):
    complaint = file_complaint(contact=None).complaint
    assert not SealedValue.objects.filter(row=str(complaint.vault_ref)).exists()


def test_a_complaint_names_a_receipt_code_or_the_platforms_ticket(file_complaint):
    error = _error(file_complaint, platform_reference="", receipt_code="")
    assert (error.code, error.field) == ("required", "receipt_code")
    assert not Complaint.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"description": "   "}, "description", "required"),
        ({"description": "x" * 5001}, "description", "too_long"),
        ({"platform_reference": "x" * 101}, "platform_reference", "too_long"),
        ({"reported_on": dt.date(2099, 1, 1)}, "reported_on", "invalid"),
        ({"contact": Contact(phone="12345")}, "contact_phone", "invalid"),
        ({"contact": Contact(email="not-an-address")}, "contact_email", "invalid"),
        ({"receipt_code": "AAAA-BBBB"}, "receipt_code", "not_found"),
    ],
)
def test_invalid_complaints_are_refused_on_the_field(file_complaint, overrides, field, code):
    error = _error(file_complaint, **overrides)
    assert (error.field, error.code) == (field, code)
    assert not Complaint.objects.exists()
    assert not LedgerEntry.objects.filter(action="complaint.file").exists()


def test_an_inactive_platform_takes_no_complaints(file_complaint, platform):
    platform.status = "suspended"
    platform.save()
    assert _error(file_complaint).code == "platform_inactive"


def test_a_jubao_receipt_links_the_report(client, report_body, file_complaint, platform):
    response = client.post("/api/v1/reports", report_body(), content_type="application/json")
    assert response.status_code == 201
    code = response.json()["receipt"]
    complaint = file_complaint(receipt_code=code, platform_reference="").complaint
    assert complaint.report == Report.objects.get()
    # The reporter's receipt code is not kept with the complaint.
    row = Complaint.objects.filter(pk=complaint.pk).values().get()
    assert all(receipts.normalise(code) not in str(v) for v in row.values())


def test_a_report_about_another_platform_cannot_be_linked(
    client, report_body, file_complaint, platform
):
    from jubao.accounts.services import platform_create

    other = platform_create(
        actor="system",
        name="另一个平台",
        name_en="Other",
        icp_number="浙ICP备20269999号",
        jurisdiction=platform.jurisdiction,
    )
    code = client.post("/api/v1/reports", report_body(), content_type="application/json").json()[
        "receipt"
    ]
    report = Report.objects.get()
    report.platform = platform
    report.save()
    error = _error(file_complaint, platform=other, receipt_code=code)
    assert (error.code, error.field) == ("other_platform", "platform")


def test_filing_needs_the_proof_of_work(settings, platform):
    from jubao.complaints.services import complaint_file

    settings.JUBAO_POW_REQUIRED = True
    error = _error(
        complaint_file,
        platform=platform,
        description="平台没有处理",
        reported_on=dt.date(2025, 9, 1),
        platform_reference="XH-1",
        pow_payload="",
    )
    assert error.code == "pow_missing"
    assert not Complaint.objects.exists()


# --- handling --------------------------------------------------------------------------------


def test_from_acceptance_to_evaluation(file_complaint, officer):
    complaint = file_complaint().complaint
    accepted = complaint_accept(complaint=complaint, by=officer, now=MONDAY)
    assert accepted.status == ComplaintStatus.ACCEPTED
    assert accepted.answer_due_at == due_at(MONDAY, TimeLimit(15, TimeUnit.DAYS)).at
    assert accepted.due_at == accepted.answer_due_at
    complaint_ask_platform(complaint=complaint, by=officer, question="请说明未处理原因。")
    replied = complaint_record_reply(
        complaint=complaint, by=officer, reply="已删除相关帖子。", platform_reference="XH-9"
    )
    assert replied.status == ComplaintStatus.REFERRED
    assert replied.platform_reference == "XH-2025-0001"  # an existing number is kept
    answered = complaint_answer(complaint=complaint, by=officer, answer="平台已删除，并致歉。")
    assert answered.status == ComplaintStatus.ANSWERED and answered.due_at is None
    evaluation = complaint_evaluate(complaint=complaint, score=4, comment="还算及时")
    assert evaluation.score == 4
    closed = complaint_close(complaint=complaint, by=officer)
    assert closed.status == ComplaintStatus.CLOSED
    kinds = list(complaint.events.values_list("kind", flat=True))
    assert kinds == ["received", "accepted", "asked", "replied", "answered", "evaluated", "closed"]
    actions = list(
        LedgerEntry.objects.filter(action__startswith="complaint.")
        .order_by("index")
        .values_list("action", flat=True)
    )
    assert actions == [
        "complaint.file",
        "complaint.accept",
        "complaint.ask_platform",
        "complaint.record_reply",
        "complaint.answer",
        "complaint.evaluate",
        "complaint.close",
    ]
    assert set(
        LedgerEntry.objects.filter(action__startswith="complaint.").values_list("ref", flat=True)
    ) == {f"complaints.complaint:{complaint.pk}"}


def test_the_answer_limit_is_a_setting(file_complaint, officer, settings):
    settings.JUBAO_COMPLAINT_ANSWER_DAYS = 3
    complaint = complaint_accept(complaint=file_complaint().complaint, by=officer, now=MONDAY)
    assert complaint.answer_due_at is not None
    assert complaint.answer_due_at.astimezone(TZ).date() == dt.date(2025, 9, 4)


def test_a_complaint_not_accepted_gives_a_reason(file_complaint, officer):
    complaint = file_complaint().complaint
    assert _error(complaint_refuse, complaint=complaint, by=officer, reason=" ").field == "reason"
    refused = complaint_refuse(complaint=complaint, by=officer, reason="不属于本办受理范围。")
    assert refused.status == ComplaintStatus.NOT_ACCEPTED
    assert refused.reason == "不属于本办受理范围。" and refused.due_at is None
    event = ComplaintEvent.objects.get(complaint=complaint, kind=EventKind.NOT_ACCEPTED)
    assert event.by == officer
    # Nothing more can happen to it, and it cannot be evaluated.
    assert _error(complaint_accept, complaint=complaint, by=officer).code == "wrong_status"
    assert _error(complaint_evaluate, complaint=complaint, score=3).code == "not_answered"


def test_moves_out_of_order_are_refused(file_complaint, officer):
    complaint = file_complaint().complaint
    for call, extra in [
        (complaint_answer, {"answer": "x"}),
        (complaint_ask_platform, {"question": "x"}),
        (complaint_record_reply, {"reply": "x"}),
        (complaint_close, {}),
    ]:
        assert _error(call, complaint=complaint, by=officer, **extra).code == "wrong_status"
    assert _error(complaint_evaluate, complaint=complaint, score=5).code == "not_answered"
    complaint_accept(complaint=complaint, by=officer)
    # A reply can be recorded only after a question was sent to the platform.
    error = _error(complaint_record_reply, complaint=complaint, by=officer, reply="x")
    assert error.code == "wrong_status"


def test_an_evaluation_is_1_to_5_and_given_once(file_complaint, officer):
    complaint = file_complaint().complaint
    complaint_accept(complaint=complaint, by=officer)
    complaint_answer(complaint=complaint, by=officer, answer="已处理")
    assert _error(complaint_evaluate, complaint=complaint, score=0).field == "score"
    assert _error(complaint_evaluate, complaint=complaint, score=6).field == "score"
    complaint_evaluate(complaint=complaint, score=1)
    assert _error(complaint_evaluate, complaint=complaint, score=2).code == "duplicate"


# --- jurisdiction and policy -----------------------------------------------------------------


def test_only_the_jurisdiction_sees_and_handles_a_complaint(file_complaint, officer, outsider):
    complaint = file_complaint().complaint
    assert list(complaints_for(officer)) == [complaint]
    assert complaint_get(officer, complaint.pk) == complaint
    assert not complaints_for(outsider).exists()
    with pytest.raises(NotFound):
        complaint_get(outsider, complaint.pk)
    with pytest.raises(NotFound):
        complaint_accept(complaint=complaint, by=outsider)
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.RECEIVED


def test_district_and_central_staff(file_complaint, make_user):
    complaint = file_complaint().complaint
    district = make_user("c_district", Role.SUPERVISOR, office="330106")
    central = make_user("c_central", Role.SUPERVISOR, office="000000")
    assert complaint_accept(complaint=complaint, by=district).status == "accepted"
    assert list(complaints_for(central)) == [complaint]


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.REVIEWER, Role.CITIZEN])
def test_other_roles_may_not_handle_complaints(file_complaint, make_user, role):
    complaint = file_complaint().complaint
    user = make_user("c_other", role)
    assert not complaints_for(user).exists()
    with pytest.raises(Forbidden):
        complaint_accept(complaint=complaint, by=user)


def test_overdue_complaints_come_first(file_complaint, officer):
    old = file_complaint(now=MONDAY - dt.timedelta(days=30)).complaint
    new = file_complaint(now=MONDAY).complaint
    newest = file_complaint(now=MONDAY + dt.timedelta(days=1)).complaint
    answered = file_complaint(now=MONDAY - dt.timedelta(days=60)).complaint
    complaint_accept(complaint=answered, by=officer, now=MONDAY - dt.timedelta(days=59))
    complaint_answer(complaint=answered, by=officer, answer="已处理")
    now = MONDAY + dt.timedelta(hours=1)
    listed = list(complaints_for(officer, now))
    assert listed == [old, new, newest, answered]
    flags = [c.overdue for c in listed]  # type: ignore[attr-defined]
    assert flags == [True, False, False, False]
    assert old.is_overdue(now) and not new.is_overdue(now)
