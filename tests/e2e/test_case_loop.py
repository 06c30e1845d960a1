"""The whole closed loop in real browsers.

A citizen files a doxxing report on the portal and keeps the receipt code. Four staff of the
case's office, each signed in with a password and a TOTP code, make their moves with the forms of
the case page: intake accepts, a reviewer judges, a disposal officer proposes a tier-1 measure,
an approver approves, the disposal officer disposes, intake answers. Between the steps the
reporter, holding only the receipt code, sees each answer on the receipt page; at the end they
evaluate the result and the workbench shows the case as evaluated.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from jubao.accounts.models import Role
from jubao.cases.models import Approval, Case, CaseStatus, Disposal, Judgement
from jubao.catalogue import get_catalogue
from jubao.intake.models import EventKind, Report
from jubao.platforms.models import Transfer
from jubao.platforms.services import EvidenceFile, transfer_report
from tests.conftest import PASSWORD
from tests.e2e.conftest import assert_clean, new_page, staff_page, zh
from tests.intake.conftest import png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ITEM = "personal.doxxing"
ANSWER = "您举报的帖子已被平台删除，感谢您的举报。"


@pytest.fixture(autouse=True)
def _setup(platform, easy_pow_and_no_rate_limits):
    platform.domains = ["xinghe.example"]
    platform.save()


def tier1_measure_without_discussion() -> str:
    """A measure of the item that a reviewer-level approval suffices for, and no discussion."""
    catalogue = get_catalogue()
    item = catalogue.item(ITEM)
    assert not item.discussion.always
    return next(
        m.code
        for m in item.measures
        if m.tier.level == 1 and m.tier.approvers == 1 and not m.tier.collective_discussion
    )


def file_report(page, base: str, tmp_path) -> str:
    """A citizen on a phone files the report through the portal; returns the receipt code."""
    screenshot = tmp_path / "screen.png"
    screenshot.write_bytes(png_bytes("red"))
    page.goto(base + f"/report/{ITEM}/")
    page.fill("#id_t0_url", "https://xinghe.example/thread/2024")
    page.fill("#id_t0_platform", "星河社区")
    page.fill("#id_t0_excerpt", "开盒：她叫李某某，在某公司上班，家住幸福小区3栋")
    page.fill("#id_description", "有人发帖公开我的姓名、单位和住址，号召网友去我单位闹事。")
    page.check("input[name=reporter_role][value=victim]")
    page.set_input_files("#id_ev_screenshot", str(screenshot))
    page.fill("#id_contact_phone", "13912345678")
    page.check("#id_truthful")
    page.get_by_role("button", name=zh("Submit report")).click()
    page.wait_for_url(base + "/report/done/")
    return page.locator("[data-receipt]").inner_text().strip()


def follow(browser, base: str, code: str):
    """A fresh browser with no account and no session: the receipt code alone opens the report."""
    page = new_page(browser, mobile=True)
    page.goto(base + "/receipt/")
    page.fill("#id_code", code)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(base + "/receipt/status/")
    return page


def assert_told(reporter, status: str, message: str = "") -> None:
    """The receipt page, reloaded, shows the status in plain language, and its timeline has the
    line that announced it (with the handler's message, if any)."""
    reporter.reload()
    label = zh(CaseStatus(status).label)
    badge = reporter.locator("[data-status]").first
    expect(badge).to_have_attribute("data-status", status)
    expect(badge).to_have_text(label)
    line = reporter.locator("ol.timeline > li").filter(has_text=zh(EventKind.STATUS.label))
    line = line.filter(has_text=label)
    if message:
        line = line.filter(has_text=message)
    expect(line).to_have_count(1)


def open_case(page, base: str, case: Case) -> None:
    """From anywhere in the workbench: the case queue, then the case."""
    page.locator("a[href='/workbench/cases/']").first.click()
    page.wait_for_url(base + "/workbench/cases/")
    page.get_by_role("link", name=case.reference, exact=True).click()
    page.wait_for_url(base + f"/workbench/cases/{case.pk}/")


def make_move(page, move: str, target: str, **fields: str) -> None:
    """Fill the form of `move` on the case page, confirm, and land on the case in `target`."""
    form = page.locator(f"form[data-move='{move}']")
    expect(form).to_have_count(1)
    for name, value in fields.items():
        control = form.locator(f"[name='{name}']")
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
    # The move posts, then redirects back to the case page: wait for that navigation.
    with page.expect_navigation() as navigation:
        form.locator("button[type=submit]").click()
    response = navigation.value
    assert response is not None and response.ok, page.locator("main").inner_text()
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", target)


def test_the_closed_loop_from_report_to_evaluation(
    browser, live_server, make_user, opened, tmp_path
):
    base = live_server.url
    citizen = new_page(browser, mobile=True)
    opened.append(citizen)
    code = file_report(citizen, base, tmp_path)
    report = Report.objects.get()
    case = report.case
    office = case.jurisdiction.code
    measure = tier1_measure_without_discussion()

    # The reporter follows the report with the receipt code alone.
    reporter = follow(browser, base, code)
    opened.append(reporter)
    expect(reporter.locator("[data-status]").first).to_have_attribute("data-status", "pending")
    expect(reporter.locator("ol.timeline")).to_contain_text(
        zh("Your report %(reference)s was received and is waiting for acceptance.")
        % {"reference": report.reference}
    )
    assert_clean(reporter)

    staff = {
        "intake": make_user("loop_intake", Role.INTAKE, office=office),
        "reviewer": make_user("loop_reviewer", Role.REVIEWER, office=office),
        "disposal": make_user("loop_disposal", Role.DISPOSAL, office=office),
        # Level 1 (section) is the lowest approver level; the tier-1 measure needs no more.
        "approver": make_user("loop_approver", Role.APPROVER, level=1, office=office),
    }
    pages = {who: staff_page(browser, base, user, PASSWORD) for who, user in staff.items()}
    opened.extend(pages.values())

    intake = pages["intake"]
    open_case(intake, base, case)
    make_move(intake, "accept", "accepted")
    assert_told(reporter, "accepted")

    reviewer = pages["reviewer"]
    open_case(reviewer, base, case)
    make_move(reviewer, "start_review", "under_review")
    # Axe on the page as opened (the one-off "Done" message is gone: see the test below).
    reviewer.reload()
    assert_clean(reviewer)
    make_move(
        reviewer, "judge", "judged", result="infringing", reasons="公开姓名、单位和住址并煽动骚扰"
    )
    assert_told(reporter, "judged")

    disposal = pages["disposal"]
    open_case(disposal, base, case)
    make_move(
        disposal, "propose_disposal", "disposal_proposed", measure=measure, reasons="删除帖子"
    )

    approver = pages["approver"]
    open_case(approver, base, case)
    make_move(approver, "approve", "in_approval")

    open_case(disposal, base, case)
    make_move(disposal, "start_disposal", "disposing")
    # The platform carries the measure out and reports through its API (tested on its own in
    # tests/platforms); here its report is made directly, and the office then verifies it.
    transfer = Transfer.objects.get(case=case)
    transfer_report(
        transfer=transfer,
        note="已删除该帖子",
        evidence=[EvidenceFile("removed.png", png_bytes())],
    )
    disposal.reload()
    make_move(disposal, "dispose", "disposed", note="平台已删除帖子")
    assert_told(reporter, "disposed")

    open_case(intake, base, case)
    assert_clean(intake)
    make_move(intake, "answer", "answered", message=ANSWER)
    assert_told(reporter, "answered", ANSWER)

    # Separation of duties held: four different people judged, proposed, approved and disposed.
    judgement = Judgement.objects.get(case=case)
    approval = Approval.objects.get(proposal__case=case)
    disposal_record = Disposal.objects.get(case=case)
    assert judgement.judge == staff["reviewer"]
    assert approval.approver == staff["approver"] and approval.proposer == staff["disposal"]
    assert (
        disposal_record.imposer == staff["disposal"]
        and disposal_record.judge != disposal_record.imposer
    )
    # The receipt page never names the staff.
    page_text = reporter.locator("main").inner_text()
    assert not any(user.username in page_text for user in staff.values())

    # The reporter evaluates the result on the receipt page.
    assert_clean(reporter)
    evaluate = reporter.locator("form[action$='/receipt/evaluate/']")
    evaluate.locator("input[name=score][value='4']").check()
    evaluate.locator("[name=comment]").fill("处理及时，谢谢。")
    with reporter.expect_navigation():
        evaluate.locator("button[type=submit]").click()
    expect(reporter.locator("[data-status]").first).to_have_attribute("data-status", "evaluated")
    expect(reporter.locator("ol.timeline")).to_contain_text(
        zh("You rated the result %(score)d of 5.") % {"score": 4}
    )
    expect(reporter.locator("form[action$='/receipt/evaluate/']")).to_have_count(0)
    assert report.events.filter(kind=EventKind.EVALUATED).count() == 1
    reporter.reload()
    assert_clean(reporter)

    # The workbench shows the case as evaluated: it has left the open queue, the filter finds it.
    intake.locator("a[href='/workbench/cases/']").first.click()
    intake.wait_for_url(base + "/workbench/cases/")
    expect(intake.get_by_role("link", name=case.reference, exact=True)).to_have_count(0)
    intake.select_option("#f-status", "evaluated")
    with intake.expect_navigation():
        intake.locator("form:has(#f-status) button[type=submit]").click()
    intake.get_by_role("link", name=case.reference, exact=True).click()
    intake.wait_for_url(base + f"/workbench/cases/{case.pk}/")
    badge = intake.locator("[data-status]").first
    expect(badge).to_have_attribute("data-status", "evaluated")
    expect(badge).to_have_text(zh(CaseStatus.EVALUATED.label))
    assert_clean(intake)


def test_one_off_messages_are_accessible(browser, live_server, client, report_body, opened):
    """A page with a one-off message (as after every move above) has no serious violation."""
    response = client.post("/api/v1/reports", report_body(), content_type="application/json")
    if response.status_code != 201:
        pytest.fail(f"the report was not filed: {response.content!r}")
    reporter = follow(browser, live_server.url, response.json()["receipt"])
    opened.append(reporter)
    # Withdrawing without ticking the box changes nothing and shows a one-off error message.
    withdraw = reporter.locator("form[action$='/receipt/withdraw/']")
    with reporter.expect_navigation():
        withdraw.locator("button[type=submit]").click()
    reporter.locator("main .message").wait_for()
    assert_clean(reporter)
