"""The statistics dashboard (§4): charts of the pre-aggregated figures within the user's
jurisdiction, drill-down to the case queue, CSV and XLSX exports and the monthly PDF report."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jubao.accounts.models import Office, User
from jubao.accounts.policies import policy, staff_view
from jubao.cases.selectors import ALL_STATUSES
from jubao.insights import exports, pdf
from jubao.insights.statistics_forms import StatisticsForm, month_of, months_back
from jubao.insights.stats import (
    QUERIES,
    Filters,
    region_of,
    repeat_offenders,
    run_query,
    totals,
)

VIEW = "cases.view"

# name: (title, chart kind, category key, [(value key, series label)], unit)
CHARTS: dict[str, tuple[Any, str, str, list[tuple[str, Any]], str]] = {
    "volume_by_month": (
        gettext_lazy("Reports and cases by month"),
        "line",
        "month",
        [("received", gettext_lazy("Reports received")), ("opened", gettext_lazy("Cases opened"))],
        "",
    ),
    "volume_by_item": (
        gettext_lazy("Reports by report item"),
        "bar",
        "label",
        [("received", gettext_lazy("Reports received"))],
        "",
    ),
    "volume_by_channel": (
        gettext_lazy("Reports by channel"),
        "pie",
        "label",
        [("received", gettext_lazy("Reports received"))],
        "",
    ),
    "volume_by_region": (
        gettext_lazy("Reports by region"),
        "bar",
        "label",
        [("received", gettext_lazy("Reports received"))],
        "",
    ),
    "volume_by_platform": (
        gettext_lazy("Reports by platform"),
        "bar",
        "label",
        [("received", gettext_lazy("Reports received"))],
        "",
    ),
    "acceptance_rate_by_month": (
        gettext_lazy("Acceptance rate by month"),
        "line",
        "month",
        [("rate", gettext_lazy("Acceptance rate"))],
        "%",
    ),
    "disposal_rate_by_month": (
        gettext_lazy("Disposal rate by month"),
        "line",
        "month",
        [("rate", gettext_lazy("Disposal rate"))],
        "%",
    ),
    "on_time_rate_by_month": (
        gettext_lazy("On-time rate by month"),
        "line",
        "month",
        [("rate", gettext_lazy("On-time rate"))],
        "%",
    ),
    "handling_time_histogram": (
        gettext_lazy("Time from opening to answer"),
        "bar",
        "label",
        [("cases", gettext_lazy("Cases"))],
        "",
    ),
    "measures_by_code": (
        gettext_lazy("Measures ordered"),
        "bar",
        "label",
        [("measures", gettext_lazy("Measures ordered"))],
        "",
    ),
}
assert set(CHARTS) == set(QUERIES)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def user_offices(user: User) -> QuerySet[Office]:
    return policy(VIEW).scope(user, Office.objects.all(), "")


def query_scope(user: User) -> QuerySet[Office] | None:
    """The offices to narrow the figures to; None for the central office (everything)."""
    office = user.office
    if office is not None and not office.scope_prefix and policy(VIEW).allows(user):
        return None
    return user_offices(user)


def scoped(user: User, f: Filters) -> tuple[Filters, QuerySet[Office] | None]:
    """The filters and the offices to narrow the figures to. A province office's scope is its
    region, which the pre-aggregated slices know, so its dashboards read as few rows as the
    central office's; a city office's scope stays a set of offices (the daily figures)."""
    scope = query_scope(user)
    office = user.office
    if scope is None or office is None or len(office.scope_prefix) != 2:
        return f, scope
    region = region_of(office.code)
    if f.region and region_of(f.region) != region:
        return f, scope  # another province: nothing, as the offices say
    return replace(f, region=region), None


def _form(request: HttpRequest, offices: QuerySet[Office]) -> StatisticsForm:
    return StatisticsForm(request.GET or None, offices=offices)


def _month_span(f: Filters) -> str:
    first, last = f"{f.start:%Y-%m}", f"{f.end:%Y-%m}"
    return first if first == last else f"{first}..{last}"


def drill_url(f: Filters, **override: str | int | None) -> str:
    """The case queue with every case (finished ones too) matching the filters and `override`:
    the report item, the platform, the province ("330000" -> region "33"), the month opened."""
    query: dict[str, Any] = {
        "status": ALL_STATUSES,
        "item": f.item,
        "platform": f.platform or "",
        "region": f.region[:2] if f.region else "",
        "opened": _month_span(f),
    }
    for key, value in override.items():
        query[key] = "" if value is None else value
    if query["region"]:
        query["region"] = str(query["region"])[:2]
    clean = {k: v for k, v in query.items() if v not in ("", None)}
    return reverse("cases:queue") + "?" + urlencode(clean)


def _links(name: str, f: Filters, rows: list[dict[str, Any]]) -> list[str | None]:
    if name == "volume_by_item":
        return [drill_url(f, item=r["item"]) for r in rows]
    if name == "volume_by_region":
        return [drill_url(f, region=r["region"]) for r in rows]
    if name == "volume_by_platform":
        return [drill_url(f, platform=r["platform"]) if r["platform"] else None for r in rows]
    if name.endswith("_by_month"):
        return [drill_url(f, opened=r["month"]) for r in rows]
    return [None for _r in rows]


def _chart(name: str, f: Filters, rows: list[dict[str, Any]]) -> dict[str, Any]:
    title, kind, category, series, unit = CHARTS[name]
    return {
        "name": name,
        "title": str(title),
        "kind": kind,
        "unit": unit,
        "categories": [str(r[category]) for r in rows],
        "series": [
            {"key": key, "name": str(label), "data": [r.get(key) for r in rows]}
            for key, label in series
        ],
        "links": _links(name, f, rows),
        "empty": _("No data for this period."),
    }


def _export_query(f: Filters, form: StatisticsForm) -> str:
    data = {
        k: v for k, v in (form.cleaned_data.items() if form.is_bound and form.is_valid() else [])
    }
    data = {k: v for k, v in data.items() if v}
    data.setdefault("start", f"{f.start:%Y-%m}")
    data.setdefault("end", f"{f.end:%Y-%m}")
    return urlencode(data)


@staff_view(VIEW)
def dashboard(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    offices = user_offices(user)
    form = _form(request, offices)
    asked = form.filters()
    f, scope = scoped(user, asked)
    charts = []
    for name in CHARTS:
        rows = run_query(name, f, offices=scope)
        columns = exports.COLUMNS[name]
        charts.append(
            {
                "name": name,
                "spec": _chart(name, f, rows),
                "title": CHARTS[name][0],
                "headers": [label for _key, label in columns],
                "rows": [
                    [("" if r.get(key) is None else r.get(key)) for key, _label in columns]
                    for r in rows
                ],
                "links": _links(name, f, rows),
            }
        )
    context = {
        "form": form,
        "filters": asked,
        "charts": charts,
        "totals": totals(f, offices=scope),
        "offenders": repeat_offenders(f, offices=scope),
        "offender_headers": [label for _key, label in exports.COLUMNS[exports.REPEAT_OFFENDERS]],
        "export_query": _export_query(f, form),
        "report_month": f"{f.end:%Y-%m}",
        "cases_url": drill_url(f),
    }
    return render(request, "insights/statistics/dashboard.html", context)


def _rows(name: str, f: Filters, scope: QuerySet[Office] | None) -> list[dict[str, Any]]:
    if name == exports.REPEAT_OFFENDERS:
        return repeat_offenders(f, limit=1000, offices=scope)
    return run_query(name, f, offices=scope)


def _title(name: str) -> str:
    if name == exports.REPEAT_OFFENDERS:
        return _("Repeat offenders")
    return str(CHARTS[name][0])


@staff_view(VIEW)
def export(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    """One query's rows as CSV or XLSX, for the same filters as the dashboard."""
    if name not in exports.COLUMNS or fmt not in ("csv", "xlsx"):
        raise Http404
    user = _user(request)
    f, scope = scoped(user, _form(request, user_offices(user)).filters())
    rows = _rows(name, f, scope)
    filename = f"statistics-{name}-{f.start:%Y%m}-{f.end:%Y%m}.{fmt}"
    if fmt == "csv":
        body, kind = exports.to_csv(name, rows), "text/csv; charset=utf-8"
    else:
        body = exports.to_xlsx(name, rows, _title(name))
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@staff_view(VIEW)
def monthly_report(request: HttpRequest) -> HttpResponse:
    """The month's report as a PDF (the month of `month`, else the previous month)."""
    user = _user(request)
    month = month_of(request.GET.get("month", "")) or months_back(timezone.localdate(), 1)
    f = Filters.months(month, month, region=str(request.GET.get("region", ""))[:6])
    if f.region and not f.region.isdigit():
        f = Filters.months(month, month)
    office = user.office
    scope_name = office.name if office is not None else ""
    if f.region:
        region = Office.objects.filter(code=f.region).first()
        scope_name = f"{scope_name} / {region.name}" if region else scope_name
    f, scope = scoped(user, f)
    try:
        body = pdf.monthly_report(
            month,
            scope_name,
            totals(f, offices=scope),
            run_query("volume_by_item", f, offices=scope),
            run_query("volume_by_channel", f, offices=scope),
            run_query("measures_by_code", f, offices=scope),
            repeat_offenders(f, limit=1000, offices=scope),
        )
    except pdf.FontMissing as exc:
        message = _(
            "The monthly report cannot be made: the font file %(path)s is missing. Install a "
            "Chinese font (Debian: fonts-noto-cjk) or set JUBAO_PDF_FONT."
        ) % {"path": exc.path}
        title = _("The monthly report is not available")
        context = {"message": message, "title": title}
        return render(request, "web/error.html", context, status=503)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="statistics-{month:%Y-%m}.pdf"'
    return response
