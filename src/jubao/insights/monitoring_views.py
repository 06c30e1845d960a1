"""Monitoring in the workbench: early warnings (§7, §9) and the reporters' satisfaction (§19),
for supervisors and auditors of the jurisdiction (`cases.supervise`)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jubao.accounts.models import Role, User
from jubao.accounts.policies import has_role, staff_view
from jubao.errors import DomainError, NotFound
from jubao.insights import early_warning, satisfaction
from jubao.insights.models import EarlyWarning, WarningDimension, WarningStatus

PAGE_SIZE = 50
SUPERVISE = "cases.supervise"


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _warning_or_404(request: HttpRequest, pk: int) -> EarlyWarning:
    try:
        return early_warning.warning_get(_user(request), pk)
    except NotFound:
        raise Http404 from None


@staff_view(SUPERVISE)
def warning_list(request: HttpRequest) -> HttpResponse:
    """Early warnings of the jurisdiction, open ones first; filters by dimension and status."""
    found = early_warning.warnings_for(_user(request))
    dimension = request.GET.get("dimension", "")
    if dimension in WarningDimension.values:
        found = found.filter(dimension=dimension)
    else:
        dimension = ""
    status = request.GET.get("status", "")
    if status in WarningStatus.values:
        found = found.filter(status=status)
    else:
        status = ""
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(warning, early_warning.key_label(warning)) for warning in page]
    context = {
        "page": page,
        "rows": rows,
        "dimension": dimension,
        "dimensions": WarningDimension.choices,
        "status": status,
        "statuses": WarningStatus.choices,
    }
    return render(request, "insights/staff/warning_list.html", context)


@staff_view(SUPERVISE)
def warning(request: HttpRequest, pk: int) -> HttpResponse:
    found = _warning_or_404(request, pk)
    context = {
        "warning": found,
        "label": early_warning.key_label(found),
        "evidence": [
            (report, satisfaction.item_name(report.item_code))
            for report in early_warning.warning_evidence(found)
        ],
        "measures": list(early_warning.PROTECT_MEASURE_LABELS.items()),
        "may_act": has_role(_user(request), Role.SUPERVISOR),
    }
    return render(request, "insights/staff/warning_detail.html", context)


def _act(request: HttpRequest, pk: int, close: bool) -> HttpResponse:
    found = _warning_or_404(request, pk)
    note = request.POST.get("note", "")
    try:
        if close:
            early_warning.warning_close(user=_user(request), warning=found, note=note)
        else:
            early_warning.warning_acknowledge(user=_user(request), warning=found, note=note)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Closed.") if close else _("Acknowledged."))
    return redirect("transparency_staff:warning", pk=found.pk)


@require_POST
@staff_view(SUPERVISE)
def warning_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, close=False)


@require_POST
@staff_view(SUPERVISE)
def warning_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, close=True)


@staff_view(SUPERVISE)
def satisfaction_page(request: HttpRequest) -> HttpResponse:
    """Satisfaction per office, platform, report item and month, and the comments' search."""
    evaluations = satisfaction.evaluations_for(_user(request))
    query = request.GET.get("q", "").strip()[: satisfaction.QUERY_MAX_LENGTH]
    page = Paginator(satisfaction.comments_search(evaluations, query), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    comments = [
        (evaluation, satisfaction.item_name(evaluation.report.item_code)) for evaluation in page
    ]
    context = {
        "tables": [
            ("office", _("Per office"), satisfaction.by_office(evaluations)),
            (
                "platform",
                _("Per platform"),
                satisfaction.by_platform(evaluations, _("No platform")),
            ),
            ("item", _("Per report item"), satisfaction.by_item(evaluations)),
        ],
        "months": satisfaction.by_month(evaluations),
        "query": query,
        "page": page,
        "comments": comments,
    }
    return render(request, "insights/staff/satisfaction.html", context)
