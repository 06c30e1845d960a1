"""The guidance work services: each checks the policy, the jurisdiction and its input, and writes
one ledger entry that holds ids only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jubao.accounts.services import role_grant
from jubao.enterprises import counsel
from jubao.enterprises.counsel import (
    counselling_add,
    guidance_create,
    guidance_publish,
    guidance_unpublish,
    joint_handling_add,
    key_enterprises,
    liaison_candidates,
    liaison_set,
)
from jubao.enterprises.models import Counselling, Enterprise, JointHandling
from jubao.errors import DomainError, Forbidden, NotFound
from jubao.ledger.models import LedgerEntry
from jubao.ledger.verify import ledger_verify
from tests.enterprises.counsel_fixtures import *  # noqa: F403
from tests.enterprises.counsel_fixtures import NOTES, enterprise_make

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 2)


@pytest.fixture
def ledger_calls(monkeypatch) -> list[dict]:
    """Every ledger_append call of the guidance services, passed on to the real ledger."""
    calls: list[dict] = []
    real = counsel.ledger_append

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(counsel, "ledger_append", spy)
    return calls


def _yesterday() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=1)


def _counsel(user, enterprise, **overrides) -> Counselling:
    fields = {"held_on": _yesterday(), "topic": "举报证据要求", "notes": NOTES}
    fields.update(overrides)
    return counselling_add(user=user, enterprise=enterprise, **fields)


# --- counselling ----------------------------------------------------------------------------


def test_counselling_is_recorded_with_a_ledger_entry_of_ids_only(staff, enterprise, ledger_calls):
    record = _counsel(staff["intake"], enterprise, topic="  举报证据要求 ")
    assert (record.enterprise, record.staff, record.topic) == (
        enterprise,
        staff["intake"],
        "举报证据要求",
    )
    assert ledger_calls == [
        {
            "actor": f"user:{staff['intake'].pk}",
            "action": "enterprise.counselling",
            "ref": f"enterprises.counselling:{record.pk}",
            "payload": {"enterprise": enterprise.pk},
        }
    ]
    assert ledger_verify().ok


def test_county_and_city_staff_of_the_enterprise_record_counselling(staff, enterprise):
    _counsel(staff["xihu_intake"], enterprise)
    assert Counselling.objects.count() == 1


@pytest.mark.parametrize("who", ["gd_intake", "nb_intake", "binjiang_intake"])
def test_staff_of_other_jurisdictions_do_not_find_the_enterprise(staff, enterprise, who):
    with pytest.raises(NotFound):
        _counsel(staff[who], enterprise)
    assert not Counselling.objects.exists()


@pytest.mark.parametrize("who", ["reviewer", "citizen"])
def test_other_roles_may_not_counsel(staff, enterprise, who):
    with pytest.raises(Forbidden):
        _counsel(staff[who], enterprise)


def test_the_enterprise_contact_may_not_counsel_itself(enterprise):
    with pytest.raises(Forbidden):
        _counsel(enterprise.contact, enterprise)


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"held_on": None}, "held_on", "required"),
        ({"held_on": timezone.localdate() + dt.timedelta(days=2)}, "held_on", "future"),
        ({"topic": "   "}, "topic", "required"),
        ({"topic": "话" * 201}, "topic", "too_long"),
        ({"notes": ""}, "notes", "required"),
        ({"notes": "字" * 5001}, "notes", "too_long"),
    ],
)
def test_counselling_input_is_checked(staff, enterprise, overrides, field, code):
    with pytest.raises(DomainError) as exc:
        _counsel(staff["intake"], enterprise, **overrides)
    assert (exc.value.field, exc.value.code) == (field, code)
    assert str(exc.value.message)
    assert not Counselling.objects.exists()
    assert not LedgerEntry.objects.filter(action="enterprise.counselling").exists()


def test_an_unverified_enterprise_is_not_counselled(staff, make_user, offices):
    pending = enterprise_make(make_user, offices["330106"], n=2, status="pending")
    with pytest.raises(DomainError) as exc:
        _counsel(staff["intake"], pending)
    assert exc.value.code == "not_verified"


# --- liaison --------------------------------------------------------------------------------


def test_the_key_enterprises_are_the_verified_key_ones_of_the_jurisdiction(
    staff, enterprise, make_user, offices
):
    enterprise_make(make_user, offices["330106"], n=2, status="pending")
    enterprise_make(make_user, offices["330106"], n=3, key_types=())
    ningbo = enterprise_make(make_user, offices["330200"], n=4, key_types=["high_tech"])
    assert list(key_enterprises(staff["intake"])) == [enterprise, ningbo]
    assert list(key_enterprises(staff["xihu_intake"])) == [enterprise]
    assert list(key_enterprises(staff["nb_intake"])) == [ningbo]
    assert list(key_enterprises(staff["gd_intake"])) == []
    assert list(key_enterprises(staff["reviewer"])) == []


def test_liaison_candidates_are_office_staff_who_can_see_the_enterprise(staff, enterprise):
    everyone = set(liaison_candidates(staff["intake"], enterprise))
    assert everyone == {
        staff["intake"],
        staff["supervisor"],
        staff["reviewer"],
        staff["hz_reviewer"],
        staff["xihu_intake"],
    }
    # A county officer appoints only within the county.
    assert set(liaison_candidates(staff["xihu_intake"], enterprise)) == {staff["xihu_intake"]}
    assert not liaison_candidates(staff["gd_intake"], enterprise).exists()


def test_the_supervisor_sets_and_removes_the_liaison(staff, enterprise, ledger_calls):
    changed = liaison_set(
        user=staff["supervisor"], enterprise=enterprise, liaison=staff["hz_reviewer"]
    )
    assert changed.liaison == staff["hz_reviewer"]
    enterprise.refresh_from_db()
    assert enterprise.liaison == staff["hz_reviewer"]
    liaison_set(user=staff["intake"], enterprise=enterprise, liaison=None)
    enterprise.refresh_from_db()
    assert enterprise.liaison is None
    assert [(c["action"], c["payload"]) for c in ledger_calls] == [
        ("enterprise.liaison", {"liaison": f"user:{staff['hz_reviewer'].pk}", "previous": None}),
        ("enterprise.liaison", {"liaison": None, "previous": f"user:{staff['hz_reviewer'].pk}"}),
    ]
    assert ledger_calls[0]["ref"] == f"enterprises.enterprise:{enterprise.pk}"


def test_setting_the_same_liaison_again_changes_nothing(staff, enterprise, ledger_calls):
    liaison_set(user=staff["intake"], enterprise=enterprise, liaison=staff["intake"])
    liaison_set(user=staff["intake"], enterprise=enterprise, liaison=staff["intake"])
    assert len(ledger_calls) == 1


@pytest.mark.parametrize("who", ["nb_intake", "gd_intake", "binjiang_intake", "citizen"])
def test_the_liaison_must_be_office_staff_covering_the_enterprise(staff, enterprise, who):
    with pytest.raises(DomainError) as exc:
        liaison_set(user=staff["supervisor"], enterprise=enterprise, liaison=staff[who])
    assert (exc.value.field, exc.value.code) == ("liaison", "not_staff")
    enterprise.refresh_from_db()
    assert enterprise.liaison is None


def test_the_enterprise_contact_and_inactive_staff_are_no_liaison(staff, enterprise):
    for user in (enterprise.contact, staff["reviewer"]):
        user.is_active = user is not staff["reviewer"]
        user.save(update_fields=["is_active"])
        with pytest.raises(DomainError) as exc:
            liaison_set(user=staff["intake"], enterprise=enterprise, liaison=user)
        assert exc.value.code == "not_staff"


def test_a_citizen_granted_an_office_role_becomes_a_candidate(staff, enterprise, offices):
    citizen = staff["citizen"]
    citizen.office = offices["330100"]
    citizen.save(update_fields=["office"])
    role_grant(actor="system", user=citizen, role="disposal")
    liaison_set(user=staff["intake"], enterprise=enterprise, liaison=citizen)


def test_only_guides_of_the_jurisdiction_set_the_liaison(staff, enterprise):
    with pytest.raises(Forbidden):
        liaison_set(user=staff["reviewer"], enterprise=enterprise, liaison=staff["reviewer"])
    with pytest.raises(NotFound):
        liaison_set(user=staff["gd_intake"], enterprise=enterprise, liaison=None)


def test_only_verified_key_enterprises_have_a_liaison(staff, make_user, offices):
    plain = enterprise_make(make_user, offices["330106"], n=2, key_types=())
    pending = enterprise_make(make_user, offices["330106"], n=3, status="pending")
    with pytest.raises(DomainError) as exc:
        liaison_set(user=staff["intake"], enterprise=plain, liaison=staff["intake"])
    assert exc.value.code == "not_key"
    with pytest.raises(DomainError) as exc:
        liaison_set(user=staff["intake"], enterprise=pending, liaison=staff["intake"])
    assert exc.value.code == "not_verified"
    assert not Enterprise.objects.filter(liaison__isnull=False).exists()


# --- guidance -------------------------------------------------------------------------------


def _write(user, **overrides):
    fields = {
        "kind": "guidance",
        "title": "企业如何举报仿冒账号",
        "summary": "准备哪些证明材料。",
        "body": "第一段。\n\n第二段。",
    }
    fields.update(overrides)
    return guidance_create(user=user, **fields)


def test_guidance_is_written_published_and_taken_off(staff, ledger_calls):
    draft = _write(staff["intake"])
    assert draft.published_at is None and draft.author == staff["intake"]
    published = guidance_publish(user=staff["supervisor"], guidance=draft)
    assert published.published_at is not None
    with pytest.raises(DomainError) as exc:
        guidance_publish(user=staff["supervisor"], guidance=draft)
    assert exc.value.code == "published"
    withdrawn = guidance_unpublish(user=staff["supervisor"], guidance=draft)
    assert withdrawn.published_at is None
    with pytest.raises(DomainError) as exc:
        guidance_unpublish(user=staff["intake"], guidance=draft)
    assert exc.value.code == "not_published"
    assert [(c["action"], c["payload"]) for c in ledger_calls] == [
        ("guidance.create", {"kind": "guidance"}),
        ("guidance.publish", {"kind": "guidance"}),
        ("guidance.unpublish", {"kind": "guidance"}),
    ]
    assert {c["ref"] for c in ledger_calls} == {f"enterprises.guidance:{draft.pk}"}
    assert ledger_verify().ok


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"kind": "news"}, "kind", "kind"),
        ({"title": ""}, "title", "required"),
        ({"summary": " "}, "summary", "required"),
        ({"summary": "字" * 401}, "summary", "too_long"),
        ({"body": ""}, "body", "required"),
    ],
)
def test_guidance_input_is_checked(staff, overrides, field, code):
    with pytest.raises(DomainError) as exc:
        _write(staff["intake"], **overrides)
    assert (exc.value.field, exc.value.code) == (field, code)


def test_guidance_is_managed_within_the_authors_jurisdiction(staff):
    draft = _write(staff["xihu_intake"])
    with pytest.raises(NotFound):
        guidance_publish(user=staff["gd_intake"], guidance=draft)
    with pytest.raises(NotFound):
        guidance_publish(user=staff["binjiang_intake"], guidance=draft)
    with pytest.raises(Forbidden):
        guidance_publish(user=staff["reviewer"], guidance=draft)
    with pytest.raises(Forbidden):
        _write(staff["reviewer"])
    provincial = _write(staff["intake"])
    with pytest.raises(NotFound):  # a county officer does not take the province's off
        guidance_publish(user=staff["xihu_intake"], guidance=provincial)
    guidance_publish(user=staff["intake"], guidance=draft)


# --- joint handling -------------------------------------------------------------------------


def _joint(user, enterprise, case, **overrides) -> JointHandling:
    fields = {"department": "法务部", "held_on": _yesterday(), "notes": "与法务部共同核实仿冒账号"}
    fields.update(overrides)
    return joint_handling_add(user=user, enterprise=enterprise, case_pk=case.pk, **fields)


def test_joint_handling_is_recorded_on_a_case_of_the_enterprise(
    staff, enterprise, enterprise_case, ledger_calls
):
    record = _joint(staff["supervisor"], enterprise, enterprise_case)
    assert (record.case, record.enterprise, record.by) == (
        enterprise_case,
        enterprise,
        staff["supervisor"],
    )
    assert ledger_calls == [
        {
            "actor": f"user:{staff['supervisor'].pk}",
            "action": "enterprise.joint_handling",
            "ref": f"enterprises.jointhandling:{record.pk}",
            "payload": {"enterprise": enterprise.pk, "case": enterprise_case.pk},
        }
    ]


def test_a_case_the_enterprise_did_not_report_is_refused(staff, enterprise, file_report):
    other = file_report(account=staff["citizen"]).case
    anonymous = file_report().case
    for case in (other, anonymous):
        with pytest.raises(DomainError) as exc:
            _joint(staff["intake"], enterprise, case)
        assert (exc.value.field, exc.value.code) == ("case", "not_enterprise_case")
    assert not JointHandling.objects.exists()


def test_a_case_outside_the_jurisdiction_is_not_found(staff, enterprise, file_report):
    # The Xihu officer sees the enterprise, but not a case of the province's own office.
    case = file_report(account=enterprise.contact, office="330000").case
    with pytest.raises(NotFound):
        _joint(staff["xihu_intake"], enterprise, case)
    with pytest.raises(NotFound):
        joint_handling_add(
            user=staff["intake"],
            enterprise=enterprise,
            case_pk=case.pk + 1000,
            department="法务部",
            held_on=_yesterday(),
            notes="x",
        )


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"department": ""}, "department", "required"),
        ({"held_on": timezone.localdate() + dt.timedelta(days=1)}, "held_on", "future"),
        ({"notes": " "}, "notes", "required"),
    ],
)
def test_joint_handling_input_is_checked(
    staff, enterprise, enterprise_case, overrides, field, code
):
    with pytest.raises(DomainError) as exc:
        _joint(staff["intake"], enterprise, enterprise_case, **overrides)
    assert (exc.value.field, exc.value.code) == (field, code)


def test_joint_handling_needs_the_policy(staff, enterprise, enterprise_case):
    with pytest.raises(Forbidden):
        _joint(staff["reviewer"], enterprise, enterprise_case)


def test_joint_records_show_only_on_cases_the_user_sees(staff, enterprise, file_report):
    xihu_case = file_report(account=enterprise.contact, office="330106").case
    province_case = file_report(account=enterprise.contact, office="330000").case
    _joint(staff["intake"], enterprise, xihu_case)
    _joint(staff["intake"], enterprise, province_case)
    assert counsel.joint_handling_of(staff["intake"], enterprise).count() == 2
    assert [j.case for j in counsel.joint_handling_of(staff["xihu_intake"], enterprise)] == [
        xihu_case
    ]
    assert list(counsel.enterprise_cases(staff["xihu_intake"], enterprise)) == [xihu_case]
