"""Workbench pages of the guidance work with enterprises: the counselling panel of the enterprise
page, the key enterprises and their liaison officers, guidance and training material, and joint
handling records."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from jubao.accounts.models import User
from jubao.accounts.policies import policy, staff_view
from jubao.enterprises import counsel
from jubao.enterprises.counsel_forms import (
    CounsellingForm,
    GuidanceForm,
    JointHandlingForm,
    LiaisonForm,
)
from jubao.enterprises.models import Enterprise, Guidance
from jubao.errors import DomainError, NotFound

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _enterprise_or_404(request: HttpRequest, pk: int) -> Enterprise:
    try:
        return counsel.enterprise_get_for_guide(_user(request), pk)
    except NotFound:
        raise Http404 from None


def _guidance_or_404(request: HttpRequest, pk: int) -> Guidance:
    try:
        return counsel.guidance_get_for_staff(_user(request), pk)
    except NotFound:
        raise Http404 from None


def _add_error(form: forms.Form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))


def counsel_panel(
    request: HttpRequest,
    enterprise: Enterprise,
    *,
    form: CounsellingForm | None = None,
    joint_form: JointHandlingForm | None = None,
) -> dict[str, Any]:
    """The context of the guidance panel on the staff enterprise page (template
    enterprises/counsel/_panel.html); it adds one variable, `counsel`:

        context.update(counsel_panel(request, enterprise))

    and the page includes the panel where it should appear:

        {% include "enterprises/counsel/_panel.html" %}

    The panel shows the enterprise's counselling records, its joint handling records on cases the
    user may see, the liaison officer, and, to users with `enterprises.guide`, the forms to add a
    counselling record and (when the enterprise has cases in the user's jurisdiction) a joint
    handling record. It renders nothing for users without that policy.
    """
    user = _user(request)
    may_guide = policy(counsel.GUIDE).allows(user)
    cases = counsel.enterprise_cases(user, enterprise) if may_guide else None
    if may_guide and enterprise.verified:
        today = {"held_on": timezone.localdate()}
        if form is None:
            form = CounsellingForm(initial=today)
        if joint_form is None and cases is not None and cases.exists():
            joint_form = JointHandlingForm(cases=cases, initial=today)
    return {
        "counsel": {
            "enterprise": enterprise,
            "may_guide": may_guide,
            "counselling": list(counsel.counselling_of(enterprise)) if may_guide else [],
            "joint": list(counsel.joint_handling_of(user, enterprise)) if may_guide else [],
            "form": form,
            "joint_form": joint_form,
        }
    }


def _done(request: HttpRequest, enterprise: Enterprise) -> HttpResponse:
    return redirect("enterprise_staff:detail", pk=enterprise.pk)


@require_http_methods(["GET", "POST"])
@staff_view(counsel.GUIDE)
def counselling_add(request: HttpRequest, pk: int) -> HttpResponse:
    """The counselling form (shown alone when the panel's post fails); a valid post records it."""
    enterprise = _enterprise_or_404(request, pk)
    posted = request.method == "POST"
    form = CounsellingForm(request.POST if posted else None)
    if posted and form.is_valid():
        try:
            counsel.counselling_add(user=_user(request), enterprise=enterprise, **form.cleaned_data)
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("The counselling record has been added."))
            return _done(request, enterprise)
    context = counsel_panel(request, enterprise, form=form)
    return render(
        request, "enterprises/counsel/panel_page.html", context, status=400 if posted else 200
    )


@require_http_methods(["GET", "POST"])
@staff_view(counsel.GUIDE)
def joint_add(request: HttpRequest, pk: int) -> HttpResponse:
    """The joint handling form (shown alone when the panel's post fails)."""
    user = _user(request)
    enterprise = _enterprise_or_404(request, pk)
    posted = request.method == "POST"
    cases = counsel.enterprise_cases(user, enterprise)
    form = JointHandlingForm(request.POST if posted else None, cases=cases)
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            counsel.joint_handling_add(
                user=user,
                enterprise=enterprise,
                case_pk=data["case"].pk,
                department=data["department"],
                held_on=data["held_on"],
                notes=data["notes"],
            )
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("The joint handling record has been added."))
            return _done(request, enterprise)
    context = counsel_panel(request, enterprise, joint_form=form)
    return render(
        request, "enterprises/counsel/panel_page.html", context, status=400 if posted else 200
    )


# --- liaison --------------------------------------------------------------------------------


