"""Fixtures of the guidance work tests (imported by test_counsel*.py and test_guidance*.py):
staff of several offices, a verified key enterprise of Hangzhou's Xihu district, and a case with
a report filed by the enterprise's contact."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from jubao.accounts.models import Office, Role, User
from jubao.cases.models import Case
from jubao.enterprises.models import Enterprise
from jubao.intake.models import Report

# The fixtures; test modules take them with `from ... import *`.
__all__ = ["_urls", "enterprise", "enterprise_case", "file_report", "staff"]

NOTES = "讲解了侵权举报的证据要求，<b>企业法务</b>提出了关于仿冒账号的问题。"


@pytest.fixture(autouse=True)
def _urls(easy_pow_and_no_rate_limits) -> None:
    """Cheap challenges for the reports filed here."""


@pytest.fixture
def staff(make_user) -> dict[str, User]:
    """Guides (intake, supervisor) of Zhejiang, Hangzhou and Xihu; other staff around them."""
    return {
        "intake": make_user("zj_intake", Role.INTAKE),
        "supervisor": make_user("zj_supervisor", Role.SUPERVISOR),
        "reviewer": make_user("zj_reviewer", Role.REVIEWER),  # no enterprises.guide
        "hz_reviewer": make_user("hz_reviewer", Role.REVIEWER, office="330100"),
        "xihu_intake": make_user("xihu_intake", Role.INTAKE, office="330106"),
        "binjiang_intake": make_user("binjiang_intake", Role.INTAKE, office="330108"),
        "nb_intake": make_user("nb_intake", Role.INTAKE, office="330200"),
        "gd_intake": make_user("gd_intake", Role.INTAKE, office="440000"),
        "citizen": make_user("a_citizen", Role.CITIZEN, office=None),
    }


def enterprise_make(
    make_user, office: Office, *, n: int = 1, status: str = "verified", key_types=("listed",)
) -> Enterprise:
    contact = make_user(f"ent{n}", Role.ENTERPRISE, office=None)
    return Enterprise.objects.create(
        name=f"杭州金丝雀科技有限公司{n}",
        uscc=f"91330106MA2XXXXX{n:02d}",
        office=office,
        contact=contact,
        status=status,
        key_types=list(key_types),
    )


@pytest.fixture
def enterprise(make_user, offices) -> Enterprise:
    """A verified listed company registered in Hangzhou's Xihu district."""
    return enterprise_make(make_user, offices["330106"])


@pytest.fixture
def file_report(client: Client, report_body, offices) -> Callable[..., Report]:
    """File a report through the API; with `account`, as if that user filed it."""

    def file(account: User | None = None, office: str = "330000") -> Report:
        url = f"https://xinghe.example/p/{Report.objects.count() + 1}"
        body = report_body(
            targets=[{"url": url, "platform": "星河社区", "excerpt": "仿冒某科技官方账号"}]
        )
        response = client.post("/api/v1/reports", body, content_type="application/json")
        assert response.status_code == 201, response.content
        filed = Report.objects.order_by("-pk").first()
        assert filed is not None
        Report.objects.filter(pk=filed.pk).update(account=account)
        Case.objects.filter(pk=filed.case_id).update(jurisdiction=offices[office])
        return Report.objects.select_related("case").get(pk=filed.pk)

    return file


@pytest.fixture
def enterprise_case(enterprise, file_report) -> Case:
    """A case of Zhejiang with a report filed by the enterprise's contact."""
    return file_report(account=enterprise.contact).case
