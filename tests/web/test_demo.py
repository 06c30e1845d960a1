"""`jubao demo` builds a living system through the services, and can run again."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from jubao.accounts.models import Role, User
from jubao.cases.models import Case
from jubao.intake.models import Report
from jubao.ledger.verify import ledger_verify

pytestmark = pytest.mark.django_db


def test_demo_creates_one_user_per_role_and_reports(settings):
    settings.JUBAO_POW_MAX_NUMBER = 500
    out = io.StringIO()
    call_command("demo", stdout=out)
    text = out.getvalue()
    for role in Role:
        assert User.objects.filter(role_grants__role=role).exists(), role
    assert "demo-" in text  # passwords are printed
    assert Report.objects.count() >= 7
    assert Report.objects.values("item_code").distinct().count() >= 6
    assert Case.objects.count() < Report.objects.count()  # the same content joined one case
    assert ledger_verify().ok

    call_command("demo", stdout=io.StringIO())  # again: passwords refreshed, nothing doubled
    assert User.objects.filter(username="intake").count() == 1
    assert ledger_verify().ok
