"""Offices, platforms, users and roles through the services."""

from __future__ import annotations

import pytest

from jubao.accounts.models import Office, OfficeLevel, Role, RoleGrant, User
from jubao.accounts.services import platform_create, role_grant, role_revoke, user_create
from jubao.errors import DomainError
from jubao.ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db


def test_the_tree_has_every_provincial_division_and_the_demo_province_cities(offices):
    provinces = Office.objects.filter(level=OfficeLevel.PROVINCE).exclude(code="660000")
    assert provinces.count() == 31
    central = offices["000000"]
    assert all(p.parent == central for p in provinces)
    zhejiang_cities = Office.objects.filter(level=OfficeLevel.CITY, parent=offices["330000"])
    assert zhejiang_cities.count() == 11
    assert offices["330106"].parent == offices["330100"]


def test_scope_prefixes_follow_the_division_codes(offices):
    assert offices["000000"].scope_prefix == ""
    assert offices["330000"].scope_prefix == "33"
    assert offices["330100"].scope_prefix == "3301"
    assert offices["330106"].scope_prefix == "330106"


def test_loading_offices_twice_changes_nothing(offices):
    from jubao.accounts.services import offices_load

    before = Office.objects.count()
    offices_load(actor="system")
    assert Office.objects.count() == before


@pytest.mark.parametrize("icp", ["浙ICP备", "ICP12345678", "浙ICP备12号", "abcICP备12345678号"])
def test_it_refuses_a_malformed_icp_number(offices, icp):
    with pytest.raises(DomainError) as err:
        platform_create(actor="system", name="X", icp_number=icp, jurisdiction=offices["330000"])
    assert err.value.field == "icp_number"


def test_it_refuses_a_second_platform_with_the_same_icp_number(platform, offices):
    with pytest.raises(DomainError) as err:
        platform_create(
            actor="system",
            name="Other",
            icp_number=platform.icp_number,
            jurisdiction=offices["330000"],
        )
    assert err.value.code == "duplicate"


def test_platform_creation_is_recorded(platform):
    assert (
        LedgerEntry.objects.filter(
            action="platform.create", ref=f"accounts.platform:{platform.pk}"
        ).count()
        == 1
    )


@pytest.mark.parametrize("password", ["1qaz2wsx3edc", "woaini1314", "password123", "1234567890"])
def test_it_refuses_common_passwords(offices, password):
    with pytest.raises(DomainError) as err:
        user_create(actor="system", username="weak", password=password)
    assert err.value.field == "password"
    assert not User.objects.filter(username="weak").exists()


def test_approvers_need_a_level_and_only_approvers_have_one(make_user):
    user = make_user("a1")
    with pytest.raises(DomainError):
        role_grant(actor="system", user=user, role=Role.APPROVER, level=0)
    with pytest.raises(DomainError):
        role_grant(actor="system", user=user, role=Role.REVIEWER, level=2)
    role_grant(actor="system", user=user, role=Role.APPROVER, level=2)
    assert RoleGrant.objects.get(user=user).level == 2


def test_the_database_refuses_a_level_on_a_non_approver(make_user):
    from django.db import IntegrityError, transaction

    user = make_user("a2", Role.REVIEWER)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleGrant.objects.filter(user=user).update(level=3)


def test_revoking_a_role_not_held_is_refused(make_user):
    user = make_user("a3")
    with pytest.raises(DomainError):
        role_revoke(actor="system", user=user, role=Role.AUDITOR)
