"""Handling complaints in the workbench: the list (overdue first) and one complaint's actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jubao.accounts.models import Platform, User
from jubao.accounts.policies import staff_view
from jubao.complaints.forms import AnswerForm, EmptyForm, QuestionForm, ReasonForm, ReplyForm
from jubao.complaints.models import (
    Complaint,
    ComplaintEvaluation,
    ComplaintStatus,
)
from jubao.complaints.services import (
    complaint_accept,
    complaint_answer,
    complaint_ask_platform,
    complaint_close,
    complaint_get,
    complaint_record_reply,
    complaint_refuse,
    complaints_for,
)
from jubao.errors import DomainError, NotFound

POLICY = "complaints.handle"
PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@staff_view(POLICY)
@require_GET
def complaint_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    found = complaints_for(_user(request), now)
    filters = {
        "status": request.GET.get("status", ""),
        "platform": request.GET.get("platform", ""),
        "overdue": request.GET.get("overdue", ""),
    }
    if filters["status"] in ComplaintStatus.values:
        found = found.filter(status=filters["status"])
    if filters["platform"].isdigit():
        found = found.filter(platform_id=int(filters["platform"]))
    if filters["overdue"]:
        found = found.filter(due_at__lt=now)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    platforms = Platform.objects.filter(
        pk__in=complaints_for(_user(request)).values("platform_id")
    ).order_by("name")
    context = {
        "page": page,
        "filters": filters,
        "statuses": ComplaintStatus.choices,
        "platforms": platforms,
        "now": now,
    }
    return render(request, "complaints/staff_list.html", context)


# The actions on one complaint: its form, its service, and the statuses it is offered in.
Action = tuple[type[forms.Form], Callable[..., Complaint], tuple[str, ...]]


def _accept(complaint: Complaint, by: User, data: dict[str, Any]) -> Complaint:
    return complaint_accept(complaint=complaint, by=by)


def _refuse(complaint: Complaint, by: User, data: dict[str, Any]) -> Complaint:
    return complaint_refuse(complaint=complaint, by=by, reason=data["reason"])


def _ask(complaint: Complaint, by: User, data: dict[str, Any]) -> Complaint:
    return complaint_ask_platform(complaint=complaint, by=by, question=data["question"])


def _reply(complaint: Complaint, by: User, data: dict[str, Any]) -> Complaint:
    return complaint_record_reply(
        complaint=complaint,
        by=by,
        reply=data["reply"],
        platform_reference=data["platform_reference"],
    )


def _answer(complaint: Complaint, by: User, data: dict[str, Any]) -> Complaint:
    return complaint_answer(complaint=complaint, by=by, answer=data["answer"])


def _close(complaint: Complaint, by: User, data: dict[str, Any]) -> Complaint:
    return complaint_close(complaint=complaint, by=by)


S = ComplaintStatus
ACTIONS: dict[str, Action] = {
    "accept": (EmptyForm, _accept, (S.RECEIVED,)),
    "refuse": (ReasonForm, _refuse, (S.RECEIVED,)),
    "ask": (QuestionForm, _ask, (S.ACCEPTED, S.REFERRED)),
    "reply": (ReplyForm, _reply, (S.REFERRED,)),
    "answer": (AnswerForm, _answer, (S.ACCEPTED, S.REFERRED)),
    "close": (EmptyForm, _close, (S.ANSWERED,)),
}
DONE_MESSAGES = {
    "accept": lambda: _("Complaint accepted."),
    "refuse": lambda: _("Complaint not accepted."),
    "ask": lambda: _("Question to the platform recorded."),
    "reply": lambda: _("The platform's reply was recorded."),
    "answer": lambda: _("The answer was sent to the complainant."),
    "close": lambda: _("Complaint closed."),
}


def _complaint(request: HttpRequest, pk: int) -> Complaint:
    try:
        return complaint_get(_user(request), pk)
    except NotFound:
        raise Http404 from None


def _detail(
    request: HttpRequest, complaint: Complaint, bound: dict[str, forms.Form] | None = None
) -> HttpResponse:
    bound = bound or {}
    offered = {
        name: bound.get(name) or form_class(prefix=name)
        for name, (form_class, _service, statuses) in ACTIONS.items()
        if complaint.status in statuses
    }
    context = {
        "complaint": complaint,
        "events": complaint.events.select_related("by"),
        "evaluation": ComplaintEvaluation.objects.filter(complaint=complaint).first(),
        "forms": offered,
        "overdue": complaint.is_overdue(),
    }
    return render(request, "complaints/staff_detail.html", context, status=400 if bound else 200)


@staff_view(POLICY)
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _complaint(request, pk))


@staff_view(POLICY)
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    complaint = _complaint(request, pk)
    form_class, service, _statuses = ACTIONS[action]
    form = form_class(request.POST, prefix=action)
    if form.is_valid():
        try:
            service(complaint, _user(request), form.cleaned_data)
        except DomainError as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, str(exc.message))
        else:
            messages.success(request, DONE_MESSAGES[action]())
            return redirect("complaints_staff:detail", pk=complaint.pk)
    return _detail(request, complaint, {action: form})
