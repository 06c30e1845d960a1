"""Workbench pages of measures: the panel on the case page with its staff decisions, and the
blacklist with its appeals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jubao.accounts.models import User
from jubao.accounts.policies import policy, staff_view
from jubao.cases.models import Case
from jubao.cases.selectors import case_get_for_user
from jubao.errors import DomainError, NotFound
from jubao.measures import lifecycle
from jubao.measures.blacklist import blacklist_appeal, blacklist_appeal_decide
from jubao.measures.conversions import conversion_approve, conversion_refuse
from jubao.measures.forms import (
    AppealDecisionForm,
    AppealForm,
    LabelForm,
    ProofForm,
    ReviewForm,
)
from jubao.measures.models import (
    AppealStatus,
    BlacklistEntry,
    Conversion,
    ConversionStatus,
    Measure,
    MeasureStatus,
    ResponseStatus,
)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@dataclass(frozen=True)
class Row:
    """One measure on the case page, with the decisions staff may take on it now."""

    measure: Measure
    name: str
    extend: bool
    proof: bool
    review: bool
    settle: bool
    recheck_due: bool
    # Removal proposed in place of this measure, waiting for approval.
    conversion: Conversion | None = None


def _row(measure: Measure, may_act: bool, now: Any) -> Row:
    spec = lifecycle.spec_of(measure)
    active = may_act and measure.status == MeasureStatus.ACTIVE
    private = active and lifecycle.is_private(measure)
    label = lifecycle.is_label(measure)
    pending = next(
        (c for c in measure.conversions.all() if c.status == ConversionStatus.PENDING), None
    )
    return Row(
        measure=measure,
        name=spec.name.get(),
        extend=private and measure.extensions_used < (spec.params.extensions or 0),
        proof=private and pending is None,
        review=may_act and label and measure.response_status == ResponseStatus.PENDING,
        settle=active and label and pending is None,
        recheck_due=active and bool(measure.recheck_at and measure.recheck_at <= now),
        conversion=pending if measure.status == MeasureStatus.ACTIVE else None,
    )


def measures_panel(request: HttpRequest, case: Case) -> dict[str, Any]:
    """The context of the measures panel on the case page (template measures/_case_panel.html).

    The case view calls it with the case it loaded through case_get_for_user and merges the
    result into its context; it adds one variable, `measures`:

        context.update(measures_panel(request, case))

    and the case template includes the panel:

        {% include "measures/_case_panel.html" %}

    It lists the case's measures with their status and dates and, to staff who may act on cases,
    the decisions each one allows now. It renders nothing for a case without measures.
    """
    may_act = policy("cases.act").allows(_user(request))
    now = timezone.now()
    found = case.measures.select_related("platform", "replaced_by").order_by("pk")
    found = found.prefetch_related("conversions__proposer", "conversions__approvals__approver")
    return {
        "measures": {
            "case": case,
            "may_act": may_act,
            "rows": [_row(m, may_act, now) for m in found],
            "proof_form": ProofForm(auto_id=False),
            "review_form": ReviewForm(auto_id=False),
            "label_form": LabelForm(auto_id=False),
        }
    }


def _measure_or_404(request: HttpRequest, pk: int, mid: int) -> Measure:
    try:
        case = case_get_for_user(_user(request), pk)
    except NotFound:
        raise Http404 from None
    found = case.measures.filter(pk=mid).first()
    if found is None:
        raise Http404
    return found


def _extend(measure: Measure, user: User, data: dict[str, Any]) -> str:
    lifecycle.private_extend(measure=measure, by=user)
    return _("The measure has been extended.")


def _proof(measure: Measure, user: User, data: dict[str, Any]) -> str:
    holds = data["holds"] == "yes"
    lifecycle.private_proof_received(measure=measure, by=user, holds=holds)
    return _("The content will be removed.") if holds else _("The content is public again.")


def _review(measure: Measure, user: User, data: dict[str, Any]) -> str:
    show = data["decision"] == "show"
    lifecycle.label_response_review(measure=measure, by=user, show=show, note=data["note"])
    return _("The statement will be shown.") if show else _("The statement was refused.")


def _settle(measure: Measure, user: User, data: dict[str, Any]) -> str:
    if data["outcome"] == "upgrade":
        lifecycle.label_upgrade(measure=measure, by=user)
        return _("The content will be removed.")
    lifecycle.label_remove(measure=measure, by=user)
    return _("The label has been removed.")


def _rechecked(measure: Measure, user: User, data: dict[str, Any]) -> str:
    lifecycle.measure_rechecked(measure=measure, by=user)
    return _("The re-check has been recorded.")


Action = Callable[[Measure, User, dict[str, Any]], str]
ACTIONS: dict[str, tuple[type[forms.Form] | None, Action]] = {
    "extend": (None, _extend),
    "proof": (ProofForm, _proof),
    "review": (ReviewForm, _review),
    "settle": (LabelForm, _settle),
    "rechecked": (None, _rechecked),
}


def _refused(request: HttpRequest, message: str, status: int) -> HttpResponse:
    title = _("Not done")
    return render(request, "web/error.html", {"message": message, "title": title}, status=status)


@require_POST
@staff_view("cases.act")
def act(request: HttpRequest, pk: int, mid: int, verb: str) -> HttpResponse:
    """One staff decision on a measure of the case; back to the case page when it is done."""
    if verb not in ACTIONS:
        raise Http404
    measure = _measure_or_404(request, pk, mid)
    form_class, action = ACTIONS[verb]
    data: dict[str, Any] = {}
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            errors = [str(e) for field in form.errors.values() for e in field]
            return _refused(request, " ".join(errors), 400)
        data = form.cleaned_data
    try:
        done = action(measure, _user(request), data)
    except DomainError as exc:
        return _refused(request, str(exc.message), exc.status)
    messages.success(request, done)
    return redirect("cases:case", pk=pk)


@require_POST
@staff_view("cases.act")
def conversion(request: HttpRequest, pk: int, mid: int, cid: int, verb: str) -> HttpResponse:
    """Approve or refuse the removal proposed in place of a provisional measure."""
    if verb not in ("approve", "refuse"):
        raise Http404
    measure = _measure_or_404(request, pk, mid)
    found = measure.conversions.filter(pk=cid).first()
    if found is None:
        raise Http404
    try:
        if verb == "approve":
            conversion_approve(conversion=found, by=_user(request))
            done = _("Your approval has been recorded.")
        else:
            conversion_refuse(
                conversion=found, by=_user(request), note=request.POST.get("note", "")
            )
            done = _("The proposal has been refused; the measure stays as it was.")
    except DomainError as exc:
        return _refused(request, str(exc.message), exc.status)
    messages.success(request, done)
    return redirect("cases:case", pk=pk)


# --- the blacklist --------------------------------------------------------------------------


def _entries(user: User) -> QuerySet[BlacklistEntry]:
    found = BlacklistEntry.objects.prefetch_related("source_cases")
    return policy("blacklist.manage").scope(user, found, "source_cases__jurisdiction").distinct()


def _entry_or_404(request: HttpRequest, pk: int) -> BlacklistEntry:
    found = _entries(_user(request)).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _blacklist_page(request: HttpRequest, status: int = 200) -> HttpResponse:
    page = Paginator(_entries(_user(request)), 50).get_page(request.GET.get("page"))
    now = timezone.now()
    items = [
        {
            "entry": e,
            "in_force": e.in_force(now),
            "appeal_form": AppealForm(auto_id=f"id_appeal_{e.pk}_%s"),
            "decision_form": AppealDecisionForm(auto_id=f"id_decide_{e.pk}_%s"),
        }
        for e in page
    ]
    context = {"page": page, "items": items, "pending": AppealStatus.PENDING}
    return render(request, "measures/blacklist.html", context, status=status)


@staff_view("blacklist.manage")
def blacklist(request: HttpRequest) -> HttpResponse:
    """Entries of the user's jurisdiction (by their source cases), newest first."""
    return _blacklist_page(request)


@require_POST
@staff_view("blacklist.manage")
def appeal(request: HttpRequest, pk: int) -> HttpResponse:
    """Record an appeal the listed party sent to the office."""
    entry = _entry_or_404(request, pk)
    form = AppealForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write what the appeal says."))
        return _blacklist_page(request, status=400)
    try:
        blacklist_appeal(entry=entry, text=form.cleaned_data["text"], by=_user(request))
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _blacklist_page(request, status=exc.status)
    messages.success(request, _("The appeal has been recorded."))
    return redirect("measures:blacklist")


@require_POST
@staff_view("blacklist.manage")
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry_or_404(request, pk)
    form = AppealDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to uphold or dismiss."))
        return _blacklist_page(request, status=400)
    uphold = form.cleaned_data["decision"] == "uphold"
    try:
        blacklist_appeal_decide(
            entry=entry, by=_user(request), uphold=uphold, note=form.cleaned_data["note"]
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _blacklist_page(request, status=exc.status)
    done = _("Appeal upheld: the entry is lifted.") if uphold else _("Appeal dismissed.")
    messages.success(request, done)
    return redirect("measures:blacklist")
