"""Over HTTP: an inspection finding followed through the problem ledger to a verified
rectification, with the platform operator submitting it; and the other pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jubao.ledger.models import LedgerEntry
from jubao.ledger.verify import ledger_verify
from jubao.oversight import services
from jubao.oversight.models import Finding, InspectionPlan, Problem, ProblemStatus
from tests.intake.conftest import png_bytes
from tests.oversight.conftest import today

pytestmark = pytest.mark.django_db
BASE = "/workbench/oversight/"


def _png(name: str = "fixed.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes("blue"), content_type="image/png")


def test_a_finding_goes_through_the_problem_ledger_to_verified_rectification(
    people, platform, staff_client
):
    sup1, sup2 = staff_client(people["sup1"]), staff_client(people["sup2"])
    ops = staff_client(people["ops"])
    deadline = (today() + dt.timedelta(days=14)).isoformat()

    # A supervisor plans an inspection of the platform and records a finding with a deadline.
    response = sup1.post(
        BASE + "plans/",
        {
            "title": "未成年人保护专项检查",
            "scope": "青少年模式",
            "platforms": [platform.pk],
            "starts_on": today().isoformat(),
            "ends_on": deadline,
        },
    )
    assert response.status_code == 302, response.content.decode()
    plan = InspectionPlan.objects.get()
    response = sup1.post(
        f"{BASE}plans/{plan.pk}/findings/",
        {
            "platform": platform.pk,
            "description": "未提供青少年模式入口",
            "severity": "major",
            "found_on": today().isoformat(),
            "deadline": deadline,
        },
    )
    assert response.status_code == 302
    problem = Problem.objects.get()
    assert problem.finding == Finding.objects.get()
    page = sup1.get(f"{BASE}plans/{plan.pk}/").content.decode()
    assert "未提供青少年模式入口" in page and f"/problems/{problem.pk}/" in page

    # The ledger lists it; the platform operator sees it on their own page.
    assert f'data-problem="{problem.pk}"' in sup2.get(BASE + "?status=open").content.decode()
    assert (
        f'data-problem="{problem.pk}"' not in sup2.get(BASE + "?status=verified").content.decode()
    )
    assert f'data-problem="{problem.pk}"' in ops.get(BASE + "platform/").content.decode()
    assert ops.get(BASE).status_code == 403  # the office's ledger is not for platforms

    # The operator submits the rectification with a file.
    response = ops.post(
        f"{BASE}platform/{problem.pk}/", {"note": "已上线青少年模式", "evidence": [_png()]}
    )
    assert response.status_code == 302, response.content.decode()
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.SUBMITTED
    assert problem.rectified_by == people["ops"]
    stored = problem.files.get()

    # A supervisor sees the staff copy (ledgered) and verifies.
    page = sup1.get(f"{BASE}problems/{problem.pk}/").content.decode()
    assert 'data-action="verify"' in page and "已上线青少年模式" in page
    copy = sup1.get(f"{BASE}files/{stored.vault_ref}/")
    assert copy.status_code == 200 and copy["Cache-Control"] == "private, no-store"
    assert LedgerEntry.objects.filter(
        action="evidence.view", ref=f"oversight.rectificationfile:{stored.pk}"
    ).exists()
    assert ops.get(f"{BASE}files/{stored.vault_ref}/").status_code == 403

    response = sup1.post(f"{BASE}problems/{problem.pk}/verify/", {"note": "已核实"})
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.VERIFIED and problem.verified_by == people["sup1"]
    page = ops.get(f"{BASE}platform/{problem.pk}/").content.decode()
    assert 'data-action="rectify"' not in page

    actions = list(
        LedgerEntry.objects.filter(action__startswith="oversight.").values_list("action", flat=True)
    )
    assert actions == [
        "oversight.plan_create",
        "oversight.finding_record",
        "oversight.problem_open",
        "oversight.rectification_submit",
        "oversight.rectification_verify",
    ]
    assert ledger_verify().ok


def test_whoever_records_the_rectification_cannot_verify_it_over_http(
    people, platform, staff_client
):
    problem = services.problem_open(
        user=people["sup1"], platform=platform, description="x", deadline=today()
    )
    sup1 = staff_client(people["sup1"])
    response = sup1.post(
        f"{BASE}problems/{problem.pk}/rectification/",
        {"note": "书面整改报告", "evidence": [_png()]},
    )
    assert response.status_code == 302
    page = sup1.get(f"{BASE}problems/{problem.pk}/").content.decode()
    assert 'data-action="verify"' not in page
    response = sup1.post(f"{BASE}problems/{problem.pk}/verify/", {"note": ""})
    assert response.status_code == 403
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.SUBMITTED
    response = staff_client(people["sup2"]).post(
        f"{BASE}problems/{problem.pk}/reopen/", {"note": "证据不足"}
    )
    assert response.status_code == 302
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.REOPENED


def test_pages_render_and_respect_jurisdiction(people, platform, other_platform, staff_client):
    problem = services.problem_open(
        user=people["sup1"], platform=platform, description="问题", deadline=today()
    )
    auditor = staff_client(people["auditor"])
    for url in (
        BASE,
        BASE + "plans/",
        BASE + "scorecards/",
        f"{BASE}platforms/{platform.pk}/",
        f"{BASE}problems/{problem.pk}/",
        BASE + "?overdue=on&platform=" + str(platform.pk),
    ):
        assert auditor.get(url).status_code == 200, url
    assert auditor.get(f"{BASE}platforms/{other_platform.pk}/").status_code == 404
    page = auditor.get(BASE + "scorecards/").content.decode()
    assert f'data-platform="{platform.pk}"' in page
    assert f'data-platform="{other_platform.pk}"' not in page
    assert (
        'data-action="interview"'
        not in auditor.get(f"{BASE}platforms/{platform.pk}/").content.decode()
    )
    assert auditor.post(f"{BASE}platforms/{platform.pk}/interviews/", {}).status_code == 403
    far = staff_client(people["far"])
    assert far.get(f"{BASE}problems/{problem.pk}/").status_code == 404


def test_interviews_and_penalties_on_the_platform_page(people, platform, staff_client):
    sup = staff_client(people["sup1"])
    url = f"{BASE}platforms/{platform.pk}/"
    response = sup.post(
        url + "interviews/",
        {
            "held_on": today().isoformat(),
            "attendees": "平台总经理",
            "summary": "约谈整改",
            "follow_up": "",
        },
    )
    assert response.status_code == 302
    response = sup.post(
        url + "penalties/",
        {
            "decided_on": today().isoformat(),
            "kind": "fine",
            "amount": "",
            "legal_basis": "l",
            "description": "d",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "Give the amount of the fine." in response.content.decode()
    response = sup.post(
        url + "penalties/",
        {
            "decided_on": today().isoformat(),
            "kind": "fine",
            "amount": "20000",
            "legal_basis": "《网络安全法》",
            "description": "罚款",
        },
    )
    assert response.status_code == 302
    page = sup.get(url).content.decode()
    assert "约谈整改" in page and "《网络安全法》" in page


def test_the_operator_sees_only_their_own_platform(people, other_platform, staff_client):
    other = services.problem_open(
        user=people["far"], platform=other_platform, description="别家的问题", deadline=today()
    )
    ops = staff_client(people["ops"])
    assert "别家的问题" not in ops.get(BASE + "platform/").content.decode()
    assert ops.get(f"{BASE}platform/{other.pk}/").status_code == 404
    response = ops.post(f"{BASE}platform/{other.pk}/", {"note": "x", "evidence": [_png()]})
    assert response.status_code == 404
