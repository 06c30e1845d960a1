"""Staff entry of reports received by telephone, letter or in person (offline coverage, §3)."""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from jubao.accounts.policies import staff_view
from jubao.catalogue import get_catalogue
from jubao.intake import receipts
from jubao.intake.forms import ReportForm
from jubao.intake.models import STAFF_CHANNELS, Channel


class StaffReportForm(ReportForm):
    channel = forms.ChoiceField(
        label=_("Received by"), choices=[(c.value, c.label) for c in STAFF_CHANNELS]
    )


@staff_view("reports.enter")
def choose(request: HttpRequest) -> HttpResponse:
    return render(request, "intake/staff_choose.html", {"items": get_catalogue().items})


@staff_view("reports.enter")
def enter(request: HttpRequest, code: str) -> HttpResponse:
    catalogue = get_catalogue()
    try:
        item = catalogue.item(code)
    except KeyError:
        raise Http404 from None
    form = StaffReportForm(
        request.POST or None, request.FILES or None, item=item, catalogue=catalogue
    )
    if request.method == "POST" and form.is_valid():
        result = form.submit(Channel(form.cleaned_data["channel"]), entered_by=request.user)
        if result is not None:
            context = {
                "report": result.report,
                "code": receipts.display(result.receipt),
                "joined": result.joined_existing_case,
            }
            return render(request, "intake/staff_done.html", context)
    return render(
        request,
        "intake/staff_form.html",
        {"item": item, "form": form},
        status=400 if form.errors else 200,
    )
