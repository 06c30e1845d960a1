"""The staff workbench for cases: the queue, the case page, and one form per move."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jubao.accounts.models import Platform, User
from jubao.accounts.policies import policy, roles_of, staff_view
from jubao.cases.clocks import clock_rows
from jubao.cases.escalation import escalations
from jubao.cases.forms import (
    AnswerForm,
    AssignForm,
    BulkForm,
    MoveForm,
    VoteForm,
    handler_choices,
)
from jubao.cases.models import Case, CaseStatus
from jubao.cases.selectors import (
    QueueFilters,
    case_get_for_user,
    case_queue,
    cases_for_user,
    page_of,
    supervision_list,
)
from jubao.cases.services import (
    HANDLER_ROLES,
    case_assign,
    case_bulk,
    case_transition,
    case_vote,
)
from jubao.cases.workflow import MOVE_LABELS, TRANSITIONS, Move, moves_from
from jubao.catalogue import Track, get_catalogue
from jubao.custody.views import custody_panel
from jubao.errors import DomainError, NotFound
from jubao.intake.models import Evidence
from jubao.intake.storage import evidence_read
from jubao.ledger.models import LedgerEntry
from jubao.ledger.services import actor_ref, ledger_append, obj_ref
from jubao.measures.views import measures_panel
from jubao.platforms.models import TransferEvidence
from jubao.platforms.services import transfer_answer


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _form_errors(request: HttpRequest, form: forms.Form) -> None:
    """A form that has no place on the page reports its errors as messages."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))


def _statuses_for(user: User) -> list[str]:
    """The states from which this user's roles have a move: their part of the work."""
    mine = roles_of(user)
    return sorted({str(t.source) for t in TRANSITIONS if t.roles & mine})


@staff_view("cases.view")
def queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    filters = QueueFilters.from_query(request.GET)
    cases = case_queue(user, filters)
    todo = request.GET.get("todo") == "1" and not filters.status
    if todo:
        # Excluding the other states keeps the queue's index order (an IN list made SQLite sort).
        mine = set(_statuses_for(user))
        cases = cases.exclude(status__in=[s for s in CaseStatus.values if s not in mine])
    page = page_of(cases, request.GET.get("page"))
    query = {**filters.active(), **({"todo": "1"} if todo else {})}
    may_assign = policy("cases.assign").allows(user)
    context = {
        "page": page,
        "filters": filters,
        "todo": todo,
        "query": urlencode(query),
        "statuses": CaseStatus.choices,
        "tracks": list(Track),
        "items": [(i.code, i.name) for i in get_catalogue().items],
        "platforms": Platform.objects.order_by("name"),
        "now": timezone.now(),
        "bulk_form": BulkForm(user=user),
        "may_assign": may_assign,
        # Plain (id, name) pairs: a country's handlers rendered through the select widget's
        # templates cost the central office's queue about 35 ms a page (docs/performance.md).
        "assignee_options": (
            format_html_join("", '<option value="{}">{}</option>', handler_choices(user))
            if may_assign
            else ""
        ),
    }
    return render(request, "cases/queue.html", context)


@require_POST
@staff_view("cases.act")
def bulk(request: HttpRequest) -> HttpResponse:
    """One safe action on the ticked cases; each case succeeds or is named with its reason."""
    user = _user(request)
    form = BulkForm(request.POST, user=user)
    back = request.POST.get("next", "")
    target = back if back.startswith("?") else ""
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(reverse("cases:queue") + target)
    ids = form.cleaned_data["cases"]
    cases = list(cases_for_user(user).filter(pk__in=ids).order_by("priority", "opened_at"))
    result = case_bulk(
        cases=cases,
        action=form.cleaned_data["action"],
        by=user,
        assignee=form.cleaned_data.get("assignee") or None,
    )
    if result.done:
        messages.success(
            request,
            _("Done for %(count)d cases: %(refs)s.")
            % {"count": len(result.done), "refs": ", ".join(result.done)},
        )
    for reference, reason in result.refused:
        messages.error(
            request, _("%(ref)s unchanged: %(reason)s") % {"ref": reference, "reason": reason}
        )
    missing = len(set(ids)) - len(cases)
    if missing:
        messages.error(request, _("%(count)d cases are not in your queue.") % {"count": missing})
    return redirect(reverse("cases:queue") + target)


