"""A platform without an integration answers in the workbench, in a real browser.

A report about content on the platform is accepted, judged and its measure approved and handed
over. The platform's officer signs in with a password and a TOTP code, opens the transfer,
acknowledges it and reports what was done with a screenshot. The reporter, holding only the
receipt code, then reads the platform's note on the receipt page.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from jubao.accounts.models import Role
from jubao.measures.models import MeasureStatus
from jubao.platforms.models import TransferStatus
from tests.conftest import PASSWORD
from tests.e2e.conftest import staff_page
from tests.e2e.test_case_loop import assert_clean, follow, zh
from tests.intake.conftest import png_bytes
from tests.platforms.test_simulator import transfer_to_platform

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.platforms.test_workbench"),
]
NOTE = "已删除该帖子，链接已无法访问。"


@pytest.fixture(autouse=True)
def _setup(easy_pow_and_no_rate_limits):
    """Reports filed here solve cheap challenges and meet no rate limit."""


def test_a_platform_officer_reports_in_the_workbench(
    browser, live_server, client, report_body, cast, platform, make_user, opened, tmp_path
):
    base = live_server.url
    transfer, receipt = transfer_to_platform(client, report_body, cast)
    officer = make_user("xinghe_officer", Role.PLATFORM, office=None, platform=platform)

    page = staff_page(browser, base, officer, PASSWORD)
    opened.append(page)
    page.goto(base + "/workbench/platform/")
    row = page.locator(f"tr[data-transfer='{transfer.public_id}']")
    expect(row).to_have_count(1)
    assert_clean(page)
    row.get_by_role("link", name=transfer.case.reference).click()
    page.wait_for_url(base + f"/workbench/platform/{transfer.public_id}/")
    expect(page.locator("[data-measure]")).to_have_attribute(
        "data-measure", transfer.payload["measure"]["code"]
    )
    assert_clean(page)

    acknowledge = page.locator("form[data-action='acknowledge']")
    acknowledge.get_by_label(zh("Your ticket number")).fill("XH-2026-0042")
    with page.expect_navigation():
        acknowledge.get_by_role("button", name=zh("Acknowledge")).click()
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "acknowledged")
    expect(page.locator("form[data-action='acknowledge']")).to_have_count(0)
    assert_clean(page)

    screenshot = tmp_path / "removed.png"
    screenshot.write_bytes(png_bytes("white"))
    report = page.locator("form[data-action='report']")
    report.get_by_label(zh("What was done")).fill(NOTE)
    report.get_by_label(zh("Files that show it")).set_input_files(str(screenshot))
    with page.expect_navigation():
        report.get_by_role("button", name=zh("Send the report")).click()
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "done")
    expect(page.locator("[data-evidence]")).to_contain_text("removed.png")
    expect(page.locator("[data-closed]")).to_have_count(1)
    assert_clean(page)

    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.DONE and transfer.platform_reference == "XH-2026-0042"
    assert transfer.measure is not None and transfer.measure.status == MeasureStatus.ACTIVE

    # The reporter, in a fresh browser with the receipt code alone, reads the platform's note.
    reporter = follow(browser, base, receipt)
    opened.append(reporter)
    expect(reporter.locator("ol.timeline")).to_contain_text(NOTE)
    assert_clean(reporter)
