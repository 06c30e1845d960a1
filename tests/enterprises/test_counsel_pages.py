"""The workbench pages of the guidance work through HTTP: the panel on the enterprise page,
counselling and joint handling records, and the key enterprises with their liaison officers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import RequestFactory
from django.utils import timezone

from jubao.enterprises.counsel import counselling_add
from jubao.enterprises.counsel_views import counsel_panel
from jubao.enterprises.models import Counselling, JointHandling
from tests.enterprises.counsel_fixtures import *  # noqa: F403
from tests.enterprises.counsel_fixtures import NOTES, enterprise_make

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _yesterday() -> str:
    return (timezone.localdate() - dt.timedelta(days=1)).isoformat()


def _counselling_url(enterprise) -> str:
    return f"/workbench/enterprises/{enterprise.pk}/counselling/"


def test_the_panel_context_for_guides_and_others(rf: RequestFactory, staff, enterprise):
    request = rf.get("/")
    request.user = staff["intake"]
    counselling_add(
        user=staff["intake"],
        enterprise=enterprise,
        held_on=timezone.localdate(),
        topic="证据",
        notes=NOTES,
    )
    panel = counsel_panel(request, enterprise)["counsel"]
    assert panel["may_guide"] and panel["form"] is not None
    assert [r.topic for r in panel["counselling"]] == ["证据"]
    assert panel["joint_form"] is None  # the enterprise has no case yet
    request.user = staff["reviewer"]
    panel = counsel_panel(request, enterprise)["counsel"]
    assert not panel["may_guide"] and panel["form"] is None and panel["counselling"] == []


def test_counselling_is_added_from_the_panel(staff_client, staff, enterprise):
    client = staff_client(staff["intake"])
    page = client.get(_counselling_url(enterprise)).content.decode()
    assert 'data-counsel="counselling-form"' in page
    response = client.post(
        _counselling_url(enterprise), {"held_on": _yesterday(), "topic": "证据要求", "notes": NOTES}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/workbench/enterprises/{enterprise.pk}/"
    record = Counselling.objects.get()
    assert (record.staff, record.topic) == (staff["intake"], "证据要求")
    page = client.get(_counselling_url(enterprise)).content.decode()
    assert f'data-counselling="{record.pk}"' in page
    # Staff notes are text: their markup is escaped.
    assert "&lt;b&gt;企业法务&lt;/b&gt;" in page and "<b>企业法务</b>" not in page


def test_the_enterprise_page_includes_the_panel(staff_client, staff, enterprise):
    counselling_add(
        user=staff["intake"],
        enterprise=enterprise,
        held_on=timezone.localdate(),
        topic="证据要求",
        notes=NOTES,
    )
    response = staff_client(staff["intake"]).get(f"/workbench/enterprises/{enterprise.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-counsel="panel"' in page and "证据要求" in page
    assert f'action="/workbench/enterprises/{enterprise.pk}/counselling/"' in page


def test_a_bad_counselling_post_is_shown_again_with_the_error(staff_client, staff, enterprise):
    client = staff_client(staff["intake"])
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = client.post(
        _counselling_url(enterprise), {"held_on": future, "topic": "证据", "notes": NOTES}, **EN
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The date cannot be in the future." in page and 'class="error"' in page
    response = client.post(_counselling_url(enterprise), {"held_on": _yesterday(), "topic": ""})
    assert response.status_code == 400
    assert not Counselling.objects.exists()


def test_outsiders_and_other_roles_do_not_counsel(staff_client, staff, enterprise):
    body = {"held_on": _yesterday(), "topic": "证据", "notes": NOTES}
    assert (
        staff_client(staff["gd_intake"]).post(_counselling_url(enterprise), body).status_code == 404
    )
    assert (
        staff_client(staff["reviewer"]).post(_counselling_url(enterprise), body).status_code == 403
    )
    assert not Counselling.objects.exists()


def test_joint_handling_is_added_for_a_case_of_the_enterprise(
    staff_client, staff, enterprise, enterprise_case, file_report
):
    other = file_report(account=staff["citizen"]).case
    client = staff_client(staff["supervisor"])
    url = f"/workbench/enterprises/{enterprise.pk}/joint/"
    page = client.get(_counselling_url(enterprise)).content.decode()
    assert 'data-counsel="joint-form"' in page and enterprise_case.reference in page
    assert other.reference not in page
    body = {"department": "法务部", "held_on": _yesterday(), "notes": "共同核实"}
    response = client.post(url, {**body, "case": other.pk})
    assert response.status_code == 400
    assert not JointHandling.objects.exists()
    response = client.post(url, {**body, "case": enterprise_case.pk})
    assert response.status_code == 302
    record = JointHandling.objects.get()
    assert (record.case, record.department, record.by) == (
        enterprise_case,
        "法务部",
        staff["supervisor"],
    )
    page = client.get(_counselling_url(enterprise)).content.decode()
    assert f'data-joint="{record.pk}"' in page
    assert f'href="/workbench/cases/{enterprise_case.pk}/"' in page


def test_the_liaison_list_shows_the_verified_key_enterprises(
    staff_client, staff, enterprise, make_user, offices
):
    enterprise.liaison = staff["xihu_intake"]
    enterprise.save(update_fields=["liaison"])
    pending = enterprise_make(make_user, offices["330106"], n=2, status="pending")
    plain = enterprise_make(make_user, offices["330106"], n=3, key_types=())
    guangdong = enterprise_make(make_user, offices["440000"], n=4)
    response = staff_client(staff["intake"]).get("/workbench/enterprises/liaison/", **EN)
    page = response.content.decode()
    assert response.status_code == 200
    assert f'data-enterprise="{enterprise.pk}"' in page and enterprise.name in page
    assert "Listed company" in page and "Xihu District, Hangzhou" in page
    assert f'<option value="{staff["xihu_intake"].pk}" selected>' in page
    for hidden in (pending, plain, guangdong):
        assert f'data-enterprise="{hidden.pk}"' not in page
    assert f'<option value="{staff["nb_intake"].pk}"' not in page
    assert staff_client(staff["reviewer"]).get("/workbench/enterprises/liaison/").status_code == 403


def test_the_liaison_is_set_from_the_list(staff_client, staff, enterprise):
    client = staff_client(staff["supervisor"])
    url = f"/workbench/enterprises/liaison/{enterprise.pk}/"
    response = client.post(url, {"liaison": staff["hz_reviewer"].pk})
    assert response.status_code == 302
    assert response["Location"] == "/workbench/enterprises/liaison/"
    enterprise.refresh_from_db()
    assert enterprise.liaison == staff["hz_reviewer"]
    response = client.post(url, {"liaison": staff["nb_intake"].pk}, **EN)
    assert response.status_code == 400
    assert "The liaison officer was not changed." in response.content.decode()
    enterprise.refresh_from_db()
    assert enterprise.liaison == staff["hz_reviewer"]
    assert client.post(url, {"liaison": ""}).status_code == 302
    enterprise.refresh_from_db()
    assert enterprise.liaison is None
    far = staff_client(staff["gd_intake"])
    assert far.post(url, {"liaison": staff["gd_intake"].pk}).status_code == 404


def test_signed_out_users_are_sent_to_sign_in(client, enterprise):
    for url in ("/workbench/enterprises/liaison/", _counselling_url(enterprise)):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
