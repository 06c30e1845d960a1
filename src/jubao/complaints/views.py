"""The complaint window on the portal: the procedure, the form, the code shown once, inquiry."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jubao.accounts.models import Role, User
from jubao.accounts.policies import has_role
from jubao.complaints.conf import accept_limit, answer_limit
from jubao.complaints.forms import ComplaintForm, EvaluationForm, InquiryForm
from jubao.complaints.models import (
    PUBLIC_TEXT,
    Complaint,
    ComplaintEvaluation,
    ComplaintStatus,
)
from jubao.complaints.services import (
    Contact,
    complaint_evaluate,
    complaint_file,
    complaint_for_receipt,
)
from jubao.errors import DomainError
from jubao.intake import receipts
from jubao.intake.code_pages import code_download, fresh_get, fresh_remember
from jubao.intake.limits import limit_receipt_lookup, limit_submission

FRESH = "jubao.complaint_fresh"
FOLLOWING = "jubao.complaint_following"


def _deadlines() -> dict[str, Any]:
    return {"accept_days": accept_limit().amount, "answer_days": answer_limit().amount}


@require_GET
def procedure(request: HttpRequest) -> HttpResponse:
    """The published complaint procedure: who may complain, what to give, deadlines, inquiry."""
    return render(request, "complaints/procedure.html", _deadlines())


def _citizen(request: HttpRequest) -> User | None:
    user = request.user
    if user.is_authenticated and has_role(user, Role.CITIZEN, Role.ENTERPRISE):
        assert isinstance(user, User)
        return user
    return None


@never_cache
@require_http_methods(["GET", "POST"])
def file(request: HttpRequest) -> HttpResponse:
    """The complaint form."""
    form = ComplaintForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            limit_submission(request, identity=data["contact_phone"] or data["contact_email"])
            filing = complaint_file(
                platform=data["platform"],
                description=data["description"],
                reported_on=data["reported_on"],
                receipt_code=data["receipt_code"],
                platform_reference=data["platform_reference"],
                contact=Contact(data["contact_name"], data["contact_phone"], data["contact_email"]),
                pow_payload=data["pow"],
                account=_citizen(request),
            )
        except DomainError as exc:
            if exc.field and exc.field in form.fields:
                form.add_error(exc.field, str(exc.message))
            else:
                form.add_error(None, str(exc.message))
        else:
            fresh_remember(request, FRESH, filing.receipt, complaint=filing.complaint.pk)
            return redirect("complaints:done")
    context = {"form": form, **_deadlines()}
    return render(request, "complaints/form.html", context, status=400 if form.errors else 200)


@never_cache
@require_GET
def done(request: HttpRequest) -> HttpResponse:
    """The complaint code, shown once right after filing (downloadable for a few minutes)."""
    fresh = fresh_get(request, FRESH)
    if fresh is None:
        return redirect("complaints:inquiry")
    complaint = Complaint.objects.get(pk=fresh["complaint"])
    context = {"code": receipts.display(fresh["code"]), "complaint": complaint, **_deadlines()}
    return render(request, "complaints/done.html", context)


@never_cache
@require_GET
def receipt_download(request: HttpRequest) -> HttpResponse:
    fresh = fresh_get(request, FRESH)
    if fresh is None:
        raise Http404
    complaint = Complaint.objects.get(pk=fresh["complaint"])
    text = _(
        "Complaint code: %(code)s\nComplaint: %(reference)s\nKeep this code secret: whoever "
        "holds it can read the answer to the complaint and evaluate it.\n"
    ) % {"code": receipts.display(fresh["code"]), "reference": complaint.reference}
    return code_download(text, f"complaint-{complaint.reference}.txt")


@never_cache
@require_http_methods(["GET", "POST"])
def inquiry(request: HttpRequest) -> HttpResponse:
    """Enter a complaint code; the code is posted, never put in a URL."""
    form = InquiryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            limit_receipt_lookup(request)
            found = complaint_for_receipt(code=form.cleaned_data["code"])
        except DomainError as exc:
            form.add_error("code", str(exc.message))
        else:
            request.session.cycle_key()
            request.session[FOLLOWING] = found.pk
            request.session.pop(FRESH, None)
            return redirect("complaints:status")
    return render(
        request, "complaints/inquiry.html", {"form": form}, status=400 if form.errors else 200
    )


def _following(request: HttpRequest) -> Complaint | None:
    pk = request.session.get(FOLLOWING)
    if not pk:
        return None
    return Complaint.objects.select_related("platform", "jurisdiction").filter(pk=pk).first()


def _status_page(
    request: HttpRequest, complaint: Complaint, form: EvaluationForm | None = None
) -> HttpResponse:
    lines = [
        {
            "at": event.at,
            "title": event.get_kind_display(),
            "text": event.body if event.kind in PUBLIC_TEXT else "",
        }
        for event in complaint.events.all()
    ]
    evaluation = ComplaintEvaluation.objects.filter(complaint=complaint).first()
    can_evaluate = evaluation is None and complaint.status in (
        ComplaintStatus.ANSWERED,
        ComplaintStatus.CLOSED,
    )
    context = {
        "complaint": complaint,
        "lines": lines,
        "evaluation": evaluation,
        "can_evaluate": can_evaluate,
        "evaluation_form": form or EvaluationForm(),
    }
    return render(request, "complaints/status.html", context, status=400 if form else 200)


@never_cache
@require_GET
def status(request: HttpRequest) -> HttpResponse:
    complaint = _following(request)
    if complaint is None:
        return redirect("complaints:inquiry")
    return _status_page(request, complaint)


@never_cache
@require_POST
def evaluate(request: HttpRequest) -> HttpResponse:
    complaint = _following(request)
    if complaint is None:
        return redirect("complaints:inquiry")
    form = EvaluationForm(request.POST)
    if form.is_valid():
        try:
            complaint_evaluate(
                complaint=complaint,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Thank you for your evaluation."))
            return redirect("complaints:status")
    return _status_page(request, complaint, form)


@require_POST
def leave(request: HttpRequest) -> HttpResponse:
    """Stop following a complaint on this device."""
    request.session.pop(FOLLOWING, None)
    return redirect("complaints:procedure")
