"""The case workbench through HTTP: queue by jurisdiction, case page, moves as forms."""

from __future__ import annotations

import pytest

from jubao.accounts.models import Role
from tests.cases.conftest import tier1_measure

pytestmark = pytest.mark.django_db


def test_the_queue_shows_only_cases_of_the_jurisdiction(
    verified_client, make_user, make_case, offices
):
    zhejiang = make_case("pending")
    guangdong = make_case("pending")
    guangdong.jurisdiction = offices["440000"]
    guangdong.save(update_fields=["jurisdiction"])
    client = verified_client(make_user("zj_clerk", Role.INTAKE, office="330000"))
    page = client.get("/workbench/cases/").content.decode()
    assert zhejiang.reference in page
    assert guangdong.reference not in page
    assert client.get(f"/workbench/cases/{guangdong.pk}/").status_code == 404


def test_moves_are_forms_that_call_the_service(verified_client, cast, make_case):
    case = make_case("pending")
    intake = verified_client(cast["intake"])
    page = intake.get(f"/workbench/cases/{case.pk}/").content.decode()
    assert 'data-move="accept"' in page and 'data-move="judge"' not in page
    assert intake.post(f"/workbench/cases/{case.pk}/move/accept/").status_code == 302
    case.refresh_from_db()
    assert case.status == "accepted"


def test_a_refused_move_shows_the_error_and_changes_nothing(verified_client, cast, make_case):
    case = make_case("judged")
    client = verified_client(cast["reviewer"])
    response = client.post(
        f"/workbench/cases/{case.pk}/move/propose_disposal/",
        {"measure": tier1_measure(), "reasons": "x"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "Your role may not make this move" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "judged"


def test_an_auditor_reads_but_cannot_act(verified_client, make_user, make_case):
    case = make_case("pending")
    auditor = verified_client(make_user("aud", Role.AUDITOR))
    assert auditor.get(f"/workbench/cases/{case.pk}/").status_code == 200
    assert auditor.post(f"/workbench/cases/{case.pk}/move/accept/").status_code == 403
