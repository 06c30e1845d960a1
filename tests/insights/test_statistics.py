"""Statistics (§4, §7): pre-aggregated figures kept current and rebuilt, the dashboard's queries
within a jurisdiction, drill-down to the case queue, and the CSV, XLSX and PDF exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.forms.models import model_to_dict
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from jubao.accounts.models import Office, Role, User
from jubao.cases.models import Case
from jubao.cases.selectors import QueueFilters, case_queue
from jubao.cases.services import case_transition
from jubao.cases.workflow import Move
from jubao.insights.models import DailyFigure, MeasureFigure, MeasureSlice, SliceFigure
from jubao.insights.statistics_views import drill_url, scoped
from jubao.insights.stats import (
    QUERIES,
    Filters,
    figures_rebuild,
    repeat_offenders,
    run_query,
    slices_rebuild,
)
from jubao.intake.models import Report
from tests.cases.conftest import tier1_measure
from tests.conftest import ITEM

pytestmark = pytest.mark.django_db


def _today() -> date:
    return timezone.localdate()


def _period() -> Filters:
    today = _today()
    return Filters(start=today - timedelta(days=400), end=today + timedelta(days=1))


def _snapshot() -> tuple[list[dict[str, Any]], ...]:
    def rows(model: Any) -> list[dict[str, Any]]:
        found = [model_to_dict(r, exclude=["id"]) for r in model.objects.all()]
        found = [
            r
            for r in found
            if any(
                v for k, v in r.items() if isinstance(v, int) and k not in ("office", "platform")
            )
        ]
        return sorted(found, key=repr)

    return rows(DailyFigure), rows(MeasureFigure), rows(SliceFigure), rows(MeasureSlice)


@pytest.fixture
def filed(file_report: Callable[..., Report]) -> Callable[..., Report]:
    """A report through the intake service, which counts it in the figures."""

    def make(n: int, **overrides: Any) -> Report:
        target = {
            "url": f"https://example.org/thread/{n}",
            "platform": "某论坛",
            "excerpt": "她家就住在某小区5栋2单元301",
        }
        return file_report(targets=[target], **overrides)

    return make


def _move(case: Case, move: Move, actor: Any, **params: Any) -> Case:
    return case_transition(case=case, move=move, actor=actor, **params)


def _full_loop(case: Case, cast: dict) -> Case:
    steps: list[tuple[Move, str, dict[str, Any]]] = [
        (Move.ACCEPT, "intake", {}),
        (Move.START_REVIEW, "reviewer", {}),
        (Move.JUDGE, "reviewer", {"result": "infringing", "reasons": "公开他人住址"}),
        (Move.PROPOSE_DISPOSAL, "disposal", {"measure": tier1_measure(), "reasons": "删除"}),
        (Move.APPROVE, "approver", {}),
        (Move.START_DISPOSAL, "disposal", {}),
        (Move.DISPOSE, "disposal", {"note": "已删除"}),
        (Move.ANSWER, "intake", {"message": "已删除。"}),
    ]
    for move, who, params in steps:
        case = _move(case, move, cast[who], **params)
    return case


@pytest.fixture
def loop(filed: Callable[..., Report], cast: dict, home_office: None) -> dict[str, Case]:
    """Four reports on three cases: one case through to the answer, one refused, one pending."""
    done = filed(1).case
    filed(1)  # joins the open case of the same target
    refused = filed(2).case
    pending = filed(3).case
    done = _full_loop(done, cast)
    refused = _move(refused, Move.REFUSE, cast["intake"], reason=_refusal())
    return {"done": done, "refused": refused, "pending": pending}


def _refusal() -> str:
    from jubao.catalogue import get_catalogue

    return get_catalogue().refusals[0].code


def test_incremental_figures_equal_a_rebuild(loop: dict[str, Case]) -> None:
    incremental = _snapshot()
    assert sum(r["received"] for r in incremental[0]) == 4
    assert sum(r["opened"] for r in incremental[0]) == 3
    assert incremental[1], "the measure ordered is counted"
    # Every slice holds the same totals as the daily figures.
    grains = {r["grain"] for r in incremental[2]}
    assert grains == {0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 12}
    for grain in grains:
        rows = [r for r in incremental[2] if r["grain"] == grain]
        assert sum(r["received"] for r in rows) == 4
        assert sum(r["answered_on_time"] for r in rows) == 1
    assert {r["grain"] for r in incremental[3]} == {0, 1, 2, 8}
    figures_rebuild()
    assert _snapshot() == incremental


def test_a_move_repeated_after_reopening_is_counted_once(loop: dict[str, Case], cast: dict) -> None:
    case = _move(loop["refused"], Move.REOPEN, cast["supervisor"], reason="复查")
    assert sum(DailyFigure.objects.values_list("not_accepted", flat=True)) == 1
    figures_rebuild()
    assert sum(DailyFigure.objects.values_list("not_accepted", flat=True)) == 1
    assert case.status == "reopened"


def test_the_command_rebuilds_with_progress(loop: dict[str, Case]) -> None:
    DailyFigure.objects.all().delete()
    out = io.StringIO()
    call_command("insights", "rebuild", stdout=out)
    assert "done in" in out.getvalue()
    assert sum(DailyFigure.objects.values_list("received", flat=True)) == 4


def test_the_queries_on_the_loop(loop: dict[str, Case]) -> None:
    f = _period()
    assert set(QUERIES) == {
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
    }
    assert run_query("volume_by_item", f) == [
        {"item": ITEM, "label": run_query("volume_by_item", f)[0]["label"], "received": 4}
    ]
    assert [(r["region"], r["received"]) for r in run_query("volume_by_region", f)] == [
        ("330000", 4)
    ]
    assert [r["received"] for r in run_query("volume_by_channel", f)] == [4]
    month = f"{_today():%Y-%m}"
    rows = {r["month"]: r for r in run_query("volume_by_month", f)}
    assert rows[month]["received"] == 4 and rows[month]["opened"] == 3
    acceptance = {r["month"]: r for r in run_query("acceptance_rate_by_month", f)}[month]
    assert (acceptance["accepted"], acceptance["not_accepted"], acceptance["rate"]) == (1, 1, 50.0)
    disposal = {r["month"]: r for r in run_query("disposal_rate_by_month", f)}[month]
    assert (disposal["disposed"], disposal["rate"]) == (1, 100.0)
    on_time = {r["month"]: r for r in run_query("on_time_rate_by_month", f)}[month]
    assert (on_time["answered"], on_time["answered_on_time"], on_time["rate"]) == (1, 1, 100.0)
    histogram = run_query("handling_time_histogram", f)
    assert [r["cases"] for r in histogram] == [1, 0, 0, 0, 0, 0]
    measures = run_query("measures_by_code", f)
    assert [(r["code"], r["measures"]) for r in measures] == [(tier1_measure(), 1)]
    # A filter that matches nothing: no rows, months with zeros, no rate.
    other = Filters(start=f.start, end=f.end, item="no.such.item")
    assert run_query("volume_by_item", other) == []
    assert all(r["rate"] is None for r in run_query("acceptance_rate_by_month", other))


def _figure(office: Office, day: date, **counts: int) -> DailyFigure:
    """A daily figure written directly, and the slices recomputed from the daily figures."""
    figure = DailyFigure.objects.create(
        day=day,
        office=office,
        region=office.code[:2] + "0000",
        item_code=counts.pop("item", ITEM),
        channel=counts.pop("channel", "web"),
        platform=counts.pop("platform", None),
        **counts,
    )
    slices_rebuild()
    return figure


def test_slices_and_daily_figures_give_the_same_answers(
    offices: dict[str, Office], platform: Any
) -> None:
    """Each query read from a slice (the whole country) equals the same query summed from the
    daily figures (every office as the scope), for filters that fit a slice and those that do
    not; periods that cut months in two included."""
    second = ITEM + ".x"
    for n, (code, day, item, channel, plat) in enumerate(
        [
            ("330106", date(2025, 3, 10), ITEM, "web", platform),
            ("330106", date(2025, 3, 31), second, "phone", None),
            ("110000", date(2025, 4, 2), ITEM, "web", None),
            ("440300", date(2025, 4, 15), second, "api", platform),
            ("110000", date(2025, 5, 1), ITEM, "letter", platform),
        ],
        start=1,
    ):
        _figure(
            offices[code],
            day,
            item=item,
            channel=channel,
            platform=plat,
            received=n * 3,
            opened=n * 2,
            accepted=n,
            not_accepted=n % 2,
            disposed=n // 2,
            answered=n,
            answered_on_time=n // 2,
            handling_seconds_sum=n * 5000,
            handling_count=n,
            handled_1d=n,
        )
    for day, code, measure, plat in [
        (date(2025, 3, 12), "330106", "content.remove", platform),
        (date(2025, 4, 3), "110000", "account.warning", None),
        (date(2025, 4, 3), "440300", "content.remove", platform),
    ]:
        MeasureFigure.objects.create(
            day=day,
            office=offices[code],
            region=code[:2] + "0000",
            code=measure,
            item_code=ITEM,
            platform=plat,
            ordered=3,
        )
    slices_rebuild()
    everywhere = Office.objects.all()
    periods = [(date(2025, 3, 1), date(2025, 5, 31)), (date(2025, 3, 15), date(2025, 4, 20))]
    keys: list[dict[str, Any]] = [
        {},
        {"region": "330000"},
        {"item": ITEM},
        {"channel": "web"},
        {"platform": platform.pk},
        {"region": "110000", "item": ITEM},
        {"region": "330000", "item": second, "channel": "phone"},
    ]
    for start, end in periods:
        for extra in keys:
            f = Filters(start=start, end=end, **extra)
            for name in QUERIES:
                assert run_query(name, f) == run_query(name, f, offices=everywhere), (name, f)


def test_queries_on_constructed_figures_and_jurisdiction(offices: dict[str, Office]) -> None:
    day = date(2025, 3, 10)
    _figure(offices["330106"], day, received=5, opened=4, accepted=3, not_accepted=1)
    _figure(offices["330106"], day, channel="phone", received=2, opened=2, accepted=2, disposed=1)
    _figure(
        offices["110000"],
        date(2025, 4, 2),
        received=7,
        opened=7,
        answered=2,
        answered_on_time=1,
        handled_3d=1,
        handled_more=1,
    )
    f = Filters(start=date(2025, 3, 1), end=date(2025, 4, 30))
    assert [(r["region"], r["received"]) for r in run_query("volume_by_region", f)] == [
        ("110000", 7),
        ("330000", 7),
    ]
    assert [(r["channel"], r["received"]) for r in run_query("volume_by_channel", f)] == [
        ("web", 12),
        ("phone", 2),
    ]
    months = run_query("acceptance_rate_by_month", f)
    assert [(r["month"], r["rate"]) for r in months] == [("2025-03", 83.3), ("2025-04", None)]
    assert [r["rate"] for r in run_query("on_time_rate_by_month", f)] == [None, 50.0]
    assert [r["cases"] for r in run_query("handling_time_histogram", f)] == [0, 1, 0, 0, 0, 1]
    # Zhejiang's offices only.
    zhejiang = Office.objects.filter(code__startswith="33")
    assert [r["received"] for r in run_query("volume_by_region", f, offices=zhejiang)] == [7]
    assert run_query("volume_by_month", f, offices=zhejiang)[1]["received"] == 0
    # The filters.
    phone = Filters(start=f.start, end=f.end, channel="phone")
    assert run_query("volume_by_month", phone)[0]["received"] == 2
    beijing = Filters(start=f.start, end=f.end, region="110000")
    assert run_query("volume_by_month", beijing)[1]["received"] == 7


def test_repeat_offenders(loop: dict[str, Case], cast: dict) -> None:
    from jubao.cases.models import Offence

    judgement = loop["done"].judgements.first()
    now = timezone.now()
    for key in ("a" * 64, "b" * 64):
        Offence.objects.create(judgement=judgement, case=loop["done"], account_key=key, at=now)
    Offence.objects.create(
        judgement=loop["done"].judgements.create(
            judge=cast["reviewer"], result="infringing", reasons="x"
        ),
        case=loop["done"],
        account_key="a" * 64,
        at=now,
    )
    rows = repeat_offenders(_period())
    keys = [(r["kind"], r["key"], r["offences"]) for r in rows]
    assert ("account", "a" * 12, 2) in keys and ("account", "b" * 12, 1) not in keys


def pdf_text(body: bytes) -> str:
    """The PDF's text as pypdf extracts it. The embedded Noto Sans CJK is a CID-keyed CFF font,
    whose codes fpdf2 maps with an embedded encoding CMap; pypdf reads that CMap byte by byte and
    puts a NUL before each character, which is dropped here."""
    pages = PdfReader(io.BytesIO(body)).pages
    return "".join(page.extract_text() for page in pages).replace("\x00", "")


# --- the drill-down and the queue's new filters ---------------------------------------------


def test_drill_urls_carry_the_queue_filters() -> None:
    f = Filters(start=date(2025, 1, 1), end=date(2025, 3, 31), item="personal.doxxing")
    url = drill_url(f, region="330000")
    assert url.startswith("/workbench/cases/?")
    query = dict(p.split("=") for p in url.split("?")[1].split("&"))
    assert query == {
        "status": "all",
        "item": "personal.doxxing",
        "region": "33",
        "opened": "2025-01..2025-03",
    }
    one = drill_url(f, opened="2025-02")
    assert "opened=2025-02" in one and "opened=2025-01" not in one


def test_the_queue_filters_region_and_month(
    loop: dict[str, Case], make_user: Callable[..., Any], offices: dict[str, Office]
) -> None:
    user = make_user("central", Role.SUPERVISOR, office="000000")
    last_month = timezone.now() - timedelta(days=40)
    Case.objects.filter(pk=loop["pending"].pk).update(
        jurisdiction=offices["110000"], opened_at=last_month
    )

    def refs(**query: str) -> set[str]:
        return {c.reference for c in case_queue(user, QueueFilters.from_query(query))}

    everything = {c.reference for c in loop.values()}
    assert refs(status="all") == everything
    # Finished cases (the refused one) stay out by default.
    assert refs() == everything - {loop["refused"].reference}
    assert refs(status="all", region="33") == everything - {loop["pending"].reference}
    assert refs(status="all", region="110000") == {loop["pending"].reference}
    assert refs(status="all", opened=f"{timezone.localtime(last_month):%Y-%m}") == {
        loop["pending"].reference
    }
    this = f"{timezone.localdate():%Y-%m}"
    assert refs(status="all", opened=this) == everything - {loop["pending"].reference}
    span = f"{timezone.localtime(last_month):%Y-%m}..{this}"
    assert refs(status="all", opened=span) == everything
    assert QueueFilters.from_query({"opened": "2025-13", "region": "x1"}).active() == {}


def test_the_queue_page_keeps_the_new_filters(
    loop: dict[str, Case], make_user: Callable[..., Any], staff_client: Callable[..., Any]
) -> None:
    client = staff_client(make_user("boss", Role.SUPERVISOR))
    page = client.get("/workbench/cases/", {"status": "all", "region": "33", "opened": "2025-01"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="region" value="33"' in html and 'name="opened" value="2025-01"' in html


# --- the dashboard and its exports ----------------------------------------------------------


@pytest.fixture
def supervisor_client(make_user: Callable[..., Any], staff_client: Callable[..., Any]) -> Any:
    return staff_client(make_user("stat_boss", Role.SUPERVISOR))


def test_the_dashboard_shows_every_chart(loop: dict[str, Case], supervisor_client: Any) -> None:
    page = supervisor_client.get("/workbench/transparency/statistics/")
    assert page.status_code == 200
    html = page.content.decode()
    for name in QUERIES:
        assert f'data-chart="{name}"' in html
        assert f'<script id="{name}" type="application/json">' in html
    assert "/workbench/cases/?status=all&amp;item=personal.doxxing" in html


def test_the_dashboard_is_scoped_to_the_jurisdiction(
    offices: dict[str, Office], make_user: Callable[..., Any], staff_client: Callable[..., Any]
) -> None:
    today = _today()
    _figure(offices["110000"], today, received=9)
    _figure(offices["330106"], today, received=3)
    zhejiang = staff_client(make_user("zj", Role.SUPERVISOR, office="330000"))
    html = zhejiang.get("/workbench/transparency/statistics/").content.decode()
    assert 'data-total="received">3<' in html
    central = staff_client(make_user("cn", Role.SUPERVISOR, office="000000"))
    html = central.get("/workbench/transparency/statistics/").content.decode()
    assert 'data-total="received">12<' in html
    csv_body = zhejiang.get(
        "/workbench/transparency/statistics/export/volume_by_region.csv"
    ).content.decode("utf-8-sig")
    assert [row[0] for row in csv.reader(io.StringIO(csv_body))][1:] == ["330000"]
    # A province reads the slices of its region; asked for another province, it gets nothing.
    zj_user = User.objects.get(username="zj")
    f, offices_scope = scoped(zj_user, _period())
    assert (f.region, offices_scope) == ("330000", None)
    beijing = Filters(start=f.start, end=f.end, region="110000")
    f, offices_scope = scoped(zj_user, beijing)
    assert run_query("volume_by_region", f, offices=offices_scope) == []
    # A city reads the daily figures of its offices.
    hangzhou = staff_client(make_user("hz", Role.SUPERVISOR, office="330100"))
    html = hangzhou.get("/workbench/transparency/statistics/").content.decode()
    assert 'data-total="received">3<' in html


def test_csv_and_xlsx_exports(loop: dict[str, Case], supervisor_client: Any) -> None:
    base = "/workbench/transparency/statistics/export/"
    response = supervisor_client.get(base + "volume_by_item.csv", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[1][0] == ITEM and rows[1][2] == "4"
    for name in [*QUERIES, "repeat_offenders"]:
        response = supervisor_client.get(base + f"{name}.xlsx")
        assert response.status_code == 200, name
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet is not None and sheet.max_column >= 2
    assert supervisor_client.get(base + "nothing.csv").status_code == 404


def test_the_monthly_report_pdf_is_in_chinese(
    loop: dict[str, Case], supervisor_client: Any
) -> None:
    month = f"{_today():%Y-%m}"
    response = supervisor_client.get(
        "/workbench/transparency/statistics/report.pdf", {"month": month}
    )
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert month in text
    assert "浙江省" in text  # the jurisdiction, in Chinese
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_the_monthly_report_without_its_font(supervisor_client: Any, settings: Any) -> None:
    settings.JUBAO_PDF_FONT = "/nonexistent/font.ttc"
    response = supervisor_client.get("/workbench/transparency/statistics/report.pdf")
    assert response.status_code == 503
    assert "/nonexistent/font.ttc" in response.content.decode()
