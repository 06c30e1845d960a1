"""POST /api/v1/reports: validation, receipts, idempotency, proof of work, rate limits."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from jubao.cases.models import Case
from jubao.intake.models import Report, ReportEvent
from jubao.ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _platforms(platform):
    platform.domains = ["xinghe.example"]
    platform.save()


def post(client: Client, body: dict, **headers) -> object:
    return client.post("/api/v1/reports", body, content_type="application/json", **headers)


def test_it_answers_201_with_a_receipt_that_opens_the_report(client, report_body):
    response = post(client, report_body())
    assert response.status_code == 201, response.content
    data = response.json()
    assert len(data["receipt"]) == 20
    report = Report.objects.get(reference=data["reference"])
    assert report.receipt_hash != data["receipt"]
    status = client.get("/api/v1/reports/status", HTTP_X_RECEIPT_CODE=data["receipt"]).json()
    assert status["reference"] == data["reference"]
    assert status["lines"][0]["kind"] == "received"


def test_triage_routes_to_the_platform_office_and_records_the_ledger(client, report_body, offices):
    data = post(client, report_body()).json()
    report = Report.objects.get(reference=data["reference"])
    assert report.platform is not None and report.platform.name == "星河社区"
    assert report.jurisdiction == offices["330106"]
    assert report.case.jurisdiction == offices["330106"]
    assert report.analysis["pii"]["kinds"]
    assert LedgerEntry.objects.filter(
        action="report.submit", ref=f"intake.report:{report.pk}"
    ).exists()


def test_the_acceptance_and_overall_clocks_start_on_submit(client, report_body):
    from jubao.cases.deadlines import Clock

    data = post(client, report_body()).json()
    case = Report.objects.get(reference=data["reference"]).case
    assert set(case.clocks) == {"acceptance", "overall"}
    acceptance = Clock.from_dict(case.clocks["acceptance"])
    assert acceptance.due_at().at > case.opened_at


def test_missing_proof_is_told_at_once(client, report_body):
    data = post(client, report_body()).json()
    assert data["missing_evidence"] == ["screenshot"]
    report = Report.objects.get(reference=data["reference"])
    assert report.events.filter(kind="evidence_missing").exists()


def test_a_second_report_about_the_same_target_joins_the_open_case(client, report_body):
    first = post(client, report_body()).json()
    second = post(
        client,
        report_body(
            targets=[
                {
                    "url": "https://m.xinghe.example/p/12345#comments",
                    "platform": "星河社区",
                    "excerpt": "同一条帖子",
                }
            ]
        ),
    ).json()
    assert second["joined_existing_case"] is True
    reports = Report.objects.filter(reference__in=[first["reference"], second["reference"]])
    assert len({r.case_id for r in reports}) == 1
    assert Case.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"item_code": "no.such.item"}, "item_code"),
        ({"reporter_role": "martian"}, "reporter_role"),
        ({"description": "短"}, "description"),
        ({"truthful": False}, "truthful"),
        ({"targets": [{"url": "not a url", "platform": "x", "excerpt": "y"}]}, "targets.0.url"),
        ({"targets": [{"platform": "x", "excerpt": "y"}]}, "targets.0.url"),
        (
            {
                "targets": [
                    {"url": "https://a.example/", "platform": "x", "excerpt": "y", "colour": "red"}
                ]
            },
            "targets.0.colour",
        ),
        ({"contact": {"phone": "12345"}}, "contact.phone"),
    ],
)
def test_bad_input_gets_a_clear_error_and_changes_nothing(client, report_body, change, field):
    response = post(client, report_body(**change), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    error = response.json()["error"]
    assert field in error["errors"], error
    assert Report.objects.count() == 0
    assert not LedgerEntry.objects.filter(action="report.submit").exists()


def test_errors_are_translated(client, report_body):
    response = post(client, report_body(truthful=False), HTTP_ACCEPT_LANGUAGE="zh-hans")
    message = response.json()["error"]["errors"]["truthful"][0]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message), message


def test_a_retry_with_the_same_key_returns_the_first_result(client, report_body):
    body = report_body()
    first = post(client, body, HTTP_IDEMPOTENCY_KEY="k-123").json()
    again = post(client, body, HTTP_IDEMPOTENCY_KEY="k-123")
    assert again.status_code == 201
    assert again.json()["receipt"] == first["receipt"]
    assert again.json()["reference"] == first["reference"]
    assert Report.objects.count() == 1


def test_the_same_key_with_another_body_is_refused(client, report_body):
    post(client, report_body(), HTTP_IDEMPOTENCY_KEY="k-9")
    other = post(
        client,
        report_body(description="另一件完全不同的事情，内容不一样了。"),
        HTTP_IDEMPOTENCY_KEY="k-9",
    )
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_conflict"
    assert Report.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_identical_submissions_make_one_report(report_body, platform):
    body, results = report_body(), []

    def submit() -> None:
        results.append(post(Client(), body, HTTP_IDEMPOTENCY_KEY="concurrent-1"))
        connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in results] == [201, 201]
    assert len({r.json()["receipt"] for r in results}) == 1
    assert Report.objects.count() == 1


def test_a_solved_challenge_cannot_be_replayed(client, report_body, pow_solution):
    solution = pow_solution()
    assert post(client, report_body(pow=solution)).status_code == 201
    replay = post(
        client, report_body(pow=solution, description="第二份举报，内容不同但复用了挑战。")
    )
    assert replay.status_code == 400
    assert replay.json()["error"]["code"] == "pow_replayed"
    assert Report.objects.count() == 1


def test_a_missing_or_forged_challenge_is_refused(client, report_body):
    assert post(client, report_body(pow="")).json()["error"]["code"] == "pow_missing"
    assert post(client, report_body(pow="bm90IGpzb24=")).json()["error"]["code"] == "pow_invalid"
    assert Report.objects.count() == 0


def test_the_rate_limit_per_address(client, report_body, settings):
    settings.JUBAO_RATE_SUBMIT_ADDRESS = "2/m"
    codes = [
        post(client, report_body(contact=None), REMOTE_ADDR="10.9.9.9").status_code
        for _ in range(3)
    ]
    assert codes == [201, 201, 429]
    assert post(Client(), report_body(contact=None), REMOTE_ADDR="10.9.9.8").status_code == 201


def test_the_rate_limit_per_identity(client, report_body, settings):
    settings.JUBAO_RATE_SUBMIT_IDENTITY = "1/m"
    assert post(client, report_body(), REMOTE_ADDR="10.0.0.1").status_code == 201
    assert post(client, report_body(), REMOTE_ADDR="10.0.0.2").status_code == 429


def test_no_address_is_stored_with_a_report(client, report_body):
    post(client, report_body(), REMOTE_ADDR="203.0.113.77")
    assert not ReportEvent.objects.filter(body__contains="203.0.113.77").exists()
    with connection.cursor() as cursor:
        for table in ("intake_report", "intake_target", "intake_reportevent"):
            cursor.execute(f"SELECT * FROM {table}")
            assert "203.0.113.77" not in repr(cursor.fetchall())