def _liaison_page(
    request: HttpRequest, *, failed: tuple[int, LiaisonForm] | None = None, status: int = 200
) -> HttpResponse:
    user = _user(request)
    page = Paginator(counsel.key_enterprises(user), PAGE_SIZE).get_page(request.GET.get("page"))
    # The candidates depend on the enterprise's office only: one query per office on the page.
    choices: dict[int, list[tuple[Any, str]]] = {}
    rows = []
    for enterprise in page:
        candidates = counsel.liaison_candidates(user, enterprise).select_related("office")
        if failed and failed[0] == enterprise.pk:
            form = failed[1]
        else:
            form = LiaisonForm(
                initial={"liaison": enterprise.liaison_id},
                candidates=candidates,
                auto_id=f"id_liaison_{enterprise.pk}_%s",
            )
            if enterprise.office_id not in choices:
                choices[enterprise.office_id] = list(form.fields["liaison"].widget.choices)
            form.fields["liaison"].widget.choices = choices[enterprise.office_id]
        rows.append((enterprise, form))
    return render(
        request, "enterprises/counsel/liaison.html", {"page": page, "rows": rows}, status=status
    )


@staff_view(counsel.GUIDE)
def liaison_list(request: HttpRequest) -> HttpResponse:
    """The verified key enterprises of the jurisdiction with their key types, office and liaison
    officer, each with the form to change the liaison."""
    return _liaison_page(request)


@require_POST
@staff_view(counsel.GUIDE)
def liaison_set(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    enterprise = _enterprise_or_404(request, pk)
    form = LiaisonForm(
        request.POST,
        candidates=counsel.liaison_candidates(user, enterprise),
        auto_id=f"id_liaison_{enterprise.pk}_%s",
    )
    if form.is_valid():
        liaison = form.cleaned_data["liaison"]
        try:
            counsel.liaison_set(user=user, enterprise=enterprise, liaison=liaison)
        except DomainError as exc:
            _add_error(form, exc)
        else:
            if liaison is None:
                done = _("%(enterprise)s has no liaison officer now.")
            else:
                done = _("%(liaison)s is now the liaison officer of %(enterprise)s.")
            messages.success(request, done % {"enterprise": enterprise.name, "liaison": liaison})
            return redirect("enterprise_staff:liaison")
    messages.error(request, _("The liaison officer was not changed."))
    return _liaison_page(request, failed=(enterprise.pk, form), status=400)


# --- guidance -------------------------------------------------------------------------------


@staff_view(counsel.GUIDE)
def guidance_list(request: HttpRequest) -> HttpResponse:
    """Guidance and training material written in the jurisdiction, drafts and published."""
    guidance = counsel.guidance_for_staff(_user(request))
    page = Paginator(guidance, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "enterprises/counsel/guidance_list.html", {"page": page})


@require_http_methods(["GET", "POST"])
@staff_view(counsel.GUIDE)
def guidance_new(request: HttpRequest) -> HttpResponse:
    posted = request.method == "POST"
    form = GuidanceForm(request.POST if posted else None)
    if posted and form.is_valid():
        try:
            created = counsel.guidance_create(user=_user(request), **form.cleaned_data)
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("The draft has been saved. Publish it when it is ready."))
            return redirect("enterprise_staff:guidance_preview", pk=created.pk)
    return render(
        request,
        "enterprises/counsel/guidance_form.html",
        {"form": form},
        status=400 if posted else 200,
    )


@staff_view(counsel.GUIDE)
def guidance_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft or published piece as the portal shows it, with the publishing buttons."""
    guidance = _guidance_or_404(request, pk)
    return render(request, "enterprises/counsel/guidance_preview.html", {"guidance": guidance})


def _publishing(request: HttpRequest, pk: int, *, publish: bool) -> HttpResponse:
    user = _user(request)
    guidance = _guidance_or_404(request, pk)
    try:
        if publish:
            counsel.guidance_publish(user=user, guidance=guidance)
        else:
            counsel.guidance_unpublish(user=user, guidance=guidance)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        done = _("Published: %(title)s.") if publish else _("Taken off the portal: %(title)s.")
        messages.success(request, done % {"title": guidance.title})
    return redirect("enterprise_staff:guidance_preview", pk=guidance.pk)


@require_POST
@staff_view(counsel.GUIDE)
def guidance_publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _publishing(request, pk, publish=True)


@require_POST
@staff_view(counsel.GUIDE)
def guidance_unpublish(request: HttpRequest, pk: int) -> HttpResponse:
    return _publishing(request, pk, publish=False)
