"""The enterprise area in real browsers.

An enterprise registers with its business licence and a power of attorney, signs in and waits;
an intake officer of its office verifies it and makes herself its liaison. The enterprise files a
false-information report with a third-party proof through the portal; the case goes to the office
of its registered place with the liaison as its designated handler, who accepts it. The rest of
the handling is done through the services (the staff side has its own browser test), and the
enterprise follows the case on its dashboard and its receipt page to the office's answer.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from jubao.accounts.models import Role
from jubao.cases.models import CaseStatus
from jubao.cases.services import case_transition
from jubao.cases.workflow import Move
from jubao.catalogue import get_catalogue
from jubao.enterprises.models import Enterprise
from jubao.intake.models import Report
from jubao.platforms.models import Transfer
from jubao.platforms.services import EvidenceFile, transfer_report
from tests.conftest import PASSWORD
from tests.e2e.conftest import assert_clean, new_page, staff_page, zh
from tests.intake.conftest import png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

USCC = "91330106MA2H4K7X09"
SECRET = "qiye-mima-2026-安全"
ANSWER = "经核查，相关虚假信息已被平台删除。"


@pytest.fixture(autouse=True)
def _setup(platform, easy_pow_and_no_rate_limits):
    platform.domains = ["xinghe.example"]
    platform.save()


def register(page, base: str, tmp_path) -> None:
    licence, attorney = tmp_path / "licence.png", tmp_path / "attorney.png"
    licence.write_bytes(png_bytes("blue"))
    attorney.write_bytes(png_bytes("green"))
    page.goto(base + "/enterprise/register/")
    assert_clean(page)
    page.fill("#id_name", "杭州某科技有限公司")
    page.fill("#id_uscc", USCC)
    page.check("input[name=key_types][value=high_tech]")
    page.set_input_files("#id_licence", str(licence))
    page.fill("#id_contact_name", "李四")
    page.fill("#id_phone", "13800001111")
    page.set_input_files("#id_attorney", str(attorney))
    page.fill("#id_password", SECRET)
    page.fill("#id_password_again", SECRET)
    with page.expect_navigation():
        page.get_by_role("button", name=zh("Register")).click()
    page.wait_for_url(base + "/accounts/login/")


def sign_in(page, base: str) -> None:
    page.fill("#id_username", USCC)
    page.fill("#id_password", SECRET)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.wait_for_url(base + "/enterprise/")


def file_report(page, base: str, tmp_path) -> None:
    files = {}
    for kind, colour in (
        ("screenshot", "red"),
        ("business_licence", "blue"),
        ("fact_proof", "white"),
        ("third_party_proof", "black"),
    ):
        files[kind] = tmp_path / f"{kind}.png"
        files[kind].write_bytes(png_bytes(colour))
    name = get_catalogue().item("enterprise.false_info").name.zh
    page.get_by_role("link", name=name, exact=True).click()
    page.wait_for_url(base + "/report/enterprise.false_info/")
    page.fill("#id_t0_url", "https://xinghe.example/p/88001")
    page.fill("#id_t0_platform", "星河社区")
    page.fill("#id_t0_excerpt", "某科技的产品致癌，大家别买")
    page.fill("#id_description", "某账号编造我公司产品致癌的虚假信息；第三方检测报告证明产品合格。")
    page.check("input[name=reporter_role][value=victim]")
    for kind, path in files.items():
        page.set_input_files(f"#id_ev_{kind}", str(path))
    page.fill("#id_contact_phone", "13800001111")
    page.check("#id_truthful")
    with page.expect_navigation():
        page.get_by_role("button", name=zh("Submit report")).click()
    page.wait_for_url(base + "/report/done/")


def test_an_enterprise_registers_is_verified_files_and_follows_its_case_to_a_result(
    browser, live_server, make_user, cast, opened, tmp_path
):
    base = live_server.url
    enterprise_page = new_page(browser)
    opened.append(enterprise_page)
    register(enterprise_page, base, tmp_path)
    sign_in(enterprise_page, base)
    expect(enterprise_page.locator("[data-enterprise-status]")).to_have_attribute(
        "data-enterprise-status", "pending"
    )
    assert_clean(enterprise_page)
    enterprise = Enterprise.objects.get(uscc=USCC)

    # An intake officer of the enterprise's province verifies it and becomes its liaison.
    officer = make_user("ent_officer", Role.INTAKE, office="330000")
    staff = staff_page(browser, base, officer, PASSWORD)
    opened.append(staff)
    staff.locator("a[href='/workbench/enterprises/']").first.click()
    staff.get_by_role("link", name=enterprise.name).click()
    staff.wait_for_url(base + f"/workbench/enterprises/{enterprise.pk}/")
    assert_clean(staff)
    form = staff.locator("form[data-form='enterprise-decide']")
    form.locator("[name=decision]").select_option("verify")
    with staff.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(staff.locator("[data-enterprise-status]").first).to_have_attribute(
        "data-enterprise-status", "verified"
    )
    # She makes herself its liaison on the list of key enterprises: its designated handler.
    staff.locator("a[href='/workbench/enterprises/liaison/']").first.click()
    staff.wait_for_url(base + "/workbench/enterprises/liaison/")
    assert_clean(staff)
    form = staff.locator(f"[data-enterprise='{enterprise.pk}'] form")
    form.locator("[name=liaison]").select_option(str(officer.pk))
    with staff.expect_navigation():
        form.locator("button[type=submit]").click()
    enterprise.refresh_from_db()
    assert enterprise.liaison == officer

    # The enterprise files a false-information report with a third-party proof.
    enterprise_page.reload()
    expect(enterprise_page.locator("[data-enterprise-status]")).to_have_attribute(
        "data-enterprise-status", "verified"
    )
    file_report(enterprise_page, base, tmp_path)
    report = Report.objects.get()
    case = report.case
    assert report.account == enterprise.contact
    assert case.jurisdiction.code == "330000" and case.responsible == officer
    assert {"enterprise", "key_enterprise"} <= set(case.flags)
    assert report.evidence.filter(kind="third_party_proof").count() == 1
    enterprise_page.goto(base + "/enterprise/")
    row = enterprise_page.locator(f"[data-report='{report.reference}']")
    expect(row).to_contain_text(str(officer))
    expect(row.locator("[data-status]")).to_have_attribute("data-status", "pending")

    # The designated handler accepts it in the workbench.
    staff.goto(base + f"/workbench/cases/{case.pk}/")
    form = staff.locator("form[data-move='accept']")
    with staff.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(staff.locator("[data-status]").first).to_have_attribute("data-status", "accepted")

    # The rest of the loop, then the answer.
    case.refresh_from_db()
    steps = [
        (Move.START_REVIEW, "reviewer", {}),
        (Move.JUDGE, "reviewer", {"result": "infringing", "reasons": "检测报告证明内容虚假"}),
        (Move.PROPOSE_DISPOSAL, "disposal", {"measure": "content.remove", "reasons": "删除"}),
        (Move.APPROVE, "approver", {}),
        (Move.START_DISPOSAL, "disposal", {}),
    ]
    for move, who, params in steps:
        case = case_transition(case=case, move=move, actor=cast[who], **params)
    transfer_report(
        transfer=Transfer.objects.get(case=case),
        note="已删除",
        evidence=[EvidenceFile("removed.png", png_bytes())],
    )
    case = case_transition(case=case, move=Move.DISPOSE, actor=cast["disposal"], note="已删除")
    case = case_transition(case=case, move=Move.ANSWER, actor=officer, message=ANSWER)

    enterprise_page.reload()
    row = enterprise_page.locator(f"[data-report='{report.reference}']")
    expect(row.locator("[data-status]")).to_have_attribute("data-status", "answered")
    expect(row.locator("[data-status]")).to_have_text(zh(CaseStatus.ANSWERED.label))
    with enterprise_page.expect_navigation():
        row.get_by_role("button").click()
    enterprise_page.wait_for_url(base + "/receipt/status/")
    expect(enterprise_page.locator("ol.timeline")).to_contain_text(ANSWER)
    assert_clean(enterprise_page)
