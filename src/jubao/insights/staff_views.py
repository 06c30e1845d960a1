"""Transparency work in the workbench: typical cases (draft, check, approve, publish), the laws
library, and the platforms' periodic figures (for platform operators)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from jubao.accounts.models import User
from jubao.accounts.policies import policy, staff_view
from jubao.errors import DomainError, NotFound
from jubao.insights import services
from jubao.insights.forms import CheckForm, DraftForm, FiguresForm, LawForm
from jubao.insights.models import LawEntry, TypicalCase, TypicalStatus

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _add_error(form: forms.Form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))


def _typical_or_404(request: HttpRequest, pk: int) -> TypicalCase:
    try:
        return services.typical_case_get_for_staff(_user(request), pk)
    except NotFound:
        raise Http404 from None


# --- typical cases -------------------------------------------------------------------------


@staff_view("transparency.work")
def typical_list(request: HttpRequest) -> HttpResponse:
    """Typical cases of the jurisdiction, newest first, for editors and approvers."""
    user = _user(request)
    found = services.typical_cases_for_staff(user)
    status = request.GET.get("status", "")
    if status in TypicalStatus.values:
        found = found.filter(status=status)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "statuses": TypicalStatus.choices,
        "may_edit": policy(services.EDIT).allows(user),
    }
    return render(request, "insights/staff/typical_list.html", context)


@require_http_methods(["GET", "POST"])
@staff_view("transparency.edit")
def typical_new(request: HttpRequest) -> HttpResponse:
    """Draft a typical case from a finished case; the text is redacted on drafting."""
    user = _user(request)
    posted = request.method == "POST"
    cases = services.finished_cases_for(user)
    form = DraftForm(request.POST if posted else None, cases=cases)
    if posted and form.is_valid():
        try:
            created = services.typical_case_draft(
                user=user, case=form.cleaned_data["case"], title=form.cleaned_data["title"]
            )
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("Drafted and redacted. Check the text before approval."))
            return redirect("transparency_staff:typical", pk=created.pk)
    status = 400 if posted else 200
    return render(request, "insights/staff/typical_new.html", {"form": form}, status=status)


def _typical_page(
    request: HttpRequest, typical: TypicalCase, form: CheckForm | None = None, status: int = 200
) -> HttpResponse:
    user = _user(request)
    may_edit = policy(services.EDIT).allows(user)
    if (
        form is None
        and may_edit
        and typical.status
        in (
            TypicalStatus.DRAFTED,
            TypicalStatus.CHECKED,
        )
    ):
        form = CheckForm(initial={"title": typical.title, "text": typical.text})
    context = {
        "typical": typical,
        "form": form,
        "may_edit": may_edit,
        "may_approve": policy(services.APPROVE).allows(user)
        and user.pk not in (typical.drafted_by_id, typical.checked_by_id),
        "pii_left": services.pii_kind_names(services.pii_left(typical.title, typical.text)),
    }
    return render(request, "insights/staff/typical_detail.html", context, status=status)


@staff_view("transparency.work")
def typical(request: HttpRequest, pk: int) -> HttpResponse:
    return _typical_page(request, _typical_or_404(request, pk))


@require_POST
@staff_view("transparency.edit")
def typical_check(request: HttpRequest, pk: int) -> HttpResponse:
    found = _typical_or_404(request, pk)
    form = CheckForm(request.POST)
    if form.is_valid():
        try:
            services.typical_case_check(user=_user(request), typical=found, **form.cleaned_data)
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("The redaction has been checked."))
            return redirect("transparency_staff:typical", pk=found.pk)
    return _typical_page(request, found, form, status=400)


def _step(
    request: HttpRequest, pk: int, step: Callable[..., TypicalCase], done: str
) -> HttpResponse:
    found = _typical_or_404(request, pk)
    try:
        step(user=_user(request), typical=found)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done)
    return redirect("transparency_staff:typical", pk=found.pk)


@require_POST
@staff_view("transparency.approve")
def typical_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, services.typical_case_approve, _("Approved for publication."))


@require_POST
@staff_view("transparency.work")
def typical_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, services.typical_case_publish, _("Published."))


@require_POST
@staff_view("transparency.work")
def typical_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(request, pk, services.typical_case_withdraw, _("Withdrawn."))


# --- the laws library ----------------------------------------------------------------------


def _law_or_404(request: HttpRequest, pk: int) -> LawEntry:
    try:
        return services.law_get_for_staff(_user(request), pk)
    except NotFound:
        raise Http404 from None


@staff_view("transparency.edit")
def law_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(services.laws_for_staff(_user(request)), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "insights/staff/law_list.html", {"page": page})


def _law_form(request: HttpRequest, law: LawEntry | None) -> HttpResponse:
    posted = request.method == "POST"
    initial: dict[str, Any] = {}
    if law is not None:
        initial = {name: getattr(law, name) for name in LawForm.base_fields}
    form = LawForm(request.POST if posted else None, initial=initial)
    if posted and form.is_valid():
        try:
            if law is None:
                law = services.law_create(user=_user(request), **form.cleaned_data)
            else:
                law = services.law_update(user=_user(request), law=law, **form.cleaned_data)
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("transparency_staff:law_edit", pk=law.pk)
    context = {"form": form, "law": law}
    return render(request, "insights/staff/law_form.html", context, status=400 if posted else 200)


@require_http_methods(["GET", "POST"])
@staff_view("transparency.edit")
def law_new(request: HttpRequest) -> HttpResponse:
    return _law_form(request, None)


@require_http_methods(["GET", "POST"])
@staff_view("transparency.edit")
def law_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _law_form(request, _law_or_404(request, pk))


@require_POST
@staff_view("transparency.edit")
def law_publish(request: HttpRequest, pk: int) -> HttpResponse:
    law = _law_or_404(request, pk)
    publish = request.POST.get("publish") != "0"
    try:
        services.law_publish(user=_user(request), law=law, publish=publish)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Published.") if publish else _("Taken off the library."))
    return redirect("transparency_staff:law_edit", pk=law.pk)


# --- platforms' periodic figures -----------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_view("platform.work")
def figures(request: HttpRequest) -> HttpResponse:
    """A platform operator submits the platform's handling figures for a month."""
    user = _user(request)
    platform = user.platform
    if platform is None:
        raise Http404
    posted = request.method == "POST"
    form = FiguresForm(request.POST if posted else None)
    if posted and form.is_valid():
        values = dict(form.cleaned_data)
        try:
            done = services.figures_submit(platform=platform, by=user, **values)
        except DomainError as exc:
            _add_error(form, exc)
        else:
            if not done.changed:
                messages.info(request, _("These figures were already recorded."))
            elif done.created:
                messages.success(request, _("The figures have been recorded and published."))
            else:
                messages.success(request, _("The figures for this month have been replaced."))
            return redirect("transparency_staff:figures")
    context = {"form": form, "submitted": services.figures_of(platform)[:24]}
    return render(request, "insights/staff/figures.html", context, status=400 if posted else 200)
