"""Workbench pages for platform staff: the same work as the signed API, for platforms without an
integration. A platform operator sees their own platform's transfers only: another platform's
transfer is "not found", like a missing one.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jubao.accounts.models import Platform, User
from jubao.accounts.policies import staff_view
from jubao.catalogue import get_catalogue
from jubao.catalogue.details import REPORTER_DETAIL_LABELS
from jubao.custody.services import reporter_for_platform, shares_open
from jubao.errors import DomainError, NotFound
from jubao.intake.uploads.limits import limits_from_settings
from jubao.platforms.forms import AcknowledgeForm, DisputeForm, QuestionForm, ReportForm
from jubao.platforms.models import OPEN_TRANSFER, Transfer
from jubao.platforms.services import (
    EvidenceFile,
    transfer_acknowledge,
    transfer_ask,
    transfer_dispute,
    transfer_get,
    transfer_report,
    transfers_for,
)

FORMS: dict[str, type[forms.Form]] = {
    "acknowledge": AcknowledgeForm,
    "question": QuestionForm,
    "report": ReportForm,
    "dispute": DisputeForm,
}
EVENT_LABELS = {
    "sent": gettext_lazy("Sent to the platform"),
    "acknowledged": gettext_lazy("Acknowledged"),
    "question": gettext_lazy("Question from the platform"),
    "answer": gettext_lazy("Answer from the office"),
    "report": gettext_lazy("Reported as done"),
    "dispute": gettext_lazy("Disputed"),
    "reporter_shared": gettext_lazy("Reporter's details approved for you"),
}


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _platform(request: HttpRequest) -> Platform:
    """The platform of the signed-in operator; an operator without one sees nothing at all."""
    user = request.user
    assert isinstance(user, User)
    if user.platform is None:
        raise Http404
    return user.platform


def _transfer(request: HttpRequest, public_id: Any) -> Transfer:
    try:
        return transfer_get(_platform(request), public_id)
    except NotFound:
        raise Http404 from None


def _list(request: HttpRequest, *, closed: bool) -> HttpResponse:
    found = transfers_for(_platform(request), open_only=not closed)
    if closed:
        # A disputed transfer has no done_at: after the done ones, on every database.
        latest = F("done_at").desc(nulls_last=True)
        found = found.exclude(status__in=OPEN_TRANSFER).order_by(latest, "-sent_at", "-pk")
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    return render(request, "platforms/transfers.html", {"page": page, "closed": closed})


@staff_view("platform.work")
def transfers(request: HttpRequest) -> HttpResponse:
    """The platform's open transfers, oldest first: the work waiting for it."""
    return _list(request, closed=False)


@staff_view("platform.work")
def transfers_closed(request: HttpRequest) -> HttpResponse:
    """Transfers the platform has reported on or disputed, latest first."""
    return _list(request, closed=True)


