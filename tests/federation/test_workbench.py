"""The federation page: peers, messages, late hops, shared cases and rolled-up figures, for
supervisors and auditors only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jubao.accounts.models import Role
from jubao.federation.jobs import rollup_send
from jubao.federation.models import OutMessage, RolledUpFigure

pytestmark = pytest.mark.django_db


def test_supervisors_see_peers_and_figures_rolled_up_from_below(
    settings, send, guangdong, make_user, staff_client
):
    settings.JUBAO_OFFICE_CODE = "000000"
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    body = {
        "sent": timezone.now().isoformat(),
        "days": {yesterday: {"received": 7, "answered": 2, "forwarded": 1}},
    }
    assert send(guangdong, guangdong.envelope("figures.rollup", body)).status_code == 200
    older = {**body, "sent": (timezone.now() - dt.timedelta(hours=1)).isoformat()}
    older["days"] = {yesterday: {"received": 1}}
    send(guangdong, guangdong.envelope("figures.rollup", older))  # late: does not replace
    assert RolledUpFigure.objects.get().figures["received"] == 7
    supervisor = make_user("sup_fed", Role.SUPERVISOR, office="000000")
    page = staff_client(supervisor).get("/workbench/federation/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-peer="440000"' in html and "Below us" in html
    assert '<th scope="row">Reports received</th><td>0</td><td>7</td><td>7</td>' in html


def test_other_staff_may_not_open_it(make_user, staff_client, offices):
    clerk = make_user("clerk_fed", Role.INTAKE)
    assert staff_client(clerk).get("/workbench/federation/").status_code == 403


def test_figures_roll_up_to_the_instance_above(central, guangdong):
    message = rollup_send(force=True)
    assert message is not None and message.peer == central.peer
    assert rollup_send() is None  # not again within the interval
    assert OutMessage.objects.filter(kind="figures.rollup").count() == 1


def test_the_identity_command_and_peer_registration(central):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("federation", "key", stdout=out)
    assert '"code": "330000"' in out.getvalue()
    out = StringIO()
    call_command("federation", "peer-list", stdout=out)
    assert out.getvalue().startswith("000000\tparent\tenabled")
