"""Overdue and nearly overdue cases: the supervision list, the supervisors' notice, the timer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from jubao.accounts.models import Role
from jubao.cases.clocks import clocks_refresh, clocks_start
from jubao.cases.models import Case
from jubao.cases.selectors import supervision_list
from jubao.cases.services import case_transition, cases_watch
from jubao.cases.workflow import SYSTEM, Move
from jubao.catalogue import Stage
from jubao.errors import DomainError
from jubao.ledger.models import LedgerEntry
from jubao.ledger.services import obj_ref
from jubao.notify.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Refusals are matched on their English text, whatever language an earlier test left."""
    with translation.override("en"):
        yield


def _started(case: Case, ago: timedelta, *stages: Stage) -> Case:
    """Give `case` running clocks started `ago` (and the due and warning marks they imply)."""
    case.clocks = clocks_start(case.item_code, stages or (Stage.OVERALL,), timezone.now() - ago)
    clocks_refresh(case)
    case.save(update_fields=["clocks", "due_at", "warn_at", "overdue_notified_at"])
    return case


def test_the_list_holds_overdue_then_warned_cases_of_the_jurisdiction(make_case, cast, offices):
    overdue = _started(make_case("accepted"), timedelta(days=30))
    # Acceptance on the cyber-violence track has 12 hours: 10 hours in, 75 % is used.
    warned = _started(make_case("accepted"), timedelta(hours=10), Stage.ACCEPTANCE)
    fine = _started(make_case("accepted"), timedelta(0))
    finished = _started(make_case("closed"), timedelta(days=30))
    elsewhere = _started(make_case("accepted"), timedelta(days=30))
    elsewhere.jurisdiction = offices["440000"]
    elsewhere.save(update_fields=["jurisdiction"])
    assert warned.warn_at <= timezone.now() < warned.due_at
    listed = list(supervision_list(cast["supervisor"]))
    assert listed == [overdue, warned]
    assert fine not in listed and finished not in listed


def test_the_watch_tells_the_supervisors_once_and_records_it(make_case, cast, make_user):
    cast["supervisor"].email = "sup@office.example"
    cast["supervisor"].save()
    far = make_user("gd_sup", Role.SUPERVISOR, office="440000")
    far.email = "far@office.example"
    far.save()
    case = _started(make_case("accepted"), timedelta(days=30))
    result = cases_watch()
    assert result.reported == [case.reference]
    sent = Message.objects.filter(subject__contains=case.reference)
    assert [m.channel for m in sent] == ["email"]  # the Guangdong supervisor is not told
    assert LedgerEntry.objects.filter(action="case.overdue", ref=obj_ref(case)).exists()
    assert cases_watch().reported == []
    assert Message.objects.filter(subject__contains=case.reference).count() == 1


def test_a_new_deadline_that_passes_is_reported_again(make_case, cast):
    case = _started(make_case("accepted"), timedelta(days=30))
    cases_watch()
    _started(case, timedelta(days=60), Stage.REVIEW)
    assert cases_watch().reported == [case.reference]


def test_the_watch_closes_cases_whose_proof_did_not_arrive(make_case, client):
    case = make_case("awaiting_proof")  # its wait for the proof ran out long ago
    case.save()
    clocks_refresh(case)
    case.save(update_fields=["due_at", "warn_at"])
    call_command("cases", "watch")
    case.refresh_from_db()
    assert case.status == "closed"
    assert case.history.last().move == Move.PROOF_TIMEOUT
    assert case.history.last().actor is None


def test_the_case_is_not_closed_while_the_reporter_still_has_time(make_case, cast):
    case = make_case("awaiting_proof")
    case.clocks = clocks_start(case.item_code, (Stage.SUPPLEMENT_WAIT,), timezone.now())
    clocks_refresh(case)
    case.save()
    with pytest.raises(DomainError, match="not run out"):
        case_transition(case=case, move=Move.PROOF_TIMEOUT, actor=SYSTEM)
    assert cases_watch().timed_out == []
    case.refresh_from_db()
    assert case.status == "awaiting_proof"


def test_the_supervision_page_is_for_supervisors(verified_client, cast, make_case):
    case = _started(make_case("accepted"), timedelta(days=30))
    page = verified_client(cast["supervisor"]).get("/workbench/cases/supervision/")
    assert page.status_code == 200
    assert case.reference in page.content.decode()
    assert 'data-clock="overdue"' in page.content.decode()


def test_the_supervision_page_is_refused_to_intake(verified_client, cast):
    assert verified_client(cast["intake"]).get("/workbench/cases/supervision/").status_code == 403


def test_the_case_page_shows_every_clock(verified_client, cast, make_case):
    case = _started(make_case("accepted"), timedelta(days=30), Stage.ACCEPTANCE, Stage.OVERALL)
    page = verified_client(cast["intake"]).get(f"/workbench/cases/{case.pk}/").content.decode()
    assert 'data-stage="acceptance" data-state="overdue"' in page
    assert 'data-stage="overall" data-state="overdue"' in page


def test_the_menu_offers_supervision_only_to_those_allowed(verified_client, cast, client):
    page = verified_client(cast["supervisor"]).get("/workbench/cases/").content.decode()
    assert 'href="/workbench/cases/supervision/"' in page
    client.logout()
    page = verified_client(cast["intake"]).get("/workbench/cases/").content.decode()
    assert '<li><a href="/workbench/cases/supervision/">' not in page


def test_the_demo_walks_a_case_to_its_platform(offices):
    from jubao.accounts import demo as accounts_demo
    from jubao.cases import demo as cases_demo
    from jubao.intake import demo as intake_demo
    from jubao.platforms.models import Transfer

    accounts_demo.load()
    intake_demo.load()
    reference = cases_demo.load()
    case = Case.objects.get(reference=reference)
    assert case.status == "disposing" and case.platform.name == cases_demo.DEMO_PLATFORM
    assert Transfer.objects.filter(case=case).exists()
    assert cases_demo.load() is None or cases_demo.load() != reference
