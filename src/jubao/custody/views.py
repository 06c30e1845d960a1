"""Workbench pages of identity custody: the panel on the case page, the request, the custodian's
queue and decisions, and the identity page itself (for the requester, while access lasts)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from jubao.accounts.models import User
from jubao.accounts.policies import policy, staff_view
from jubao.cases.models import Case
from jubao.cases.selectors import case_get_for_user
from jubao.catalogue.details import detail_labels
from jubao.custody.forms import DecisionForm, RevealRequestForm
from jubao.custody.selectors import (
    request_get_for_custodian,
    request_get_for_requester,
    requests_of_requester,
    requests_pending,
)
from jubao.custody.services import (
    details_for_platform,
    reveal_decide,
    reveal_open,
    reveal_request,
)
from jubao.errors import DomainError, NotFound


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _case_or_404(request: HttpRequest, pk: int) -> Case:
    try:
        return case_get_for_user(_user(request), pk)
    except NotFound:
        raise Http404 from None


def custody_panel(
    request: HttpRequest, case: Case, *, form: RevealRequestForm | None = None
) -> dict[str, Any]:
    """The context of the identity panel on the case page (template custody/_case_panel.html).

    The case view calls it with the case it loaded through case_get_for_user, after building its
    own context, and merges the result in; it adds one variable, `custody`:

        context.update(custody_panel(request, case))

    and the case template includes the panel where it should appear:

        {% include "custody/_case_panel.html" %}

    The panel shows the user's own requests about the case's reports with their status, a link to
    the identity page of an approved, unexpired one, the request form to staff who may ask, and a
    link to the queue for custodians. It never shows an identity, and renders nothing for a user
    who may neither ask nor decide and has no requests.
    """
    user = _user(request)
    may_request = policy("identity.request").allows(user) and case.reports.exists()
    if form is None and may_request:
        form = RevealRequestForm(case=case, details=details_for_platform(case))
    return {
        "custody": {
            "case": case,
            "form": form,
            "requests": list(requests_of_requester(user, case)),
            "may_decide": policy("identity.reveal").allows(user),
        }
    }


@require_http_methods(["GET", "POST"])
@staff_view("identity.request")
def request_new(request: HttpRequest, pk: int) -> HttpResponse:
    """The request form (shown alone when the panel's post fails); a valid post files it."""
    case = _case_or_404(request, pk)
    posted = request.method == "POST"
    details = details_for_platform(case)
    form = RevealRequestForm(request.POST if posted else None, case=case, details=details)
    if posted and form.is_valid():
        try:
            reveal_request(
                case=case,
                report=form.cleaned_data["report"],
                requester=_user(request),
                reason=form.cleaned_data["reason"],
                transfer=form.cleaned_data.get("transfer"),
            )
        except DomainError as exc:
            if exc.field in form.fields:
                form.add_error(exc.field, str(exc.message))
            else:
                form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Your request has been sent to the identity custodian."))
            return redirect("cases:case", pk=case.pk)
    context = custody_panel(request, case, form=form)
    return render(request, "custody/request.html", context, status=400 if posted else 200)


def _queue_page(request: HttpRequest, status: int = 200) -> HttpResponse:
    page = Paginator(requests_pending(_user(request)), 50).get_page(request.GET.get("page"))
    items = [
        (
            r,
            DecisionForm(auto_id=f"id_decide_{r.pk}_%s"),
            detail_labels(details_for_platform(r.report.case)) if r.transfer_id else [],
        )
        for r in page
    ]
    context = {"page": page, "items": items, "hours": settings.JUBAO_REVEAL_HOURS}
    return render(request, "custody/queue.html", context, status=status)


@staff_view("identity.reveal")
def queue(request: HttpRequest) -> HttpResponse:
    """The custodian's pending requests with their reasons; no identity is ever shown here."""
    return _queue_page(request)


@require_POST
@staff_view("identity.reveal")
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    try:
        reveal = request_get_for_custodian(user, pk)
    except NotFound:
        raise Http404 from None
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to approve or refuse."))
        return _queue_page(request, status=400)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        reveal_decide(
            request=reveal, custodian=user, approve=approve, note=form.cleaned_data["note"]
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _queue_page(request, status=exc.status)
    done = _("Approved: %(report)s.") if approve else _("Refused: %(report)s.")
    messages.success(request, done % {"report": reveal.report.reference})
    return redirect("custody:queue")


@staff_view("identity.request")
def identity(request: HttpRequest, pk: int) -> HttpResponse:
    """The reporter's identity, for the requester of an approved request until it expires."""
    user = _user(request)
    try:
        reveal = request_get_for_requester(user, pk)
    except NotFound:
        raise Http404 from None
    try:
        contact = reveal_open(request=reveal, user=user)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        context = {"reveal": reveal, "message": exc.message}
        return render(request, "custody/unavailable.html", context, status=exc.status)
    response = render(request, "custody/identity.html", {"reveal": reveal, "identity": contact})
    response["Cache-Control"] = "private, no-store"
    return response
