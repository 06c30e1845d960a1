"""The enterprise area in the workbench: the enterprises of the jurisdiction, their documents,
verification, and (from counsel_views) the office's guidance work with each."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case as When_
from django.db.models import IntegerField, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jubao.accounts.models import User
from jubao.accounts.policies import staff_view
from jubao.cases.views import _staff_copy
from jubao.enterprises.forms import DecisionForm
from jubao.enterprises.models import Enterprise, EnterpriseDocument, EnterpriseStatus
from jubao.enterprises.services import enterprise_decide, enterprises_for, unfounded_count
from jubao.errors import DomainError
from jubao.ledger.services import obj_ref


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _enterprise_or_404(request: HttpRequest, pk: int) -> Enterprise:
    found = enterprises_for(_user(request)).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@staff_view("enterprises.verify")
def enterprises(request: HttpRequest) -> HttpResponse:
    """The jurisdiction's enterprises, those waiting for verification first."""
    status = request.GET.get("status", "")
    found = enterprises_for(_user(request))
    if status in EnterpriseStatus.values:
        found = found.filter(status=status)
    waiting_first = When_(
        When(status=EnterpriseStatus.PENDING, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    found = found.order_by(waiting_first, "-registered_at", "pk")
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    context = {"page": page, "status": status, "statuses": EnterpriseStatus.choices}
    return render(request, "enterprises/staff_list.html", context)


def _detail(
    request: HttpRequest,
    enterprise: Enterprise,
    form: DecisionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    from jubao.enterprises.counsel_views import counsel_panel

    context: dict[str, Any] = {
        "enterprise": enterprise,
        "documents": enterprise.documents.all(),
        "form": form or DecisionForm(),
        "unfounded": unfounded_count(enterprise),
        "notices": enterprise.notices.all()[:10],
        "reports": enterprise.contact.reports.select_related("case").order_by("-submitted_at")[:50],
    }
    context.update(counsel_panel(request, enterprise))
    return render(request, "enterprises/staff_detail.html", context, status=status)


@staff_view("enterprises.verify")
def enterprise(request: HttpRequest, pk: int) -> HttpResponse:
    """One enterprise: what it declared, its documents, its cases, notices and guidance work.
    The contact's name and phone stay sealed; the office reaches them through the cases."""
    return _detail(request, _enterprise_or_404(request, pk))


@require_POST
@staff_view("enterprises.verify")
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    found = _enterprise_or_404(request, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _detail(request, found, form, status=400)
    verify = form.cleaned_data["decision"] == "verify"
    try:
        enterprise_decide(
            enterprise=found, by=_user(request), verify=verify, note=form.cleaned_data["note"]
        )
    except DomainError as exc:
        form.add_error("note" if exc.field == "note" else None, str(exc.message))
        return _detail(request, found, form, status=exc.status)
    messages.success(request, _("Verified.") if verify else _("The enterprise has been told."))
    return redirect("enterprise_staff:detail", pk=found.pk)


@staff_view("enterprises.verify")
def document(request: HttpRequest, ref: uuid.UUID) -> HttpResponse:
    """The sanitised copy of a registration document; every view is ledgered."""
    item = EnterpriseDocument.objects.filter(vault_ref=ref).first()
    if item is None or not item.staff_media_type:
        raise Http404
    _enterprise_or_404(request, item.enterprise_id)
    return _staff_copy(request, item.vault_ref, item.staff_media_type, obj_ref(item))
