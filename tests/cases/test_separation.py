"""Separation of duties and the workflow, enforced by the services and again by the database."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from jubao.accounts.models import Role
from jubao.cases.models import Approval, Case, Disposal, Judgement, Proposal, Vote
from jubao.cases.services import case_transition, case_vote
from jubao.cases.workflow import Move
from jubao.errors import DomainError
from tests.cases.conftest import tier1_measure

pytestmark = pytest.mark.django_db


def _raw_status(case: Case, status: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_case SET status = %s WHERE id = %s", [status, case.pk])


def test_a_raw_update_that_skips_states_is_stopped_by_the_database(make_case):
    case = make_case("pending")
    with pytest.raises(DatabaseError), transaction.atomic():
        _raw_status(case, "disposed")
    with pytest.raises(DatabaseError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(status="closed")
    case.refresh_from_db()
    assert case.status == "pending"


def test_a_case_cannot_be_created_half_way(make_case, offices):
    with pytest.raises(DatabaseError), transaction.atomic():
        Case.objects.create(
            reference="X1",
            item_code="personal.doxxing",
            track="normal",
            priority=1,
            jurisdiction=offices["330000"],
            status="judged",
            catalogue_version="v",
            catalogue_hash="h",
        )


def test_disposing_without_approvals_is_stopped_by_the_database(make_case, cast):
    case = make_case("in_approval")
    Approval.objects.filter(proposal__case=case).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        _raw_status(case, "disposing")


def test_the_database_refuses_self_approval_a_judge_imposing_and_double_votes(make_case, cast):
    case = make_case("disposal_proposed")
    proposal = Proposal.objects.get(case=case)
    judge = Judgement.objects.get(case=case).judge
    with pytest.raises(IntegrityError), transaction.atomic():
        Approval.objects.create(
            proposal=proposal,
            approver=cast["disposal"],
            proposer=cast["disposal"],
            judge=judge,
            level=3,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Approval.objects.create(
            proposal=proposal, approver=judge, proposer=cast["disposal"], judge=judge, level=3
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Disposal.objects.create(case=case, proposal=proposal, imposer=judge, judge=judge)
    discussed = make_case("in_discussion")
    deliberation = discussed.deliberations.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(deliberation=deliberation, member=cast["reviewer"], result="partly")


def test_the_judge_may_not_propose_or_impose(make_case, cast, make_user):
    judge_and_disposer = make_user("both", Role.DISPOSAL)
    case = make_case("judged")
    Judgement.objects.filter(case=case).update(judge=judge_and_disposer)
    with pytest.raises(DomainError) as refused:
        case_transition(
            case=case,
            move=Move.PROPOSE_DISPOSAL,
            actor=judge_and_disposer,
            measure=tier1_measure(),
            reasons="删除",
        )
    assert refused.value.code == "separation_of_duties"
    disposing = make_case("disposing")
    proposal = Proposal.objects.get(case=disposing)
    Judgement.objects.filter(pk=proposal.judgement_id).update(judge=judge_and_disposer)
    with pytest.raises(DomainError) as refused:
        case_transition(case=disposing, move=Move.DISPOSE, actor=judge_and_disposer)
    assert refused.value.code == "separation_of_duties"


def test_no_one_approves_their_own_proposal_and_levels_count(make_case, cast, make_user):
    case = make_case("disposal_proposed")
    proposal = Proposal.objects.get(case=case)
    proposer_approver = make_user("pa", Role.APPROVER, level=3)
    Proposal.objects.filter(pk=proposal.pk).update(proposer=proposer_approver)
    with pytest.raises(DomainError) as refused:
        case_transition(case=case, move=Move.APPROVE, actor=proposer_approver)
    assert refused.value.code == "separation_of_duties"
    Proposal.objects.filter(pk=proposal.pk).update(level_required=3, approvals_required=2)
    low = make_user("low", Role.APPROVER, level=1)
    with pytest.raises(DomainError) as refused:
        case_transition(case=case, move=Move.APPROVE, actor=low)
    assert refused.value.code == "level_too_low"


def test_a_tier_needing_two_approvers_waits_for_both(make_case, cast):
    case = make_case("disposal_proposed")
    Proposal.objects.filter(case=case).update(level_required=3, approvals_required=2)
    case = case_transition(case=case, move=Move.APPROVE, actor=cast["approver"])
    with pytest.raises(DomainError) as refused:
        case_transition(case=case, move=Move.START_DISPOSAL, actor=cast["disposal"])
    assert refused.value.code == "approvals_missing"
    with pytest.raises(DomainError):
        case_transition(case=case, move=Move.APPROVE, actor=cast["approver"])  # twice
    case = case_transition(case=case, move=Move.APPROVE, actor=cast["approver2"])
    case = case_transition(case=case, move=Move.START_DISPOSAL, actor=cast["disposal"])
    assert case.status == "disposing"


def test_one_vote_per_member_and_only_members_vote(make_case, cast):
    case = make_case("judged")
    case = case_transition(
        case=case,
        move=Move.DISCUSS,
        actor=cast["reviewer"],
        members=[cast["reviewer"], cast["member2"], cast["member3"]],
    )
    case_vote(case=case, member=cast["member2"], result="infringing")
    with pytest.raises(DomainError):
        case_vote(case=case, member=cast["member2"], result="partly")
    with pytest.raises(DomainError):
        case_vote(case=case, member=cast["approver"], result="partly")
    with pytest.raises(DomainError) as refused:
        case_transition(
            case=case,
            move=Move.CONCLUDE_DISCUSSION,
            actor=cast["supervisor"],
            minutes="未达法定人数",
        )
    assert refused.value.code == "no_quorum"
    case_vote(case=case, member=cast["member3"], result="infringing")
    case = case_transition(
        case=case, move=Move.CONCLUDE_DISCUSSION, actor=cast["supervisor"], minutes="两票认定侵权"
    )
    assert case.status == "judged"


def test_the_judge_may_not_approve_the_measure(make_case, cast):
    case = make_case("disposal_proposed")
    with pytest.raises(DomainError) as refused:
        # A reviewer counts as an approver of a tier-1 measure, but not the one who judged.
        case_transition(case=case, move=Move.APPROVE, actor=cast["member3"])
    assert refused.value.code == "separation_of_duties"
    case.refresh_from_db()
    assert case.status == "disposal_proposed"
