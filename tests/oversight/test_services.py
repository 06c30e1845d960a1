"""The supervision services: policy, jurisdiction, validation, separation of duties, ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from jubao.errors import DomainError, Forbidden, NotFound
from jubao.intake.storage import evidence_read
from jubao.ledger.models import LedgerEntry
from jubao.ledger.verify import ledger_verify
from jubao.oversight import services
from jubao.oversight.models import Problem, ProblemStatus
from jubao.oversight.selectors import problems_for
from tests.oversight.conftest import png_upload, today

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


@pytest.fixture
def plan(people, platform):
    return services.plan_create(
        user=people["sup1"],
        title="2026 年第一季度专项检查",
        scope="举报受理机制",
        platforms=[platform],
        starts_on=today(),
        ends_on=today() + 30 * DAY,
    )


@pytest.fixture
def problem(people, platform):
    return services.problem_open(
        user=people["sup1"],
        platform=platform,
        description="未公布举报入口",
        deadline=today() + 10 * DAY,
    )


@pytest.fixture
def ledger_calls(monkeypatch) -> list[dict]:
    """Every ledger_append call of the services, passed on to the real ledger."""
    calls: list[dict] = []
    real = services.ledger_append

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(services, "ledger_append", spy)
    return calls


def _actions() -> list[str]:
    return list(
        LedgerEntry.objects.filter(action__startswith="oversight.")
        .order_by("index")
        .values_list("action", flat=True)
    )


def test_only_supervisors_change_records(people, platform, plan):
    for who in ("auditor", "ops"):
        with pytest.raises(Forbidden):
            services.problem_open(
                user=people[who], platform=platform, description="x", deadline=today()
            )
        with pytest.raises(Forbidden):
            services.plan_set_status(user=people[who], plan=plan, status="in_progress")
    assert not Problem.objects.exists()


def test_a_supervisor_of_another_jurisdiction_sees_and_changes_nothing(
    people, platform, plan, problem
):
    far = people["far"]
    with pytest.raises(NotFound):
        services.problem_open(user=far, platform=platform, description="x", deadline=today())
    with pytest.raises(NotFound):
        services.rectification_verify(user=far, problem=problem)
    with pytest.raises(NotFound):
        services.finding_record(
            user=far,
            plan=plan,
            platform=platform,
            description="x",
            severity="minor",
            found_on=today(),
        )
    with pytest.raises(NotFound):
        services.interview_record(
            user=far, platform=platform, held_on=today(), attendees="a", summary="b"
        )
    assert not problems_for(far).exists()
    assert problems_for(people["auditor"]).count() == 1


def test_plans_cover_platforms_of_the_jurisdiction_only(people, platform, other_platform):
    with pytest.raises(DomainError) as raised:
        services.plan_create(
            user=people["sup1"],
            title="t",
            scope="",
            platforms=[platform, other_platform],
            starts_on=today(),
            ends_on=today(),
        )
    assert raised.value.field == "platforms"
    with pytest.raises(DomainError) as raised:
        services.plan_create(
            user=people["sup1"],
            title="t",
            scope="",
            platforms=[platform],
            starts_on=today(),
            ends_on=today() - DAY,
        )
    assert raised.value.field == "ends_on"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"description": "  "}, "description"),
        ({"severity": "apocalyptic"}, "severity"),
        ({"found_on": "tomorrow"}, "found_on"),
        ({"deadline": "yesterday"}, "deadline"),
    ],
)
def test_findings_are_validated(people, platform, plan, changes, field):
    dates = {"tomorrow": today() + DAY, "yesterday": today() - DAY}
    args = {
        "description": "未设置未成年人模式",
        "severity": "major",
        "found_on": today(),
        "deadline": today() + DAY,
    }
    args.update({k: dates.get(v, v) for k, v in changes.items()})
    with pytest.raises(DomainError) as raised:
        services.finding_record(user=people["sup1"], plan=plan, platform=platform, **args)
    assert raised.value.field == field


def test_a_finding_with_a_deadline_opens_a_problem(people, platform, plan):
    finding, problem = services.finding_record(
        user=people["sup1"],
        plan=plan,
        platform=platform,
        description="未设置未成年人模式",
        severity="serious",
        found_on=today(),
        deadline=today() + 15 * DAY,
    )
    assert problem is not None and problem.finding == finding
    assert problem.status == ProblemStatus.OPEN
    assert _actions() == [
        "oversight.plan_create",
        "oversight.finding_record",
        "oversight.problem_open",
    ]


def test_plans_move_forward_only(people, plan):
    services.plan_set_status(user=people["sup1"], plan=plan, status="done")
    with pytest.raises(DomainError) as raised:
        services.plan_set_status(user=people["sup1"], plan=plan, status="in_progress")
    assert raised.value.code == "bad_move"


def test_the_submitter_may_not_verify(people, problem):
    services.rectification_submit(
        user=people["sup1"], problem=problem, note="平台已整改", files=[png_upload()]
    )
    with pytest.raises(Forbidden) as raised:
        services.rectification_verify(user=people["sup1"], problem=problem)
    assert raised.value.code == "own_rectification"
    verified = services.rectification_verify(user=people["sup2"], problem=problem, note="核实")
    assert verified.status == ProblemStatus.VERIFIED
    assert verified.verified_by == people["sup2"]


def test_the_database_refuses_verification_by_the_submitter(people, problem):
    services.rectification_submit(
        user=people["sup1"], problem=problem, note="平台已整改", files=[png_upload()]
    )
    rows = Problem.objects.filter(pk=problem.pk)
    verified = {"status": "verified", "verified_at": timezone.now()}
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        rows.update(verified_by=people["sup1"], **verified)
    assert "oversight_problem_not_verified_by_rectifier" in str(raised.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.update(status="verified")  # no verifier
    assert rows.update(verified_by=people["sup2"], **verified) == 1


def test_the_operator_submits_for_their_own_platform_only(people, problem, other_platform):
    other = services.problem_open(
        user=people["far"], platform=other_platform, description="x", deadline=today()
    )
    with pytest.raises(NotFound):
        services.rectification_submit(
            user=people["ops"], problem=other, note="n", files=[png_upload()]
        )
    done = services.rectification_submit(
        user=people["ops"], problem=problem, note="已上线举报入口", files=[png_upload()]
    )
    assert done.status == ProblemStatus.SUBMITTED and done.round == 1
    stored = done.files.get()
    assert evidence_read(ref=stored.vault_ref, variant="staff")
    assert evidence_read(ref=stored.vault_ref, variant="original") == png_upload().content


def test_a_rectification_needs_a_note_and_valid_files(people, problem):
    with pytest.raises(DomainError) as raised:
        services.rectification_submit(user=people["ops"], problem=problem, note="n", files=[])
    assert raised.value.field == "evidence"
    with pytest.raises(DomainError) as raised:
        services.rectification_submit(
            user=people["ops"], problem=problem, note=" ", files=[png_upload()]
        )
    assert raised.value.field == "note"
    bad = services.UploadedFile(name="virus.exe", content=b"MZ\x90\x00" * 10)
    with pytest.raises(DomainError) as raised:
        services.rectification_submit(user=people["ops"], problem=problem, note="n", files=[bad])
    assert raised.value.field == "evidence.0"
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.OPEN and not problem.files.exists()


def test_reopen_sends_the_problem_back_and_a_new_round_follows(people, problem):
    services.rectification_submit(
        user=people["ops"], problem=problem, note="第一次", files=[png_upload()]
    )
    with pytest.raises(DomainError) as raised:
        services.problem_reopen(user=people["sup1"], problem=problem, note=" ")
    assert raised.value.field == "note"
    reopened = services.problem_reopen(
        user=people["sup1"], problem=problem, note="入口仍然无法访问", deadline=today() + 5 * DAY
    )
    assert reopened.status == ProblemStatus.REOPENED
    assert reopened.deadline == today() + 5 * DAY
    with pytest.raises(DomainError):
        services.rectification_verify(user=people["sup2"], problem=problem)
    again = services.rectification_submit(
        user=people["ops"], problem=problem, note="第二次", files=[png_upload("b.png")]
    )
    assert again.round == 2 and again.files.count() == 2
    services.rectification_verify(user=people["sup1"], problem=problem)


def test_penalties_and_interviews_are_validated_and_recorded(people, platform):
    sup = people["sup1"]
    with pytest.raises(DomainError) as raised:
        services.penalty_record(
            user=sup,
            platform=platform,
            decided_on=today(),
            kind="fine",
            legal_basis="l",
            description="d",
        )
    assert raised.value.field == "amount"
    with pytest.raises(DomainError) as raised:
        services.penalty_record(
            user=sup,
            platform=platform,
            decided_on=today(),
            kind="warning",
            legal_basis="l",
            description="d",
            amount=Decimal(10),
        )
    assert raised.value.field == "amount"
    with pytest.raises(DomainError) as raised:
        services.interview_record(
            user=sup, platform=platform, held_on=today() + DAY, attendees="a", summary="s"
        )
    assert raised.value.field == "held_on"
    services.penalty_record(
        user=sup,
        platform=platform,
        decided_on=today(),
        kind="fine",
        legal_basis="《网络安全法》",
        description="罚款",
        amount=Decimal("50000"),
    )
    services.interview_record(
        user=sup, platform=platform, held_on=today(), attendees="平台负责人", summary="约谈"
    )
    assert _actions() == ["oversight.penalty_record", "oversight.interview_record"]


def test_ledger_payloads_hold_ids_and_codes_never_free_text(
    people, platform, plan, problem, ledger_calls
):
    secret = "平台负责人张某某"
    services.finding_record(
        user=people["sup1"],
        plan=plan,
        platform=platform,
        description=secret,
        severity="minor",
        found_on=today(),
        deadline=today() + DAY,
    )
    services.rectification_submit(
        user=people["ops"], problem=problem, note=secret, files=[png_upload()]
    )
    services.problem_reopen(user=people["sup2"], problem=problem, note=secret)
    services.rectification_submit(
        user=people["ops"], problem=problem, note=secret, files=[png_upload()]
    )
    services.rectification_verify(user=people["sup1"], problem=problem, note=secret)
    services.interview_record(
        user=people["sup1"], platform=platform, held_on=today(), attendees=secret, summary=secret
    )
    services.penalty_record(
        user=people["sup1"],
        platform=platform,
        decided_on=today(),
        kind="warning",
        legal_basis=secret,
        description=secret,
    )
    entries = LedgerEntry.objects.filter(action__startswith="oversight.")
    assert set(entries.values_list("action", flat=True)) == {
        "oversight.plan_create",
        "oversight.problem_open",
        "oversight.finding_record",
        "oversight.rectification_submit",
        "oversight.problem_reopen",
        "oversight.rectification_verify",
        "oversight.interview_record",
        "oversight.penalty_record",
    }
    assert len(ledger_calls) == 8
    for call in ledger_calls:
        assert call["actor"].startswith("user:")
        for value in call["payload"].values():
            assert isinstance(value, int | str | bool | list), value
            assert secret not in str(value)
    assert ledger_verify().ok
