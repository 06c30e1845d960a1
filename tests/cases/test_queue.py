"""The queue: filters, pages without a count, the part of the work of one's role, the JSON API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from jubao.cases.models import Case
from jubao.cases.selectors import PAGE_SIZE, QueueFilters, case_queue, page_of
from jubao.intake.models import Report

pytestmark = pytest.mark.django_db


def test_filters_narrow_the_queue(make_case, cast, platform):
    pending, accepted = make_case("pending"), make_case("accepted")
    accepted.track, accepted.platform = "fast", platform
    accepted.due_at = timezone.now() - timedelta(hours=1)
    accepted.warn_at = accepted.due_at - timedelta(hours=1)
    accepted.save()
    user = cast["intake"]

    def refs(**kwargs):
        return [c.reference for c in case_queue(user, QueueFilters(**kwargs))]

    assert refs() == [pending.reference, accepted.reference]
    assert refs(status="accepted") == [accepted.reference]
    assert refs(track="fast") == [accepted.reference]
    assert refs(platform=str(platform.pk)) == [accepted.reference]
    assert refs(clock="overdue") == [accepted.reference]
    assert refs(clock="warning") == []
    assert refs(assigned="none") == [pending.reference, accepted.reference]
    assert refs(q=pending.reference) == [pending.reference]
    assert refs(item="personal.doxxing") == [pending.reference, accepted.reference]


def test_a_report_reference_finds_its_case(client, report_body, make_user, offices):
    client.post("/api/v1/reports", report_body(), content_type="application/json")
    report = Report.objects.get()
    central = make_user("central_clerk", "intake", office="000000")
    found = case_queue(central, QueueFilters(q=report.reference))
    assert list(found) == [report.case]


def test_unknown_filter_values_are_ignored():
    filters = QueueFilters.from_query(
        {"status": "nonsense", "track": "x", "clock": "soon", "assigned": "bob", "platform": "a"}
    )
    assert filters.active() == {}


def test_pages_know_whether_more_follow_without_counting(make_case, cast):
    for _ in range(PAGE_SIZE + 1):
        make_case("pending")
    first = page_of(case_queue(cast["intake"]), "1")
    assert len(first.items) == PAGE_SIZE and first.has_next and not first.has_previous
    second = page_of(case_queue(cast["intake"]), 2)
    assert len(second.items) == 1 and not second.has_next
    assert page_of(case_queue(cast["intake"]), "junk").number == 1


def test_the_queue_page_filters_and_offers_my_part_of_the_work(verified_client, cast, make_case):
    pending, judged = make_case("pending"), make_case("judged")
    client = verified_client(cast["intake"])
    page = client.get("/workbench/cases/?todo=1").content.decode()
    # Intake acts on pending cases (and answers judged ones without a measure).
    assert pending.reference in page and judged.reference in page
    under_review = make_case("under_review")
    page = client.get("/workbench/cases/?todo=1").content.decode()
    assert under_review.reference not in page
    page = client.get("/workbench/cases/?status=judged").content.decode()
    assert judged.reference in page and pending.reference not in page


def test_the_queue_api_needs_a_staff_session(client, verified_client, cast, make_case):
    assert client.get("/api/v1/cases").status_code == 401
    case = make_case("pending")
    staff = verified_client(cast["intake"])
    body = staff.get("/api/v1/cases?status=pending").json()
    assert body["page"] == 1 and body["has_next"] is False
    assert [c["reference"] for c in body["items"]] == [case.reference]
    assert body["items"][0]["office"] == "330000"
    assert staff.get("/api/v1/cases/supervision").status_code == 403  # intake: not theirs


def test_the_queue_api_follows_the_jurisdiction(verified_client, make_user, make_case, offices):
    from jubao.accounts.models import Role

    case = make_case("pending")
    Case.objects.filter(pk=case.pk).update(jurisdiction=offices["440000"])
    client = verified_client(make_user("zj_clerk2", "intake", office="330000"))
    assert client.get("/api/v1/cases").json()["items"] == []
    client.logout()
    central = verified_client(make_user("central_sup", Role.SUPERVISOR, office="000000"))
    assert [c["reference"] for c in central.get("/api/v1/cases").json()["items"]] == [
        case.reference
    ]


def test_the_supervision_api_is_for_supervisors(verified_client, cast, client):
    assert verified_client(cast["intake"]).get("/api/v1/cases/supervision").status_code == 403
    client.logout()
    assert verified_client(cast["supervisor"]).get("/api/v1/cases/supervision").status_code == 200
