"""Offences counted by judgements; repeat, malicious and group rules propose heavier measures."""

from __future__ import annotations

import pytest
from django.db import connection

from jubao.cases.escalation import escalations
from jubao.cases.models import Case, Offence
from jubao.cases.services import case_transition
from jubao.cases.workflow import Move
from jubao.errors import DomainError
from jubao.intake.models import Report

pytestmark = pytest.mark.django_db


# A valid ID number (GB 11643 check digit) and a valid unified social credit code.
ID_NUMBER = "11010519491231002X"
USCC = "91350100M000100Y43"


@pytest.fixture
def file_case(client, report_body, offices):
    """File one report naming `accounts` on 星河社区; returns its case."""
    counter = iter(range(1000))

    def make(*accounts: str) -> Case:
        n = next(counter)
        targets = [
            {
                "url": f"https://xinghe.example/p/{n}-{i}",
                "platform": "星河社区",
                "account_id": account,
                "excerpt": "她家就住在某小区5栋2单元301",
            }
            for i, account in enumerate(accounts)
        ]
        response = client.post(
            "/api/v1/reports", report_body(targets=targets), content_type="application/json"
        )
        assert response.status_code == 201, response.content
        return Report.objects.order_by("-pk").first().case

    return make


def _judge(case: Case, cast: dict, result: str = "infringing", **extra) -> Case:
    case = case_transition(case=case, move=Move.ACCEPT, actor=cast["intake"])
    case = case_transition(case=case, move=Move.START_REVIEW, actor=cast["reviewer"])
    return case_transition(
        case=case, move=Move.JUDGE, actor=cast["reviewer"], result=result, reasons="属实", **extra
    )


def test_several_accounts_in_one_case_are_a_group(file_case, cast):
    case = _judge(file_case("a1", "a2", "a3"), cast)
    assert case.flags == ["group"]
    hints = escalations(case)
    assert {h.when for h in hints} == {"group"}
    assert Offence.objects.filter(case=case).count() == 3
    # The heavier measure proposed by the rule may be proposed even if the item did not list it.
    proposed = hints[0].propose
    case = case_transition(
        case=case,
        move=Move.PROPOSE_DISPOSAL,
        actor=cast["disposal"],
        measure=proposed,
        reasons="群体侵权",
    )
    assert case.proposals.get(open=True).measure_code == proposed


def _remove(case: Case, cast: dict) -> Case:
    """Propose, approve and carry out the removal of the judged content."""
    steps = [
        (Move.PROPOSE_DISPOSAL, "disposal", {"measure": "content.remove", "reasons": "删除"}),
        (Move.APPROVE, "approver", {}),
        (Move.START_DISPOSAL, "disposal", {}),
        (Move.DISPOSE, "disposal", {"note": "已删除"}),
    ]
    for move, who, params in steps:
        case = case_transition(case=case, move=move, actor=cast[who], **params)
    return case


def test_a_third_removal_within_the_window_proposes_muting(file_case, cast):
    for _ in range(2):
        case = _remove(_judge(file_case("repeat-offender"), cast), cast)
        assert "repeat" not in case.flags
    assert set(Offence.objects.values_list("measure_code", flat=True)) == {"content.remove"}
    third = _judge(file_case("repeat-offender"), cast)
    assert "repeat" in third.flags
    assert any(h.when == "repeat" and h.propose == "account.mute" for h in escalations(third))


def test_offences_of_other_accounts_do_not_add_up(file_case, cast):
    for name in ("x1", "x2"):
        _remove(_judge(file_case(name), cast), cast)
    assert _judge(file_case("x3"), cast).flags == []


def test_the_subject_behind_different_accounts_adds_up(file_case, cast):
    for name in ("y1", "y2"):
        _remove(_judge(file_case(name), cast, subject=ID_NUMBER), cast)
    third = _judge(file_case("y3"), cast, subject=ID_NUMBER.lower())
    assert "repeat" in third.flags
    # Only keyed hashes are stored: the number appears nowhere in the offences table.
    with connection.cursor() as cursor:
        cursor.execute("SELECT account_key, subject_key, subject_check FROM cases_offence")
        stored = " ".join(" ".join(row) for row in cursor.fetchall())
    assert ID_NUMBER not in stored and "y1" not in stored


def test_a_company_is_named_by_its_credit_code_and_a_bad_number_is_refused(file_case, cast):
    case = file_case("z1")
    case = case_transition(case=case, move=Move.ACCEPT, actor=cast["intake"])
    case = case_transition(case=case, move=Move.START_REVIEW, actor=cast["reviewer"])
    with pytest.raises(DomainError) as refused:
        case_transition(
            case=case,
            move=Move.JUDGE,
            actor=cast["reviewer"],
            result="infringing",
            reasons="属实",
            subject="110105194912310021",
        )
    assert refused.value.field == "subject"
    case.refresh_from_db()
    assert case.status == "under_review" and not case.judgements.exists()
    case = case_transition(
        case=case,
        move=Move.JUDGE,
        actor=cast["reviewer"],
        result="infringing",
        reasons="属实",
        subject=USCC,
    )
    assert Offence.objects.get(case=case).subject_key


def test_malicious_infringement_proposes_suspension(file_case, cast):
    case = _judge(file_case("m1"), cast, malicious=True)
    assert case.flags == ["malicious"]
    assert "account.suspend" in {h.propose for h in escalations(case)}


def test_no_offence_when_nothing_infringes(file_case, cast):
    case = _judge(file_case("n1", "n2", "n3"), cast, result="not_infringing", malicious=True)
    assert not Offence.objects.exists()
    assert case.flags == [] and escalations(case) == []


def test_the_case_page_shows_the_escalation(verified_client, file_case, cast, make_user):
    case = _judge(file_case("p1", "p2", "p3"), cast)
    central = make_user("central_disposal", "disposal", office="000000")
    page = verified_client(central).get(f"/workbench/cases/{case.pk}/").content.decode()
    assert 'data-escalation="group"' in page and 'data-flag="group"' in page
