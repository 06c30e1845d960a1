"""The access policies: roles, jurisdiction scope, and every workbench view guarded."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from jubao.accounts.models import Office, Role
from jubao.accounts.policies import POLICIES, approver_level, has_role, policy

pytestmark = pytest.mark.django_db


def test_scope_limits_a_provincial_clerk_to_offices_below(make_user):
    clerk = make_user("zj", Role.INTAKE, office="330000")
    seen = policy("offices.view").scope(clerk, Office.objects.all(), "")
    codes = set(seen.values_list("code", flat=True))
    assert "330106" in codes
    assert "330000" in codes
    assert "440300" not in codes
    assert "000000" not in codes


def test_central_staff_see_every_office(make_user):
    central = make_user("c", Role.INTAKE, office="000000")
    seen = policy("offices.view").scope(central, Office.objects.all(), "")
    assert seen.count() == Office.objects.count()


def test_a_user_without_the_role_sees_nothing(make_user):
    citizen = make_user("n", Role.CITIZEN, office=None)
    assert policy("offices.view").scope(citizen, Office.objects.all(), "").count() == 0


def test_roles_and_levels(make_user):
    user = make_user("ap", Role.APPROVER, level=3)
    assert has_role(user, Role.APPROVER)
    assert not has_role(user, Role.REVIEWER)
    assert approver_level(user) == 3


def test_every_workbench_url_is_guarded_by_a_known_policy():
    """A new workbench page without a policy fails here."""

    def walk(patterns, prefix=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield prefix + str(entry.pattern), entry.callback

    for route, view in walk(get_resolver().url_patterns):
        if route.startswith("workbench"):
            action = getattr(view, "jubao_policy", None)
            assert action in POLICIES, f"/{route} has no access policy"