def _page(
    request: HttpRequest,
    transfer: Transfer,
    *,
    bound: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    bound = bound or {}
    payload = transfer.payload
    measure = payload.get("measure")
    context = {
        "transfer": transfer,
        "payload": payload,
        "item_name": _item_name(payload),
        "measure": measure,
        "measure_name": _measure_name(measure),
        "measure_target": _measure_target(measure),
        "targets": [_target(t) for t in payload.get("targets", [])],
        "judgement": _judgement(payload.get("judgement")),
        "events": [(e, EVENT_LABELS.get(e.kind, e.kind)) for e in transfer.events.all()],
        "evidence": transfer.evidence.all(),
        "forms": {name: bound.get(name) or form() for name, form in FORMS.items()},
        "reporter_shared": transfer.is_open and transfer.pk in shares_open([transfer]),
    }
    return render(request, "platforms/transfer.html", context, status=status)


def _item_name(payload: dict[str, Any]) -> str:
    """The report item's name in the page's language, as sent in the payload."""
    name = payload.get("item", {}).get("name", {})
    english = (get_language() or "").startswith("en")
    return str(name.get("en") if english and name.get("en") else name.get("zh", ""))


def _target(fields: dict[str, Any]) -> list[tuple[str, str]]:
    """A target's fields with the catalogue's names for them, in the page's language."""
    known = get_catalogue().vocabulary.target_fields
    return [(str(known[k].name) if k in known else k, str(v)) for k, v in fields.items() if v]


def _measure_target(measure: dict[str, Any] | None) -> list[tuple[str, str]]:
    target = (measure or {}).get("target")
    if isinstance(target, dict):
        return _target(target)
    return [("", str(target))] if target else []


def _judgement(judgement: dict[str, Any] | None) -> dict[str, str] | None:
    if not judgement:
        return None
    result = judgement.get("result", "")
    terms = {str(code): term for code, term in get_catalogue().vocabulary.results.items()}
    name = str(terms[result].name) if result in terms else result
    return {"result": name, "reasons": judgement.get("reasons", "")}


def _measure_name(measure: dict[str, Any] | None) -> str:
    if not measure:
        return ""
    try:
        return str(get_catalogue().measure(measure["code"]).name)
    except KeyError:  # a measure since removed from the catalogue
        return str(measure["code"])


@staff_view("platform.work")
def transfer(request: HttpRequest, public_id: Any) -> HttpResponse:
    """One transfer: the item, targets, judgement and measure, the exchange so far, the forms."""
    return _page(request, _transfer(request, public_id))


@staff_view("platform.work")
def reporter(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The reporter details the custodian approved for this transfer; each view is ledgered."""
    found = _transfer(request, public_id)
    try:
        reporters, until = reporter_for_platform(
            transfer=found, platform=_platform(request), by=_user(request)
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("platform_work:transfer", public_id=found.public_id)
    rows = [
        [(str(REPORTER_DETAIL_LABELS.get(k, k)), v or "—") for k, v in details.items()]
        for details in reporters
    ]
    context = {"transfer": found, "payload": found.payload, "reporters": rows, "until": until}
    response = render(request, "platforms/reporter.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


def _act(request: HttpRequest, public_id: Any, name: str, done: str) -> HttpResponse:
    """Validate the form `name`, hand it to its service, and come back to the transfer page."""
    found = _transfer(request, public_id)
    form = FORMS[name](request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, found, bound={name: form}, status=400)
    try:
        ACTIONS[name](found, form.cleaned_data, _user(request))
    except DomainError as exc:
        # "evidence.2" (the third file) is shown on the form's "evidence" field.
        field = (exc.field or "").split(".")[0]
        if field in form.fields:
            form.add_error(field, str(exc.message))
        else:  # a closed transfer: its page shows no form to hold the error
            messages.error(request, str(exc.message))
        return _page(request, found, bound={name: form}, status=exc.status)
    messages.success(request, done)
    return redirect("platform_work:transfer", public_id=found.public_id)


def _evidence(files: list[Any]) -> list[EvidenceFile]:
    # One byte over the largest allowed size is enough for the sanitiser to refuse a file.
    cap = limits_from_settings().max_bytes + 1
    return [EvidenceFile(name=(f.name or "file")[:100], content=f.read(cap)) for f in files]


# Each action names the operator, so the ledger says who acted for the platform.
ACTIONS = {
    "acknowledge": lambda t, d, u: transfer_acknowledge(transfer=t, reference=d["reference"], by=u),
    "question": lambda t, d, u: transfer_ask(transfer=t, question=d["question"], by=u),
    "report": lambda t, d, u: transfer_report(
        transfer=t, note=d["note"], evidence=_evidence(d["evidence"]), by=u
    ),
    "dispute": lambda t, d, u: transfer_dispute(transfer=t, reason=d["reason"], by=u),
}


@require_POST
@staff_view("platform.work")
def acknowledge(request: HttpRequest, public_id: Any) -> HttpResponse:
    return _act(request, public_id, "acknowledge", _("Acknowledged."))


@require_POST
@staff_view("platform.work")
def question(request: HttpRequest, public_id: Any) -> HttpResponse:
    return _act(request, public_id, "question", _("Your question was sent to the office."))


@require_POST
@staff_view("platform.work")
def report(request: HttpRequest, public_id: Any) -> HttpResponse:
    return _act(request, public_id, "report", _("Your report was sent: thank you."))


@require_POST
@staff_view("platform.work")
def dispute(request: HttpRequest, public_id: Any) -> HttpResponse:
    return _act(request, public_id, "dispute", _("Your dispute was sent to the office."))
