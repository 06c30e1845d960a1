"""Guidance and training material for enterprises on the portal: published pieces only, open to
everyone (no sign-in)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from jubao.enterprises.counsel import guidance_published
from jubao.enterprises.models import GuidanceKind

PAGE_SIZE = 20


def guidance_list(request: HttpRequest) -> HttpResponse:
    """Published guidance and training material, newest first; `?kind=` narrows it to one kind."""
    kind = request.GET.get("kind", "")
    kind = kind if kind in GuidanceKind.values else ""
    page = Paginator(guidance_published(kind), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "kind": kind, "kinds": GuidanceKind.choices}
    return render(request, "enterprises/guidance/list.html", context)


def guidance_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One published piece; drafts and unpublished pieces are not found."""
    guidance = guidance_published().filter(pk=pk).first()
    if guidance is None:
        raise Http404
    return render(request, "enterprises/guidance/detail.html", {"guidance": guidance})
