"""Typical cases: drafted from a finished case and redacted, checked by a person, approved by
someone else, published; the public sees only published ones."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import translation

from jubao.accounts.models import Role
from jubao.cases.models import CaseStatus
from jubao.errors import DomainError, Forbidden, NotFound
from jubao.insights.models import TypicalCase, TypicalStatus
from jubao.insights.services import (
    typical_case_approve,
    typical_case_check,
    typical_case_draft,
    typical_case_publish,
    typical_case_withdraw,
)
from jubao.ledger.models import LedgerEntry
from jubao.ledger.verify import ledger_verify
from tests.insights.conftest import ADDRESS, PHONE

pytestmark = pytest.mark.django_db


def _actions() -> list[str]:
    return list(LedgerEntry.objects.order_by("pk").values_list("action", flat=True))


def test_drafting_redacts_the_phone_number_and_the_home_address(finished_case, cast):
    typical = typical_case_draft(user=cast["supervisor"], case=finished_case)
    assert typical.status == TypicalStatus.DRAFTED
    assert PHONE not in typical.text and "13912345678" not in typical.text
    assert ADDRESS not in typical.text and "文三路100号" not in typical.text
    assert "[电话号码]" in typical.text and "[地址]" in typical.text
    # The text tells the story: what happened, why, and what was done.
    assert "号召大家去我家门口闹事" in typical.text
    assert "人肉搜索" in typical.text
    assert typical.item_code == finished_case.item_code
    assert _actions()[-1] == "transparency.draft"


def test_only_a_finished_case_of_the_jurisdiction_is_drafted(
    file_report, cast, make_user, home_office
):
    case = file_report().case
    assert case.status == CaseStatus.PENDING
    with pytest.raises(DomainError) as refused:
        typical_case_draft(user=cast["supervisor"], case=case)
    assert refused.value.code == "not_finished"
    with pytest.raises(Forbidden):
        typical_case_draft(user=cast["reviewer"], case=case)
    elsewhere = make_user("sup_bj", Role.SUPERVISOR, office="110000")
    with pytest.raises(NotFound):
        typical_case_draft(user=elsewhere, case=case)


def test_one_typical_case_per_case_until_withdrawn(finished_case, cast):
    first = typical_case_draft(user=cast["supervisor"], case=finished_case)
    with pytest.raises(DomainError) as refused:
        typical_case_draft(user=cast["supervisor"], case=finished_case)
    assert refused.value.code == "duplicate"
    typical_case_withdraw(user=cast["supervisor"], typical=first)
    again = typical_case_draft(user=cast["supervisor"], case=finished_case)
    assert again.pk != first.pk


def test_check_refuses_while_personal_data_remains(finished_case, cast):
    typical = typical_case_draft(user=cast["supervisor"], case=finished_case)
    edited = typical.text + f"\n当事人电话 {PHONE}，住在{ADDRESS}。"
    with pytest.raises(DomainError) as refused, translation.override("en"):
        typical_case_check(
            user=cast["supervisor"], typical=typical, title=typical.title, text=edited
        )
    assert refused.value.code == "pii_remains"
    assert refused.value.field == "text"
    message = str(refused.value.message)
    assert "phone number, address" in message
    typical.refresh_from_db()
    assert typical.status == TypicalStatus.DRAFTED and PHONE not in typical.text
    # Personal data in the title is refused too.
    with pytest.raises(DomainError):
        typical_case_check(
            user=cast["supervisor"], typical=typical, title=f"致电{PHONE}", text=typical.text
        )
    checked = typical_case_check(
        user=cast["supervisor"],
        typical=typical,
        title="在论坛公开他人住址和电话",
        text=typical.text + "\n（经审核）",
    )
    assert checked.status == TypicalStatus.CHECKED
    assert checked.checked_by == cast["supervisor"]
    assert checked.text.endswith("（经审核）")


def test_approval_refuses_the_drafter_and_the_checker(finished_case, cast, make_user):
    drafter = make_user("drafter", Role.SUPERVISOR)
    drafter.role_grants.create(role=Role.APPROVER, level=1)
    checker = make_user("checker", Role.SUPERVISOR)
    checker.role_grants.create(role=Role.APPROVER, level=1)
    typical = typical_case_draft(user=drafter, case=finished_case)
    # Not before the check.
    with pytest.raises(DomainError) as early:
        typical_case_approve(user=cast["approver"], typical=typical)
    assert early.value.code == "state"
    typical = typical_case_check(user=checker, typical=typical, title="典型案例", text=typical.text)
    for own in (drafter, checker):
        own.__dict__.pop("_jubao_roles", None)
        with pytest.raises(Forbidden) as refused:
            typical_case_approve(user=own, typical=typical)
        assert refused.value.code == "own_work"
    with pytest.raises(Forbidden):
        typical_case_approve(user=cast["supervisor"], typical=typical)  # not an approver
    approved = typical_case_approve(user=cast["approver"], typical=typical)
    assert approved.status == TypicalStatus.APPROVED and approved.approved_by == cast["approver"]


def test_the_database_refuses_approval_by_the_drafter_or_the_checker(finished_case, cast):
    typical = typical_case_draft(user=cast["supervisor"], case=finished_case)
    typical = typical_case_check(
        user=cast["supervisor"], typical=typical, title="典型案例", text=typical.text
    )
    rows = TypicalCase.objects.filter(pk=typical.pk)
    for who in ("drafted_by", "checked_by"):
        with pytest.raises(IntegrityError), transaction.atomic():
            rows.update(status=TypicalStatus.APPROVED, approved_by=getattr(typical, who))
    # Nor may a typical case be published without its approval.
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.update(status=TypicalStatus.PUBLISHED)


def test_the_whole_workflow_and_only_published_cases_are_public(
    finished_case, cast, client: Client
):
    typical = typical_case_draft(user=cast["supervisor"], case=finished_case)
    detail = f"/transparency/cases/{typical.pk}/"
    assert client.get(detail).status_code == 404
    typical = typical_case_check(
        user=cast["supervisor"], typical=typical, title="公开他人住址的典型案例", text=typical.text
    )
    assert client.get(detail).status_code == 404
    typical = typical_case_approve(user=cast["approver"], typical=typical)
    assert client.get(detail).status_code == 404
    assert "公开他人住址的典型案例" not in client.get("/transparency/cases/").content.decode()
    with pytest.raises(Forbidden):
        typical_case_publish(user=cast["reviewer"], typical=typical)
    typical = typical_case_publish(user=cast["supervisor"], typical=typical)
    assert typical.published_at is not None

    page = client.get(detail)
    assert page.status_code == 200
    body = page.content.decode()
    assert "公开他人住址的典型案例" in body and "[电话号码]" in body
    assert PHONE not in body and "文三路" not in body
    assert finished_case.reference not in body
    listing = client.get("/transparency/cases/").content.decode()
    assert f'data-typical="{typical.pk}"' in listing
    assert f'data-typical="{typical.pk}"' in client.get("/transparency/").content.decode()

    typical_case_withdraw(user=cast["supervisor"], typical=typical)
    assert client.get(detail).status_code == 404
    assert _actions()[-5:] == [
        "transparency.draft",
        "transparency.check",
        "transparency.approve",
        "transparency.publish",
        "transparency.withdraw",
    ]
    assert ledger_verify().ok


def test_workbench_pages(finished_case, cast, staff_client, make_user):
    supervisor = staff_client(cast["supervisor"])
    page = supervisor.get("/workbench/transparency/cases/new/")
    assert page.status_code == 200 and finished_case.reference in page.content.decode()
    drafted = supervisor.post(
        "/workbench/transparency/cases/new/", {"case": finished_case.pk, "title": ""}
    )
    assert drafted.status_code == 302
    typical = TypicalCase.objects.get()
    shown = supervisor.get(f"/workbench/transparency/cases/{typical.pk}/")
    assert shown.status_code == 200 and "[电话号码]" in shown.content.decode()
    refused = supervisor.post(
        f"/workbench/transparency/cases/{typical.pk}/check/",
        {"title": "标题", "text": f"电话 {PHONE}"},
    )
    assert refused.status_code == 400
    checked = supervisor.post(
        f"/workbench/transparency/cases/{typical.pk}/check/",
        {"title": "标题", "text": typical.text},
    )
    assert checked.status_code == 302
    # The supervisor may not approve; the approver sees the case and approves it.
    assert (
        supervisor.post(f"/workbench/transparency/cases/{typical.pk}/approve/").status_code == 403
    )
    approver = staff_client(cast["approver"])
    assert approver.get("/workbench/transparency/cases/").status_code == 200
    approver.post(f"/workbench/transparency/cases/{typical.pk}/approve/")
    approver.post(f"/workbench/transparency/cases/{typical.pk}/publish/")
    typical.refresh_from_db()
    assert typical.status == TypicalStatus.PUBLISHED
    # Other office staff see nothing here.
    assert staff_client(cast["reviewer"]).get("/workbench/transparency/cases/").status_code == 403
