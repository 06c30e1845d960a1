"""The statistics dashboard in a real browser: its ECharts charts are drawn with data, a click on
a bar (in the table and on the canvas) opens the matching cases, and the CSV, XLSX and PDF
exports download and open."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from jubao.accounts.models import Office, Role
from jubao.cases.models import Case
from jubao.catalogue import get_catalogue
from jubao.insights.models import MeasureFigure
from jubao.insights.stats import figures_rebuild, slices_rebuild
from tests.conftest import PASSWORD
from tests.e2e.conftest import staff_page
from tests.insights.test_statistics import pdf_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ITEM = "personal.doxxing"
# The page position of a point well inside a chart's first bar, from ECharts' own coordinate
# system, once the chart is in the middle of the viewport and its entry animation has finished
# (bars grow from the axis: a click during the animation can miss them).
FIRST_BAR = """name => new Promise(done => {
  const el = document.getElementById('chart-' + name);
  el.scrollIntoView({block: 'center'});
  const chart = echarts.getInstanceByDom(el);
  const measure = () => {
    const option = chart.getOption();
    const horizontal = option.yAxis[0].type === 'category';
    const category = (horizontal ? option.yAxis[0] : option.xAxis[0]).data[0];
    const value = option.series[0].data[0] / 4;
    const point = horizontal ? [value, category] : [category, value];
    const at = chart.convertToPixel({seriesIndex: 0}, point);
    const box = el.getBoundingClientRect();
    done([box.left + at[0], box.top + at[1]]);
  };
  // After the next finished rendering, or after the default animation's second anyway.
  chart.on('finished', () => setTimeout(measure, 100));
  setTimeout(measure, 2000);
})"""
OTHER = next(i.code for i in get_catalogue().items if i.code != ITEM)
CHARTS = (
    "volume_by_item",
    "volume_by_channel",
    "volume_by_region",
    "volume_by_platform",
    "volume_by_month",
    "acceptance_rate_by_month",
    "disposal_rate_by_month",
    "on_time_rate_by_month",
    "handling_time_histogram",
    "measures_by_code",
)


def _case(n: int, item: str, office: Office) -> Case:
    from jubao.intake.models import Report

    case = Case.objects.create(
        reference=f"S{n:07d}",
        item_code=item,
        catalogue_version="1",
        catalogue_hash="x",
        track="normal",
        priority=3,
        jurisdiction=office,
    )
    Report.objects.create(
        reference=f"SR{n:06d}",
        case=case,
        item_code=item,
        catalogue_version="1",
        catalogue_hash="x",
        channel="web",
        reporter_role="victim",
        description="测试",
        track="normal",
        priority=3,
        jurisdiction=office,
        receipt_hash=f"{n:064d}",
    )
    return case


@pytest.fixture
def data(offices: dict[str, Office]) -> dict[str, list[Case]]:
    """Three doxxing cases and one of another item in Zhejiang, counted by a rebuild."""
    office = offices["330106"]
    found = {
        ITEM: [_case(n, ITEM, office) for n in range(1, 4)],
        OTHER: [_case(9, OTHER, office)],
    }
    figures_rebuild()
    measure = get_catalogue().item(ITEM).measures[0].code
    MeasureFigure.objects.create(
        day=timezone.localdate(),
        office=office,
        region="330000",
        code=measure,
        item_code=ITEM,
        ordered=2,
    )
    slices_rebuild()
    return found


def test_the_dashboard_draws_drills_down_and_exports(
    browser, live_server, make_user, opened, data
) -> None:
    boss = make_user("stat_e2e", Role.SUPERVISOR)
    page = staff_page(browser, live_server.url, boss, PASSWORD)
    opened.append(page)
    page.goto(live_server.url + "/workbench/transparency/statistics/")
    for name in CHARTS:
        chart = page.locator(f"[data-chart='{name}']")
        expect(chart.locator("canvas")).to_have_count(1)
        points = page.evaluate(
            "name => echarts.getInstanceByDom(document.getElementById('chart-' + name))"
            ".getOption().series.reduce((n, s) => n + s.data.length, 0)",
            name,
        )
        assert points > 0, name
    # The item chart's drill-down: the first row's link (the most reported item) opens its
    # cases; the chart's bars carry the same links (spec.links, used by the click handler).
    section = page.locator("[data-section='volume_by_item']")
    links = page.evaluate(
        "() => JSON.parse(document.getElementById('volume_by_item').textContent).links"
    )
    section.locator("details summary").click()
    first = section.locator("details a").first
    expect(first).to_have_attribute("href", links[0])
    with page.expect_navigation():
        first.click()
    assert "/workbench/cases/" in page.url and f"item={ITEM}" in page.url
    rows = page.locator("tr[data-case]")
    expect(rows).to_have_count(3)
    for case in data[ITEM]:
        expect(page.locator(f"tr[data-case='{case.reference}']")).to_have_count(1)
    page.go_back()

    # A click on the canvas, on the first bar, opens the same cases.
    x, y = page.evaluate(FIRST_BAR, "volume_by_item")
    with page.expect_navigation():
        page.mouse.click(x, y)
    assert "/workbench/cases/" in page.url and f"item={ITEM}" in page.url
    expect(page.locator("tr[data-case]")).to_have_count(3)
    page.go_back()

    # The exports download and open.
    section = page.locator("[data-section='volume_by_item']")
    with page.expect_download() as info:
        section.locator("[data-export='csv']").click()
    body = open(info.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    rows_csv = list(csv.reader(io.StringIO(body)))
    assert rows_csv[1][0] == ITEM and rows_csv[1][2] == "3"
    with page.expect_download() as info:
        section.locator("[data-export='xlsx']").click()
    with open(info.value.path(), "rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read())).active
    assert sheet is not None and sheet.cell(row=2, column=1).value == ITEM
    month = f"{timezone.localdate():%Y-%m}"
    link = page.locator("[data-export='pdf']")
    expect(link).to_have_attribute(
        "href", f"/workbench/transparency/statistics/report.pdf?month={month}"
    )
    with page.expect_download() as info:
        link.click()
    with open(info.value.path(), "rb") as handle:
        text = pdf_text(handle.read())
    assert month in text and "浙江省" in text
