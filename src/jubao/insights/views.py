"""The public transparency pages (no sign-in): the figures, the measures taken, published typical
cases, the platforms' figures, and the laws and regulations library."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from jubao.insights import selectors
from jubao.insights.models import LawEntry, LawStatus
from jubao.insights.services import laws_published, typical_cases_published

PAGE_SIZE = 20
LATEST = 5


def index(request: HttpRequest) -> HttpResponse:
    """The transparency page: twelve months of figures, the measures taken, the latest typical
    cases and the platforms' figures."""
    context = {
        "months": selectors.monthly_figures(),
        "measures": selectors.measures_taken(),
        "typical_cases": typical_cases_published()[:LATEST],
        "platform_totals": selectors.platform_totals(),
        "platform_figures": selectors.platform_figures(),
    }
    return render(request, "insights/index.html", context)


def typical_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(typical_cases_published(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "insights/typical_list.html", {"page": page})


def typical_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One published typical case; any other is not found."""
    typical = typical_cases_published().filter(pk=pk).first()
    if typical is None:
        raise Http404
    return render(request, "insights/typical_detail.html", {"typical": typical})


def law_list(request: HttpRequest) -> HttpResponse:
    """The library: `?q=` searches the title and the issuing body, `?status=` narrows it."""
    query = request.GET.get("q", "").strip()[:100]
    status = request.GET.get("status", "")
    status = status if status in LawStatus.values else ""
    page = Paginator(laws_published(query, status), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "q": query, "status": status, "statuses": LawStatus.choices}
    return render(request, "insights/law_list.html", context)


def law_detail(request: HttpRequest, pk: int) -> HttpResponse:
    law: LawEntry | None = laws_published().filter(pk=pk).first()
    if law is None:
        raise Http404
    return render(request, "insights/law_detail.html", {"law": law})
