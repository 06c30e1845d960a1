"""Workbench pages of platform supervision: plans and findings, the problem ledger, scorecards and
the ranking, a page per platform with its interviews and penalties; and the platform operator's
page of their own platform's problems, where they submit rectifications.

Every list and record is read through the selectors (jurisdiction applies); every change goes
through a service, whose DomainError is shown on the form that caused it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from jubao.accounts.models import Platform, User
from jubao.accounts.policies import policy, staff_view
from jubao.errors import DomainError, NotFound
from jubao.intake.storage import evidence_read
from jubao.intake.uploads.limits import limits_from_settings
from jubao.ledger.services import actor_ref, ledger_append, obj_ref
from jubao.oversight import forms as f
from jubao.oversight import selectors as s
from jubao.oversight import services
from jubao.oversight.models import InspectionPlan, Problem, ProblemStatus, RectificationFile
from jubao.oversight.scorecards import DEFAULT_DAYS, period_of, ranking, scorecards

PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _may_manage(request: HttpRequest) -> bool:
    return policy("oversight.manage").allows(request.user)


def _or_404(get: Callable[..., Any], *args: Any) -> Any:
    try:
        return get(*args)
    except NotFound:
        raise Http404 from None


class Failed:
    """What a refused change returns: the HTTP status to answer with (400, 403, 409...)."""

    def __init__(self, status: int = 400) -> None:
        self.status = status


def _apply(request: HttpRequest, form: forms.Form, call: Callable[[], Any], done: str) -> Any:
    """Run a service for a valid form; a DomainError goes on the form (its field, if the form
    has it). Returns the service's result, or a `Failed` when the form or the service refused."""
    if not form.is_valid():
        return Failed()
    try:
        result = call()
    except DomainError as exc:
        field = (exc.field or "").split(".")[0]
        form.add_error(field if field in form.fields else None, str(exc.message))
        return Failed(exc.status)
    messages.success(request, done)
    return result


def _uploads(files: list[Any]) -> list[services.UploadedFile]:
    # One byte over the largest allowed size is enough for the sanitiser to refuse a file.
    cap = limits_from_settings().max_bytes + 1
    return [
        services.UploadedFile(name=(u.name or "file")[:100], content=u.read(cap)) for u in files
    ]


