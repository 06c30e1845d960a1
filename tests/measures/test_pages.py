"""The measures panel and the blacklist page through HTTP, as staff use them."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from jubao.measures.lifecycle import label_response_submit
from jubao.measures.models import BlacklistEntry, Measure, MeasureStatus, ResponseStatus
from jubao.measures.services import measure_applied
from jubao.measures.views import measures_panel
from tests.measures.conftest import T0

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.measures.urls")]


def _act(measure: Measure, verb: str) -> str:
    return f"/workbench/measures/cases/{measure.case_id}/{measure.pk}/{verb}/"


def _panel(user, case) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return render_to_string("measures/_case_panel.html", measures_panel(request, case), request)


def test_the_panel_lists_measures_and_offers_what_each_allows(order, case, cast, auditor):
    private = measure_applied(measure=order("content.private"), at=T0)
    label = measure_applied(measure=order("content.dispute_label"), at=T0)
    label_response_submit(measure=label, text="声明")
    page = _panel(cast["disposal"], case)
    assert f'data-measure="{private.pk}"' in page and f'data-measure="{label.pk}"' in page
    assert _act(private, "extend") in page and _act(private, "proof") in page
    assert _act(label, "review") in page and _act(label, "settle") in page
    # An auditor sees the measures but no forms.
    auditor_page = _panel(auditor, case)
    assert (
        f'data-measure="{private.pk}"' in auditor_page and "data-measure-action" not in auditor_page
    )


def test_staff_extend_then_are_refused_a_second_time(verified_client, order, cast):
    private = measure_applied(measure=order("content.private"), at=T0)
    client = verified_client(cast["disposal"])
    response = client.post(_act(private, "extend"))
    assert response.status_code == 302
    assert response["Location"] == f"/workbench/cases/{private.case_id}/"
    private.refresh_from_db()
    assert private.extensions_used == 1
    again = client.post(_act(private, "extend"), HTTP_ACCEPT_LANGUAGE="en")
    assert again.status_code == 409
    private.refresh_from_db()
    assert private.extensions_used == 1


def _conversion(measure, conversion, verb: str) -> str:
    base = f"/workbench/measures/cases/{measure.case_id}/{measure.pk}"
    return f"{base}/conversions/{conversion.pk}/{verb}/"


def test_staff_record_proof_that_holds(
    verified_client,
    order,
    cast,
    staff_client,
):
    private = measure_applied(measure=order("content.private"), at=T0)
    client = verified_client(cast["disposal"])
    assert client.post(_act(private, "proof"), {"holds": "maybe"}).status_code == 400
    assert client.post(_act(private, "proof"), {"holds": "yes"}).status_code == 302
    private.refresh_from_db()
    assert private.status == MeasureStatus.ACTIVE  # removal waits for approval
    pending = private.conversions.get()
    page = client.get(f"/workbench/cases/{private.case_id}/").content.decode()
    assert f'data-conversion="{pending.pk}"' in page
    # The proposer cannot approve it; another approver can.
    own = client.post(_conversion(private, pending, "approve"), HTTP_ACCEPT_LANGUAGE="en")
    assert own.status_code == 400 and "own proposal" in own.content.decode()
    other = staff_client(cast["approver"])
    assert other.post(_conversion(private, pending, "approve")).status_code == 302
    private.refresh_from_db()
    assert private.status == MeasureStatus.CONVERTED


def test_staff_review_the_statement_and_settle_the_label(verified_client, order, cast):
    label = measure_applied(measure=order("content.dispute_label"), at=T0)
    label_response_submit(measure=label, text="声明")
    client = verified_client(cast["reviewer"])
    refused = client.post(_act(label, "review"), {"decision": "refuse", "note": ""})
    assert refused.status_code == 400
    assert client.post(_act(label, "review"), {"decision": "show"}).status_code == 302
    label.refresh_from_db()
    assert label.response_status == ResponseStatus.SHOWN
    assert client.post(_act(label, "settle"), {"outcome": "remove"}).status_code == 302
    label.refresh_from_db()
    assert label.status == MeasureStatus.ENDED


def test_measures_of_other_cases_and_unknown_actions_are_not_found(verified_client, order, cast):
    private = measure_applied(measure=order("content.private"), at=T0)
    client = verified_client(cast["disposal"])
    wrong_case = f"/workbench/measures/cases/{private.case_id + 1}/{private.pk}/extend/"
    assert client.post(wrong_case).status_code == 404
    assert client.post(_act(private, "delete")).status_code == 404
    assert client.get(_act(private, "extend")).status_code == 405


def test_staff_outside_the_jurisdiction_do_not_reach_the_measure(verified_client, order, make_user):
    from jubao.accounts.models import Role

    private = measure_applied(measure=order("content.private"), at=T0)
    outsider = make_user("gd_disposal", Role.DISPOSAL, office="440000")
    assert verified_client(outsider).post(_act(private, "extend")).status_code == 404


@pytest.fixture
def entry(order) -> BlacklistEntry:
    measure_applied(measure=order("blacklist.account"))
    return BlacklistEntry.objects.get()


def test_the_blacklist_page_shows_short_keys_and_decides_appeals(verified_client, entry, cast):
    client = verified_client(cast["supervisor"])
    page = client.get("/workbench/measures/blacklist/").content.decode()
    assert entry.short_key in page and entry.key not in page
    assert entry.source_cases.get().reference in page and 'data-blacklist="appeal"' in page
    appeal = f"/workbench/measures/blacklist/{entry.pk}/appeal/"
    assert client.post(appeal, {"text": ""}).status_code == 400
    assert client.post(appeal, {"text": "账号被盗"}).status_code == 302
    page = client.get("/workbench/measures/blacklist/").content.decode()
    assert 'data-blacklist="decide"' in page and "账号被盗" in page
    decide = f"/workbench/measures/blacklist/{entry.pk}/decide/"
    assert client.post(decide, {"decision": "dismiss", "note": ""}).status_code == 400
    assert client.post(decide, {"decision": "uphold", "note": "属实"}).status_code == 302
    entry.refresh_from_db()
    assert entry.lifted_at and entry.appeal_status == "upheld"
    assert 'data-in-force="no"' in client.get("/workbench/measures/blacklist/").content.decode()


def test_only_supervisors_and_approvers_manage_the_blacklist(verified_client, entry, cast):
    client = verified_client(cast["reviewer"])
    assert client.get("/workbench/measures/blacklist/").status_code == 403
    appeal = f"/workbench/measures/blacklist/{entry.pk}/appeal/"
    assert client.post(appeal, {"text": "x"}).status_code == 403
    entry.refresh_from_db()
    assert entry.appeal_status == ""


def test_the_blacklist_page_is_limited_to_the_jurisdiction(verified_client, entry, make_user):
    from jubao.accounts.models import Role

    outsider = make_user("gd_super", Role.SUPERVISOR, office="440000")
    client = verified_client(outsider)
    assert entry.short_key not in client.get("/workbench/measures/blacklist/").content.decode()
    decide = f"/workbench/measures/blacklist/{entry.pk}/decide/"
    assert client.post(decide, {"decision": "uphold"}).status_code == 404
