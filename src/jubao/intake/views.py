"""The reporting portal: guidance, the report form, the receipt, and following a report."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jubao.accounts.models import Role, User
from jubao.accounts.policies import has_role
from jubao.catalogue import Area, get_catalogue, search
from jubao.errors import DomainError
from jubao.intake import receipts
from jubao.intake.code_pages import code_download, fresh_get, fresh_remember
from jubao.intake.drafts import Upload
from jubao.intake.forms import EvaluationForm, EvidenceForm, MessageForm, ReceiptForm, ReportForm
from jubao.intake.limits import limit_receipt_lookup, limit_submission
from jubao.intake.models import Channel, Report
from jubao.intake.services import (
    report_add_evidence,
    report_evaluate,
    report_for_receipt,
    report_message,
    report_withdraw,
)
from jubao.intake.timeline import status_view
from jubao.intake.uploads import install_upload_handler
from jubao.intake.validation import InvalidReport, evidence_kinds

FRESH_RECEIPT = "jubao.fresh_receipt"
FOLLOWING = "jubao.following"
AREA_ORDER = [Area.CYBERVIOLENCE, Area.MINORS, Area.PERSONAL, Area.SEARCH, Area.ENTERPRISE]


def limited_uploads(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Cap uploads while they stream in (the size limits count files, unlike Django's own).

    The upload handler must be installed before the CSRF check reads the body, hence the
    exempt outer view and the protected inner one; a refused file is reported by the view.
    """
    protected = csrf_protect(view)

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST":
            request.upload_guard = install_upload_handler(request)  # type: ignore[attr-defined]
        return protected(request, *args, **kwargs)

    return wrapper


def _refused_upload(request: HttpRequest) -> str | None:
    guard = getattr(request, "upload_guard", None)
    if guard is None or not guard.rejections:
        return None
    refusal = guard.rejections[0]
    return f"{refusal.file_name[:80]}: {refusal.error.message}"


@require_GET
def guide(request: HttpRequest) -> HttpResponse:
    """ "What happened?": search the catalogue or pick an item by area."""
    catalogue = get_catalogue()
    query = request.GET.get("q", "").strip()[:100]
    hits = search(query) if query else []
    areas = [(catalogue.vocabulary.areas[a], catalogue.items_for_area(a)) for a in AREA_ORDER]
    return render(request, "intake/guide.html", {"query": query, "hits": hits, "areas": areas})


@require_GET
def area(request: HttpRequest, code: str) -> HttpResponse:
    """One reporting area: the cyber-violence rapid area, the minors area, the enterprise area."""
    catalogue = get_catalogue()
    try:
        chosen = Area(code)
    except ValueError:
        raise Http404 from None
    context = {
        "area": catalogue.vocabulary.areas[chosen],
        "code": chosen,
        "items": catalogue.items_for_area(chosen),
    }
    return render(request, "intake/area.html", context)


def _citizen(request: HttpRequest) -> User | None:
    """The signed-in citizen or enterprise contact, whose account will list the report."""
    user = request.user
    if user.is_authenticated and has_role(user, Role.CITIZEN, Role.ENTERPRISE):
        return user
    return None


def _channel(request: HttpRequest) -> str:
    agent = request.headers.get("User-Agent", "")
    return (
        Channel.MOBILE if any(m in agent for m in ("Mobile", "Android", "iPhone")) else Channel.WEB
    )


@never_cache
@limited_uploads
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, code: str) -> HttpResponse:
    """The report form of one catalogue item."""
    catalogue = get_catalogue()
    try:
        item = catalogue.item(code)
    except KeyError:
        raise Http404 from None
    form = ReportForm(
        request.POST or None,
        request.FILES or None,
        item=item,
        catalogue=catalogue,
        initial={"submission": uuid.uuid4().hex},
    )
    refused = _refused_upload(request)
    if refused:
        form.is_valid()
        form.add_error(None, refused)
    elif request.method == "POST" and form.is_valid():
        data, result = form.cleaned_data, None
        try:
            limit_submission(request, identity=data["contact_phone"] or data["contact_email"])
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            result = form.submit(
                _channel(request),
                pow_payload=data["pow"],
                idempotency_key=data["submission"] or None,
                account=_citizen(request),
            )
        if result is not None:
            fresh_remember(
                request,
                FRESH_RECEIPT,
                result.receipt,
                joined=result.joined_existing_case,
                report=result.report.pk,
            )
            return redirect("intake:done")
    required, _allowed = evidence_kinds(item, catalogue, "victim")
    context = {"item": item, "form": form, "required_evidence": required}
    return render(request, "intake/report_form.html", context, status=400 if form.errors else 200)


@never_cache
@require_GET
def done(request: HttpRequest) -> HttpResponse:
    """The receipt, shown once right after submission (and downloadable for a few minutes)."""
    fresh = fresh_get(request, FRESH_RECEIPT)
    if fresh is None:
        return redirect("intake:receipt")
    report = Report.objects.select_related("case").get(pk=fresh["report"])
    context = {
        "code": receipts.display(fresh["code"]),
        "joined": fresh["joined"],
        "status": status_view(report),
    }
    return render(request, "intake/done.html", context)


