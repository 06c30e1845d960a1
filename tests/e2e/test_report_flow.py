"""An anonymous citizen files a doxxing report with two screenshots, then follows it."""

from __future__ import annotations

import pytest

from jubao.intake.models import Report
from tests.e2e.conftest import axe_violations
from tests.intake.conftest import jpeg_with_gps, png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _setup(settings, offices, platform):
    settings.JUBAO_POW_MAX_NUMBER = 2000
    platform.domains = ["xinghe.example"]
    platform.save()


def _files(tmp_path):
    first, second = tmp_path / "screen1.png", tmp_path / "screen2.jpg"
    first.write_bytes(png_bytes("red"))
    second.write_bytes(jpeg_with_gps())
    return [str(first), str(second)]


def test_doxxing_report_then_follow_with_the_receipt(page, live_server, tmp_path):
    page.goto(live_server.url + "/report/?q=人肉")
    page.get_by_role("link", name="“人肉搜索”").first.click()
    page.fill("#id_t0_url", "https://xinghe.example/thread/99")
    page.fill("#id_t0_platform", "星河社区")
    page.fill("#id_t0_excerpt", "她家住在幸福小区3栋，电话13812345678，大家去找她")
    page.fill("#id_description", "有人在论坛发帖公开我的住址和电话，号召网友上门骚扰。")
    page.check("input[name=reporter_role][value=victim]")
    page.set_input_files("#id_ev_screenshot", _files(tmp_path))
    page.fill("#id_contact_phone", "13912345678")
    page.check("#id_truthful")
    assert not axe_violations(page)
    page.get_by_role("button", name="提交举报").click()
    page.wait_for_url(live_server.url + "/report/done/")
    code = page.locator("[data-receipt]").inner_text().strip()
    assert len(code.replace("-", "")) == 20
    assert not axe_violations(page)
    report = Report.objects.get()
    assert report.evidence.count() == 2

    other = page.context.browser.new_context(locale="zh-CN", bypass_csp=True)
    visitor = other.new_page()
    visitor.goto(live_server.url + "/receipt/")
    visitor.fill("#id_code", code)
    visitor.locator("main form button[type=submit]").click()
    visitor.wait_for_url(live_server.url + "/receipt/status/")
    assert visitor.locator("[data-evidence-count]").inner_text() == "2"
    assert not axe_violations(visitor)
    extra = tmp_path / "later.png"
    extra.write_bytes(png_bytes("green"))
    visitor.set_input_files("#id_upload", str(extra))
    # The upload returns to the same URL: wait for that navigation, not for the URL.
    with visitor.expect_navigation():
        visitor.locator("form[action$='/receipt/evidence/'] button").click()
    assert visitor.locator("[data-evidence-count]").inner_text() == "3"
    other.close()


@pytest.mark.parametrize(
    "path",
    [
        "/report/",
        "/report/area/cyberviolence/",
        "/report/area/minors/",
        "/report/area/enterprise/",
        "/report/personal.doxxing/",
        "/receipt/",
        "/guidelines/personal.doxxing/",
    ],
)
def test_reporting_pages_are_accessible(page, live_server, path):
    response = page.goto(live_server.url + path)
    assert response is not None and response.status == 200
    violations = axe_violations(page)
    assert not violations, [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]