# --- inspection plans -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_view("oversight.view")
def plans(request: HttpRequest) -> HttpResponse:
    """The inspection plans of the user's jurisdiction, latest first; supervisors plan new ones."""
    user = _user(request)
    form, status = None, 200
    if _may_manage(request):
        choices = s.platforms_for(user, "oversight.manage")
        posted = request.method == "POST"
        form = f.PlanForm(request.POST if posted else None, platforms=choices)
        if posted:
            data = form.cleaned_data if form.is_valid() else {}
            plan = _apply(
                request,
                form,
                lambda: services.plan_create(user=user, **data),
                _("The inspection plan was saved."),
            )
            if not isinstance(plan, Failed):
                return redirect("oversight:plan", pk=plan.pk)
            status = plan.status
    elif request.method == "POST":
        return render(
            request, "web/error.html", {"message": _("Only supervisors may do this.")}, status=403
        )
    page = Paginator(s.plans_for(user).prefetch_related("platforms"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "oversight/plans.html", {"page": page, "form": form}, status=status)


def _plan_page(
    request: HttpRequest,
    plan: InspectionPlan,
    *,
    finding_form: f.FindingForm | None = None,
    status_form: f.PlanStatusForm | None = None,
    status: int = 200,
) -> HttpResponse:
    manage = _may_manage(request)
    context = {
        "plan": plan,
        "platforms": plan.platforms.all(),
        "findings": plan.findings.select_related("platform", "found_by").prefetch_related(
            "problems"
        ),
        "manage": manage,
        "finding_form": finding_form or f.FindingForm(platforms=plan.platforms.all()),
        "status_form": status_form or f.PlanStatusForm(initial={"status": plan.status}),
    }
    return render(request, "oversight/plan.html", context, status=status)


@staff_view("oversight.view")
def plan(request: HttpRequest, pk: int) -> HttpResponse:
    return _plan_page(request, _or_404(s.plan_get, _user(request), pk))


@require_POST
@staff_view("oversight.manage")
def plan_finding(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    found = _or_404(s.plan_get, user, pk, "oversight.manage")
    form = f.FindingForm(request.POST, platforms=found.platforms.all())
    data = form.cleaned_data if form.is_valid() else {}
    result = _apply(
        request,
        form,
        lambda: services.finding_record(user=user, plan=found, **data),
        _("The finding was recorded."),
    )
    if isinstance(result, Failed):
        return _plan_page(request, found, finding_form=form, status=result.status)
    return redirect("oversight:plan", pk=found.pk)


@require_POST
@staff_view("oversight.manage")
def plan_status(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    found = _or_404(s.plan_get, user, pk, "oversight.manage")
    form = f.PlanStatusForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {}
    result = _apply(
        request,
        form,
        lambda: services.plan_set_status(user=user, plan=found, status=data["status"]),
        _("The plan's status was changed."),
    )
    if isinstance(result, Failed):
        return _plan_page(request, found, status_form=form, status=result.status)
    return redirect("oversight:plan", pk=found.pk)


# --- the problem ledger -----------------------------------------------------------------------


@staff_view("oversight.view")
def problems(request: HttpRequest) -> HttpResponse:
    """The problem ledger of the user's jurisdiction, nearest deadline first, with filters."""
    user = _user(request)
    filters = f.ProblemFilterForm(request.GET or None, platforms=s.platforms_for(user))
    chosen: dict[str, Any] = {}
    if filters.is_bound and filters.is_valid():
        data = filters.cleaned_data
        chosen = {
            "status": data["status"],
            "platform": data["platform"].pk if data["platform"] else None,
            "overdue": data["overdue"],
        }
    found = s.problems_for(user, **chosen)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "manage": _may_manage(request),
    }
    return render(request, "oversight/problems.html", context)


@require_http_methods(["GET", "POST"])
@staff_view("oversight.manage")
def problem_new(request: HttpRequest) -> HttpResponse:
    """Enter a standalone problem (one not found by an inspection) in the ledger."""
    user = _user(request)
    posted = request.method == "POST"
    initial = {"platform": request.GET.get("platform")}
    form = f.ProblemForm(
        request.POST if posted else None,
        platforms=s.platforms_for(user, "oversight.manage"),
        initial=initial,
    )
    if posted:
        data = form.cleaned_data if form.is_valid() else {}
        problem = _apply(
            request,
            form,
            lambda: services.problem_open(user=user, **data),
            _("The problem was entered in the ledger."),
        )
        if not isinstance(problem, Failed):
            return redirect("oversight:problem", pk=problem.pk)
    status = problem.status if posted else 200
    return render(request, "oversight/problem_new.html", {"form": form}, status=status)


def _problem_page(
    request: HttpRequest,
    problem: Problem,
    *,
    bound: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    bound = bound or {}
    user = _user(request)
    context = {
        "problem": problem,
        "files": problem.files.select_related("submitted_by"),
        "manage": _may_manage(request),
        "own_submission": problem.rectified_by_id == user.pk,
        "rectify_form": bound.get("rectify") or f.RectificationForm(),
        "verify_form": bound.get("verify") or f.VerifyForm(),
        "reopen_form": bound.get("reopen") or f.ReopenForm(auto_id="id_reopen_%s"),
        "awaiting": problem.status in (ProblemStatus.OPEN, ProblemStatus.REOPENED),
    }
    return render(request, "oversight/problem.html", context, status=status)


@staff_view("oversight.view")
def problem(request: HttpRequest, pk: int) -> HttpResponse:
    return _problem_page(request, _or_404(s.problem_get, _user(request), pk))


def _problem_action(
    request: HttpRequest,
    pk: int,
    name: str,
    form: forms.Form,
    call: Callable[[User, Problem, dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    user = _user(request)
    found = _or_404(s.problem_get, user, pk, "oversight.manage")
    data = form.cleaned_data if form.is_valid() else {}
    result = _apply(request, form, lambda: call(user, found, data), done)
    if isinstance(result, Failed):
        found.refresh_from_db()
        return _problem_page(request, found, bound={name: form}, status=result.status)
    return redirect("oversight:problem", pk=found.pk)


@require_POST
@staff_view("oversight.manage")
def problem_rectify(request: HttpRequest, pk: int) -> HttpResponse:
    """A supervisor records the platform's rectification (sent on paper or by e-mail)."""
    return _problem_action(
        request,
        pk,
        "rectify",
        f.RectificationForm(request.POST, request.FILES),
        lambda u, p, d: services.rectification_submit(
            user=u, problem=p, note=d["note"], files=_uploads(d["evidence"])
        ),
        _("The rectification was recorded."),
    )


@require_POST
@staff_view("oversight.manage")
def problem_verify(request: HttpRequest, pk: int) -> HttpResponse:
    return _problem_action(
        request,
        pk,
        "verify",
        f.VerifyForm(request.POST),
        lambda u, p, d: services.rectification_verify(user=u, problem=p, note=d["note"]),
        _("The rectification was verified."),
    )


@require_POST
@staff_view("oversight.manage")
def problem_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _problem_action(
        request,
        pk,
        "reopen",
        f.ReopenForm(request.POST, auto_id="id_reopen_%s"),
        lambda u, p, d: services.problem_reopen(
            user=u, problem=p, note=d["note"], deadline=d["deadline"]
        ),
        _("The problem was sent back to the platform."),
    )


@staff_view("oversight.view")
def rectification_file(request: HttpRequest, ref: uuid.UUID) -> HttpResponse:
    """The sanitised staff copy of a rectification file; every view is in the ledger."""
    item = RectificationFile.objects.filter(vault_ref=ref).first()
    if item is None or not item.staff_media_type:
        raise Http404
    _or_404(s.problem_get, _user(request), item.problem_id)
    data = evidence_read(ref=item.vault_ref, variant="staff")
    ledger_append(actor=actor_ref(request.user), action="evidence.view", ref=obj_ref(item))
    response = HttpResponse(data, content_type=item.staff_media_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    return response


# --- scorecards and platforms -----------------------------------------------------------------


def _days(request: HttpRequest) -> tuple[f.PeriodForm, int]:
    form = f.PeriodForm(request.GET or None)
    days = DEFAULT_DAYS
    if form.is_bound and form.is_valid() and form.cleaned_data["days"]:
        days = form.cleaned_data["days"]
    return form, days


@staff_view("oversight.view")
def scorecards_page(request: HttpRequest) -> HttpResponse:
    """The scorecards of the platforms of the user's jurisdiction, ranked by composite score."""
    form, days = _days(request)
    start, end = period_of(days)
    cards = ranking(scorecards(s.platforms_for(_user(request)), start=start, end=end))
    context = {"cards": cards, "form": form, "days": days, "start": start, "end": end}
    return render(request, "oversight/scorecards.html", context)


def _platform_page(
    request: HttpRequest,
    platform: Platform,
    *,
    bound: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    bound = bound or {}
    _form, days = _days(request)
    start, end = period_of(days)
    context = {
        "platform": platform,
        "card": scorecards([platform], start=start, end=end)[0],
        "days": days,
        "problems": s.problems_for(_user(request), platform=platform.pk),
        "findings": platform.findings.select_related("plan"),
        "interviews": platform.interviews.select_related("recorded_by"),
        "penalties": platform.penalties.select_related("decided_by"),
        "manage": _may_manage(request),
        "interview_form": bound.get("interview") or f.InterviewForm(auto_id="id_interview_%s"),
        "penalty_form": bound.get("penalty") or f.PenaltyForm(auto_id="id_penalty_%s"),
    }
    return render(request, "oversight/platform.html", context, status=status)


@staff_view("oversight.view")
def platform(request: HttpRequest, pk: int) -> HttpResponse:
    """One platform: its scorecard, problems, findings, interviews and penalties."""
    return _platform_page(request, _or_404(s.platform_get, _user(request), pk))


def _platform_action(
    request: HttpRequest,
    pk: int,
    name: str,
    form: forms.Form,
    call: Callable[[User, Platform, dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    user = _user(request)
    found = _or_404(s.platform_get, user, pk, "oversight.manage")
    data = form.cleaned_data if form.is_valid() else {}
    result = _apply(request, form, lambda: call(user, found, data), done)
    if isinstance(result, Failed):
        return _platform_page(request, found, bound={name: form}, status=result.status)
    return redirect("oversight:platform", pk=found.pk)


@require_POST
@staff_view("oversight.manage")
def platform_interview(request: HttpRequest, pk: int) -> HttpResponse:
    return _platform_action(
        request,
        pk,
        "interview",
        f.InterviewForm(request.POST, auto_id="id_interview_%s"),
        lambda u, p, d: services.interview_record(user=u, platform=p, **d),
        _("The interview was recorded."),
    )


@require_POST
@staff_view("oversight.manage")
def platform_penalty(request: HttpRequest, pk: int) -> HttpResponse:
    return _platform_action(
        request,
        pk,
        "penalty",
        f.PenaltyForm(request.POST, auto_id="id_penalty_%s"),
        lambda u, p, d: services.penalty_record(user=u, platform=p, **d),
        _("The penalty was recorded."),
    )


# --- the platform operator's pages ------------------------------------------------------------


@staff_view("platform.work")
def own_problems(request: HttpRequest) -> HttpResponse:
    """The problems the office found on the operator's platform, nearest deadline first."""
    page = Paginator(s.problems_of_operator(_user(request)), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "oversight/own_problems.html", {"page": page})


def _own_page(
    request: HttpRequest,
    problem: Problem,
    form: f.RectificationForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "problem": problem,
        "files": problem.files.all(),
        "form": form or f.RectificationForm(),
        "awaiting": problem.status in (ProblemStatus.OPEN, ProblemStatus.REOPENED),
    }
    return render(request, "oversight/own_problem.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_view("platform.work")
def own_problem(request: HttpRequest, pk: int) -> HttpResponse:
    """One problem of the operator's platform; a post submits the rectification."""
    user = _user(request)
    found = _or_404(s.problem_get_for_operator, user, pk)
    if request.method != "POST":
        return _own_page(request, found)
    form = f.RectificationForm(request.POST, request.FILES)
    data = form.cleaned_data if form.is_valid() else {}
    result = _apply(
        request,
        form,
        lambda: services.rectification_submit(
            user=user, problem=found, note=data["note"], files=_uploads(data["evidence"])
        ),
        _("Your rectification was sent to the office."),
    )
    if isinstance(result, Failed):
        found.refresh_from_db()
        return _own_page(request, found, form, status=result.status)
    return redirect("oversight:own_problem", pk=found.pk)