@staff_view("cases.supervise")
def supervision(request: HttpRequest) -> HttpResponse:
    """Cases past a deadline, then cases past 75 % of one, in the supervisor's jurisdiction."""
    now = timezone.now()
    page = page_of(supervision_list(_user(request), now=now), request.GET.get("page"))
    return render(request, "cases/supervision.html", {"page": page, "now": now})


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
    now = timezone.now()
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
        "clocks": clock_rows(case, now),
        "escalations": escalations(case, now),
        "assign_form": AssignForm(case=case, user=user) if case.is_open else None,
        **custody_panel(request, case),
        **measures_panel(request, case),
        "transfers": case.transfers.select_related("platform", "measure").prefetch_related(
            "events", "evidence"
        ),
        "answer_form": AnswerForm(),
        "may_take": case.is_open and case.assignee_id is None and bool(mine & HANDLER_ROLES),
        "perms_assign": policy("cases.assign").allows(user),
        "deliberations": case.deliberations.prefetch_related("members", "votes"),
        "ledger": LedgerEntry.objects.filter(ref=obj_ref(case)).order_by("index"),
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
    messages.success(request, _("Done: %(move)s.") % {"move": MOVE_LABELS[chosen]})
    return redirect("cases:case", pk=pk)


@require_POST
@staff_view("cases.act")
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Assign the case (supervisors), or take it when it is unassigned (handlers)."""
    case = _case_or_404(request, pk)
    user = _user(request)
    if request.POST.get("take") == "1":
        assignee: User | None = user
        responsible = False
    else:
        form = AssignForm(request.POST, case=case, user=user)
        if not form.is_valid():
            _form_errors(request, form)
            return redirect("cases:case", pk=pk)
        assignee = form.cleaned_data["assignee"]
        responsible = form.cleaned_data["responsible"]
    try:
        case_assign(case=case, assignee=assignee, by=user, responsible=responsible)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The assignment was saved."))
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


@require_POST
@staff_view("cases.act")
def transfer_answer_view(request: HttpRequest, pk: int, ref: uuid.UUID) -> HttpResponse:
    """Answer the question a platform asked about a transfer of this case."""
    case = _case_or_404(request, pk)
    transfer = case.transfers.filter(public_id=ref).first()
    if transfer is None:
        raise Http404
    form = AnswerForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("cases:case", pk=pk)
    try:
        transfer_answer(transfer=transfer, by=_user(request), answer=form.cleaned_data["answer"])
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The answer was sent to the platform."))
    return redirect("cases:case", pk=pk)


@staff_view("evidence.view")
def transfer_evidence(request: HttpRequest, ref: uuid.UUID) -> HttpResponse:
    """The sanitised copy of a file a platform sent with its report; every view is ledgered."""
    item = TransferEvidence.objects.select_related("transfer").filter(vault_ref=ref).first()
    if item is None or not item.staff_media_type:
        raise Http404
    _case_or_404(request, item.transfer.case_id)
    return _staff_copy(request, item.vault_ref, item.staff_media_type, obj_ref(item))


def _staff_copy(
    request: HttpRequest, ref: uuid.UUID, media_type: str, ledger_ref: str
) -> HttpResponse:
    """The sanitised staff copy of a stored file, shown inline, never cached; ledgered."""
    data = evidence_read(ref=ref, variant="staff")
    ledger_append(actor=actor_ref(request.user), action="evidence.view", ref=ledger_ref)
    response = HttpResponse(data, content_type=media_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    return response


@staff_view("evidence.view")
def evidence(request: HttpRequest, ref: uuid.UUID) -> HttpResponse:
    """The sanitised staff copy of an evidence file; every view is in the ledger."""
    item = Evidence.objects.select_related("report__case").filter(vault_ref=ref).first()
    if item is None or not item.staff_media_type:
        raise Http404
    _case_or_404(request, item.report.case_id)
    return _staff_copy(request, item.vault_ref, item.staff_media_type, obj_ref(item))
