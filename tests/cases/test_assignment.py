"""Manual, round-robin and "special person responsible" assignment, and safe bulk actions."""

from __future__ import annotations

import pytest
from django.utils import translation

from jubao.accounts.models import Role
from jubao.cases.selectors import QueueFilters, case_queue
from jubao.cases.services import case_assign, case_assign_round_robin, case_bulk
from jubao.errors import DomainError, Forbidden
from jubao.ledger.models import LedgerEntry
from jubao.ledger.services import obj_ref

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Refusals are matched on their English text, whatever language an earlier test left."""
    with translation.override("en"):
        yield


def test_a_supervisor_assigns_a_handler_of_the_jurisdiction(make_case, cast):
    case = make_case("accepted")
    case = case_assign(case=case, assignee=cast["reviewer"], by=cast["supervisor"])
    assert case.assignee == cast["reviewer"]
    assert LedgerEntry.objects.filter(action="case.assign", ref=obj_ref(case)).exists()
    assert case.history.last().move == "assign"


def test_no_one_outside_the_jurisdiction_or_without_a_handling_role(make_case, cast, make_user):
    case = make_case("accepted")
    far = make_user("gd_reviewer", Role.REVIEWER, office="440000")
    with pytest.raises(DomainError, match="outside the jurisdiction"):
        case_assign(case=case, assignee=far, by=cast["supervisor"])
    with pytest.raises(DomainError, match="does not handle cases"):
        case_assign(case=case, assignee=cast["supervisor"], by=cast["supervisor"])
    case.refresh_from_db()
    assert case.assignee is None


def test_a_handler_takes_an_unassigned_case_but_assigns_no_one_else(make_case, cast):
    case = make_case("accepted")
    with pytest.raises(Forbidden):
        case_assign(case=case, assignee=cast["member2"], by=cast["reviewer"])
    case_assign(case=case, assignee=cast["reviewer"], by=cast["reviewer"])
    with pytest.raises(Forbidden):
        case_assign(case=case, assignee=cast["member2"], by=cast["member2"])
    case.refresh_from_db()
    assert case.assignee == cast["reviewer"]


def test_the_person_responsible_sees_the_case_as_theirs(make_case, cast):
    case = make_case("accepted")
    with pytest.raises(Forbidden):
        case_assign(case=case, assignee=cast["reviewer"], by=cast["reviewer"], responsible=True)
    case_assign(case=case, assignee=cast["reviewer"], by=cast["supervisor"], responsible=True)
    case_assign(case=case, assignee=cast["disposal"], by=cast["supervisor"])
    case.refresh_from_db()
    assert (case.responsible, case.assignee) == (cast["reviewer"], cast["disposal"])
    mine = case_queue(cast["reviewer"], QueueFilters(assigned="me"))
    assert list(mine) == [case]


def test_round_robin_shares_the_cases_by_load(make_case, cast):
    cases = [make_case("accepted") for _ in range(5)]
    case_assign(case=cases[0], assignee=cast["member2"], by=cast["supervisor"])
    given = case_assign_round_robin(cases=cases[1:], role=Role.REVIEWER, by=cast["supervisor"])
    loads = {}
    for person in given.values():
        loads[person.username] = loads.get(person.username, 0) + 1
    # Three reviewers; member2 already had one, so the four go 2 + 1 + 1 with member2 last.
    assert sorted(loads.values()) == [1, 1, 2]
    assert loads.get("w_member2", 0) == 1
    with pytest.raises(Forbidden):
        case_assign_round_robin(cases=cases, role=Role.REVIEWER, by=cast["reviewer"])


def test_a_finished_case_is_not_assigned(make_case, cast):
    with pytest.raises(DomainError, match="finished"):
        case_assign(case=make_case("closed"), assignee=cast["intake"], by=cast["supervisor"])


def test_a_bulk_action_leaves_the_cases_that_refuse_it_unchanged(make_case, cast):
    pending, judged = make_case("pending"), make_case("judged")
    result = case_bulk(cases=[pending, judged], action="accept", by=cast["intake"])
    assert result.done == [pending.reference]
    assert [ref for ref, _ in result.refused] == [judged.reference]
    judged.refresh_from_db()
    pending.refresh_from_db()
    assert (pending.status, judged.status) == ("accepted", "judged")


def test_bulk_in_the_workbench(verified_client, make_case, cast):
    cases = [make_case("pending") for _ in range(3)]
    other = make_case("judged")
    client = verified_client(cast["intake"])
    response = client.post(
        "/workbench/cases/bulk/",
        {"cases": [c.pk for c in [*cases, other]], "action": "accept", "next": "?status=pending"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    page = response.content.decode()
    assert response.redirect_chain[-1][0].endswith("/workbench/cases/?status=pending")
    assert "Done for 3 cases" in page
    assert f"{other.reference} unchanged" in page
    assert all(c.status == "accepted" for c in [type(other).objects.get(pk=c.pk) for c in cases])


def test_bulk_assignment_needs_someone_and_ticked_cases(verified_client, make_case, cast):
    case = make_case("accepted")
    client = verified_client(cast["supervisor"])
    page = client.post(
        "/workbench/cases/bulk/",
        {"cases": [case.pk], "action": "assign"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    ).content.decode()
    assert "Choose whom to assign the cases to." in page
    page = client.post(
        "/workbench/cases/bulk/", {"action": "accept"}, HTTP_ACCEPT_LANGUAGE="en", follow=True
    ).content.decode()
    assert "Tick at least one case." in page
    client.post(
        "/workbench/cases/bulk/",
        {"cases": [case.pk], "action": "assign", "assignee": cast["reviewer"].pk},
    )
    case.refresh_from_db()
    assert case.assignee == cast["reviewer"]


def test_assignment_from_the_case_page(verified_client, make_case, cast):
    case = make_case("accepted")
    client = verified_client(cast["reviewer"])
    page = client.get(f"/workbench/cases/{case.pk}/").content.decode()
    assert 'name="take"' in page and 'data-form="assign"' not in page
    client.post(f"/workbench/cases/{case.pk}/assign/", {"take": "1"})
    case.refresh_from_db()
    assert case.assignee == cast["reviewer"]
