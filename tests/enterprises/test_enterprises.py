"""The enterprise area: registration, verification, filing, routing, abuse notices and pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from jubao.accounts.models import Role
from jubao.cases.models import Case, Judgement
from jubao.enterprises.models import Enterprise, EnterpriseNotice
from jubao.enterprises.services import (
    Upload,
    enterprise_decide,
    enterprise_register,
    filing_check,
)
from jubao.errors import DomainError, Forbidden
from jubao.intake.drafts import Contact, Draft
from jubao.intake.services import report_submit
from jubao.ledger.models import LedgerEntry
from jubao.ledger.verify import ledger_verify
from jubao.vault.services import vault_open_many
from tests.conftest import PASSWORD
from tests.intake.conftest import png_bytes

pytestmark = pytest.mark.django_db

USCC = "91330106MA2H4K7X09"  # registered in Hangzhou's Xihu district
PASSWORD_ENT = "qiye-mima-2026-安全"
CONTACT, PHONE = "金丝雀法务李四", "13800001111"


@pytest.fixture(autouse=True)
def _easy(easy_pow_and_no_rate_limits):
    """Reports filed here solve cheap challenges and meet no rate limit."""


def _register(**overrides) -> Enterprise:
    fields = dict(
        name="杭州某科技有限公司",
        uscc=USCC,
        key_types=["listed"],
        contact_name=CONTACT,
        phone=PHONE,
        email="",
        password=PASSWORD_ENT,
        licence=Upload("licence.png", png_bytes()),
        attorney=Upload("attorney.png", png_bytes()),
    )
    fields.update(overrides)
    return enterprise_register(**fields)


@pytest.fixture
def registered(offices) -> Enterprise:
    return _register()


@pytest.fixture
def verified(registered, make_user) -> Enterprise:
    intake = make_user("zj_intake", Role.INTAKE)
    enterprise = enterprise_decide(enterprise=registered, by=intake, verify=True)
    enterprise.liaison = make_user("zj_liaison", Role.INTAKE)
    enterprise.save(update_fields=["liaison"])
    return enterprise


def _file(client: Client, enterprise: Enterprise, *, platform: str = "星河社区"):
    from tests.conftest import solve

    host = "xinghe" if platform == "星河社区" else "nanfeng"
    draft = Draft(
        item_code="enterprise.false_info",
        reporter_role="victim",
        description="某账号编造我公司产品致癌的虚假信息，已有第三方检测报告证明产品合格。",
        targets=(
            {
                "url": f"https://{host}.example/p/{timezone.now().timestamp()}",
                "platform": platform,
                "excerpt": "某科技的产品致癌",
            },
        ),
        truthful=True,
        contact=Contact(name=CONTACT, phone=PHONE),
    )
    pow_payload = solve(client.get("/api/v1/challenge").json())
    return report_submit(draft=draft, account=enterprise.contact, pow_payload=pow_payload).report


def test_registration_checks_the_code_and_seals_the_contact(registered, offices):
    assert registered.status == "pending" and registered.office.code in (
        "330106",
        "330100",
        "330000",
    )
    assert registered.contact.username == USCC
    assert set(registered.contact.role_grants.values_list("role", flat=True)) == {"enterprise"}
    assert sorted(registered.documents.values_list("kind", flat=True)) == ["attorney", "licence"]
    sealed = vault_open_many(
        table="enterprises.enterprise", row=registered.vault_ref, fields=["name", "phone"]
    )
    assert sealed == {"name": CONTACT, "phone": PHONE}
    with pytest.raises(DomainError) as exc:
        _register(uscc="91330106MA2H4K7X08")  # wrong check character
    assert exc.value.field == "uscc" and exc.value.code == "invalid"
    with pytest.raises(DomainError) as exc:
        _register(uscc=USCC.lower())
    assert exc.value.code == "duplicate"
    assert LedgerEntry.objects.filter(action="enterprise.register").count() == 1


def test_a_bad_document_refuses_the_whole_registration(offices):
    with pytest.raises(DomainError) as exc:
        _register(attorney=Upload("attorney.png", b"<html>not a picture</html>"))
    assert exc.value.field == "attorney"
    assert not Enterprise.objects.exists()


def test_only_staff_of_its_jurisdiction_verify_and_a_refusal_needs_a_note(registered, make_user):
    with pytest.raises(Forbidden):
        enterprise_decide(
            enterprise=registered, by=make_user("gd", Role.INTAKE, office="440000"), verify=True
        )
    intake = make_user("zj", Role.INTAKE)
    with pytest.raises(DomainError) as exc:
        enterprise_decide(enterprise=registered, by=intake, verify=False)
    assert exc.value.field == "note"
    refused = enterprise_decide(enterprise=registered, by=intake, verify=False, note="授权书未盖章")
    assert refused.status == "rejected"
    assert enterprise_decide(enterprise=refused, by=intake, verify=True).status == "verified"


def test_an_unverified_enterprise_may_not_file(registered):
    with pytest.raises(DomainError) as exc:
        filing_check(registered.contact)
    assert exc.value.code == "not_verified"


def test_a_key_enterprises_report_goes_to_its_office_ranks_higher_and_gets_its_liaison(
    client, verified, platform, offices
):
    report = _file(client, verified)
    case = report.case
    assert case.jurisdiction.code == "330000"  # the province of its registered place
    assert case.flags == ["enterprise", "key_enterprise"]
    assert case.responsible == verified.liaison and case.assignee == verified.liaison
    plain = Case(item_code="enterprise.false_info")
    from jubao.catalogue import get_catalogue

    assert case.priority <= get_catalogue().item(plain.item_code).priority - 5
    assert report.account == verified.contact


def test_a_platform_registered_elsewhere_flags_the_case_for_the_central_office(
    client, verified, offices
):
    from jubao.accounts.services import platform_create

    platform_create(
        actor="system",
        name="南风论坛",
        name_en="Nanfeng Forum",
        icp_number="粤ICP备20260002号",
        jurisdiction=offices["440000"],
        domains=["nanfeng.example"],
    )
    case = _file(client, verified, platform="南风论坛").case
    assert "cross_region" in case.flags and case.jurisdiction.code == "330000"


def test_unfounded_reports_bring_a_warning_then_a_restriction(
    client, verified, platform, make_user, settings
):
    settings.JUBAO_ENTERPRISE_WARN_AFTER = 2
    settings.JUBAO_ENTERPRISE_RESTRICT_AFTER = 3
    judge = make_user("judge", Role.REVIEWER)

    def unfounded() -> None:
        case = _file(client, verified).case
        Judgement.objects.create(
            case=case, judge=judge, result="not_infringing", reasons="正常评价"
        )

    unfounded()
    unfounded()
    assert filing_check(verified.contact) is not None  # warned, may still file
    assert list(EnterpriseNotice.objects.values_list("kind", "unfounded")) == [("warning", 2)]
    unfounded()
    with pytest.raises(DomainError) as exc:
        filing_check(verified.contact)
    assert exc.value.code == "restricted"
    verified.refresh_from_db()
    assert verified.restricted_until > timezone.now() + dt.timedelta(days=89)
    actions = set(LedgerEntry.objects.values_list("action", flat=True))
    assert {"enterprise.warn", "enterprise.restrict"} <= actions
    assert ledger_verify().ok


def test_the_enterprise_signs_in_to_its_dashboard(client, verified, platform):
    _file(client, verified)
    browser = Client()
    response = browser.post("/accounts/login/", {"username": USCC, "password": PASSWORD_ENT})
    assert response.status_code == 302 and response["Location"] == "/enterprise/"
    page = browser.get("/enterprise/").content.decode()
    assert "data-figures" in page and str(verified.liaison) in page
    assert 'data-report="' in page


def test_staff_pages_list_show_and_verify(
    registered,
    make_user,
    staff_client,
):
    intake = make_user("zj_staff", Role.INTAKE)
    client = staff_client(intake)
    listing = client.get("/workbench/enterprises/").content.decode()
    assert f'data-enterprise="{USCC}"' in listing
    page = client.get(f"/workbench/enterprises/{registered.pk}/").content.decode()
    assert 'data-form="enterprise-decide"' in page
    document = registered.documents.get(kind="licence")
    shown = client.get(f"/workbench/enterprises/documents/{document.vault_ref}/")
    assert shown.status_code == 200 and shown["Cache-Control"] == "private, no-store"
    done = client.post(
        f"/workbench/enterprises/{registered.pk}/decide/", {"decision": "verify", "note": ""}
    )
    assert done.status_code == 302
    registered.refresh_from_db()
    assert registered.status == "verified"
    outsider = staff_client(make_user("gd_staff", Role.INTAKE, office="440000"))
    assert outsider.get(f"/workbench/enterprises/{registered.pk}/").status_code == 404
    assert PASSWORD not in page


def test_refusals_for_a_dispute_or_opinion_supervision_count_and_incomplete_does_not(
    client, verified, platform, make_user
):
    from jubao.cases.services import case_transition
    from jubao.cases.workflow import Move
    from jubao.enterprises.services import unfounded_count

    intake = make_user("refuser", Role.INTAKE)
    for reason in ("supervision", "out_of_scope.contract", "incomplete"):
        case = _file(client, verified).case
        done = case_transition(case=case, move=Move.REFUSE, actor=intake, reason=reason)
        assert done.status == "not_accepted"
    assert unfounded_count(verified) == 2
