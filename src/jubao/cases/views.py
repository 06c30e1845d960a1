"""The staff workbench for cases: the queue, the case page, and one form per move."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jubao.accounts.models import User
from jubao.accounts.policies import roles_of, staff_view
from jubao.cases.forms import MoveForm, VoteForm
from jubao.cases.models import Case, CaseStatus
from jubao.cases.selectors import case_get_for_user, case_queue
from jubao.cases.services import case_transition, case_vote
from jubao.cases.workflow import Move, moves_from
from jubao.catalogue import Track, get_catalogue
from jubao.errors import DomainError, NotFound
from jubao.intake.models import Evidence
from jubao.intake.storage import evidence_read
from jubao.ledger.services import actor_ref, ledger_append


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@staff_view("cases.view")
def queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    track = request.GET.get("track", "")
    cases = case_queue(
        _user(request),
        status=status if status in CaseStatus.values else "",
        track=track if track in [t.value for t in Track] else "",
    )
    page = Paginator(cases, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "statuses": CaseStatus.choices,
        "tracks": list(Track),
        "status": status,
        "track": track,
    }
    return render(request, "cases/queue.html", context)


def _case_or_404(request: HttpRequest, pk: int) -> Case:
    try:
        return case_get_for_user(_user(request), pk)
    except NotFound:
        raise Http404 from None


@staff_view("cases.view")
def case_page(request: HttpRequest, pk: int, failed: MoveForm | None = None) -> HttpResponse:
    case = _case_or_404(request, pk)
    user = _user(request)
    mine = roles_of(user)
    forms = [
        failed if failed is not None and failed.move == t.move else MoveForm(move=t.move, case=case)
        for t in moves_from(case.status)
        if t.roles & mine
    ]
    deliberation = case.deliberations.filter(closed_at__isnull=True).first()
    can_vote = bool(
        deliberation
        and deliberation.members.filter(pk=user.pk).exists()
        and not deliberation.votes.filter(member=user).exists()
    )
    context = {
        "case": case,
        "item": get_catalogue().item(case.item_code),
        "forms": forms,
        "reports": case.reports.prefetch_related("targets", "evidence").order_by("submitted_at"),
        "history": case.history.select_related("actor"),
        "judgements": case.judgements.all(),
        "proposals": case.proposals.prefetch_related("approvals"),
        "deliberation": deliberation,
        "vote_form": VoteForm() if can_vote else None,
    }
    return render(request, "cases/case.html", context, status=400 if failed else 200)


@require_POST
@staff_view("cases.act")
def move(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    case = _case_or_404(request, pk)
    try:
        chosen = Move(name)
    except ValueError:
        raise Http404 from None
    form = MoveForm(request.POST, move=chosen, case=case)
    if not form.is_valid():
        return case_page(request, pk, failed=form)
    try:
        case_transition(case=case, move=chosen, actor=_user(request), **form.params())
    except DomainError as exc:
        if exc.field in form.fields:
            form.add_error(exc.field, str(exc.message))
        else:
            messages.error(request, str(exc.message))
        return case_page(request, pk, failed=form)
    messages.success(request, _("Done: %(move)s.") % {"move": chosen.value})
    return redirect("cases:case", pk=pk)


@require_POST
@staff_view("cases.act")
def vote(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_or_404(request, pk)
    form = VoteForm(request.POST)
    if form.is_valid():
        try:
            case_vote(case=case, member=_user(request), result=form.cleaned_data["result"])
        except DomainError as exc:
            messages.error(request, str(exc.message))
    return redirect("cases:case", pk=pk)


@staff_view("evidence.view")
def evidence(request: HttpRequest, ref: uuid.UUID) -> HttpResponse:
    """The sanitised staff copy of an evidence file; every view is in the ledger."""
    item = Evidence.objects.select_related("report__case").filter(vault_ref=ref).first()
    if item is None or not item.staff_media_type:
        raise Http404
    _case_or_404(request, item.report.case_id)
    data = evidence_read(ref=item.vault_ref, variant="staff")
    ledger_append(
        actor=actor_ref(request.user), action="evidence.view", ref=f"intake.evidence:{item.pk}"
    )
    response = HttpResponse(data, content_type=item.staff_media_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    return response