@never_cache
@require_GET
def receipt_download(request: HttpRequest) -> HttpResponse:
    fresh = fresh_get(request, FRESH_RECEIPT)
    if fresh is None:
        raise Http404
    report = Report.objects.get(pk=fresh["report"])
    text = _(
        "Receipt code: %(code)s\nReport: %(reference)s\nKeep this code secret: whoever "
        "holds it can follow and change the report.\n"
    ) % {"code": receipts.display(fresh["code"]), "reference": report.reference}
    return code_download(text, f"receipt-{report.reference}.txt")


@never_cache
@require_http_methods(["GET", "POST"])
def receipt(request: HttpRequest) -> HttpResponse:
    """Enter a receipt code to follow a report; the code is posted, never put in a URL."""
    form = ReceiptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            limit_receipt_lookup(request)
            found = report_for_receipt(code=form.cleaned_data["code"])
        except DomainError as exc:
            form.add_error("code", str(exc.message))
        else:
            request.session.cycle_key()
            request.session[FOLLOWING] = found.pk
            request.session.pop(FRESH_RECEIPT, None)
            return redirect("intake:status")
    return render(
        request, "intake/receipt.html", {"form": form}, status=400 if form.errors else 200
    )


def _following(request: HttpRequest) -> Report | None:
    pk = request.session.get(FOLLOWING)
    return Report.objects.select_related("case").filter(pk=pk).first() if pk else None


def _status_page(request: HttpRequest, report: Report, **forms: Any) -> HttpResponse:
    view = status_view(report)
    _required, allowed = evidence_kinds(
        get_catalogue().item(report.item_code), get_catalogue(), report.reporter_role
    )
    evidence = forms.get("evidence") or EvidenceForm()
    kinds = get_catalogue().vocabulary.evidence_kinds
    evidence.set_kinds([(c, str(kinds[c].name)) for c in sorted(allowed)])
    context = {
        "status": view,
        "evidence_form": evidence,
        "message_form": forms.get("message") or MessageForm(),
        "evaluation_form": forms.get("evaluation") or EvaluationForm(),
    }
    return render(request, "intake/status.html", context, status=400 if forms else 200)


@never_cache
@require_GET
def status(request: HttpRequest) -> HttpResponse:
    report = _following(request)
    if report is None:
        return redirect("intake:receipt")
    return _status_page(request, report)


@never_cache
@limited_uploads
@require_POST
def act(request: HttpRequest, action: str) -> HttpResponse:
    """Add evidence, message the handler, withdraw or evaluate: each through its service."""
    report = _following(request)
    if report is None:
        return redirect("intake:receipt")
    handlers = {
        "evidence": _add_evidence,
        "message": _message,
        "withdraw": _withdraw,
        "evaluate": _evaluate,
    }
    if action not in handlers:
        raise Http404
    return handlers[action](request, report)


def _add_evidence(request: HttpRequest, report: Report) -> HttpResponse:
    form = EvidenceForm(request.POST, request.FILES)
    form.set_kinds([(request.POST.get("kind", ""), "")])
    refused = _refused_upload(request)
    if refused:
        form.is_valid()
        form.add_error(None, refused)
    elif form.is_valid():
        uploads = tuple(
            Upload(f.name, f.read(), form.cleaned_data["kind"]) for f in form.cleaned_data["upload"]
        )
        try:
            report_add_evidence(report=report, uploads=uploads)
        except InvalidReport as exc:
            for messages_of_file in exc.errors.values():
                for message in messages_of_file:
                    form.add_error("upload", message)
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Your files were added."))
            return redirect("intake:status")
    return _status_page(request, report, evidence=form)


def _message(request: HttpRequest, report: Report) -> HttpResponse:
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            report_message(report=report, body=form.cleaned_data["body"])
        except DomainError as exc:
            form.add_error("body", str(exc.message))
        else:
            messages.success(request, _("Your message was sent to the handler."))
            return redirect("intake:status")
    return _status_page(request, report, message=form)


def _withdraw(request: HttpRequest, report: Report) -> HttpResponse:
    if request.POST.get("confirm") != "on":
        messages.error(request, _("Tick the box to confirm that you withdraw the report."))
        return redirect("intake:status")
    try:
        report_withdraw(report=report, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Your report was withdrawn."))
    return redirect("intake:status")


def _evaluate(request: HttpRequest, report: Report) -> HttpResponse:
    form = EvaluationForm(request.POST)
    if form.is_valid():
        try:
            report_evaluate(
                report=report,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("Thank you for your evaluation."))
            return redirect("intake:status")
    return _status_page(request, report, evaluation=form)


@require_POST
def leave(request: HttpRequest) -> HttpResponse:
    """Stop following a report on this device."""
    request.session.pop(FOLLOWING, None)
    return redirect("web:home")
