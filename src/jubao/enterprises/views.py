"""The enterprise area on the portal: registration and the enterprise's dashboard."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from jubao.catalogue import Area, get_catalogue
from jubao.enterprises.forms import RegisterForm
from jubao.enterprises.services import (
    Upload,
    abuse_review,
    enterprise_of,
    enterprise_register,
    unfounded_count,
)
from jubao.errors import DomainError
from jubao.intake.models import Report
from jubao.intake.timeline import status_view

FINISHED_FOR_STATS = ("closed", "evaluated", "answered", "not_accepted", "withdrawn", "merged")


def _upload(file: Any) -> Upload:
    return Upload(name=(file.name or "file")[:100], content=file.read(20 * 1024 * 1024 + 1))


@never_cache
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """Register an enterprise and its authorised contact; staff verify it afterwards."""
    posted = request.method == "POST"
    form = RegisterForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            enterprise_register(
                name=data["name"],
                uscc=data["uscc"],
                key_types=list(data["key_types"]),
                contact_name=data["contact_name"],
                phone=data["phone"],
                email=data["email"],
                password=data["password"],
                licence=_upload(data["licence"]),
                attorney=_upload(data["attorney"]),
            )
        except DomainError as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, str(exc.message))
        else:
            messages.success(
                request,
                _(
                    "Registered. Sign in with the code and your password; you can file once the "
                    "office has verified your documents."
                ),
            )
            return redirect("accounts:login")
    return render(
        request, "enterprises/register.html", {"form": form}, status=400 if form.errors else 200
    )


@never_cache
def dashboard(request: HttpRequest) -> HttpResponse:
    """The enterprise's own page: its status, notices, cases with their deadlines, handlers and
    results, and its figures."""
    enterprise = enterprise_of(request.user)
    if enterprise is None:
        if request.user.is_authenticated:
            message = _("This page is for the authorised contacts of registered enterprises.")
            return render(request, "web/error.html", {"message": message}, status=403)
        return redirect(f"{_login()}?next={request.path}")
    if enterprise.verified:
        enterprise = abuse_review(enterprise)
    reports = (
        Report.objects.filter(account=enterprise.contact)
        .select_related("case", "case__responsible")
        .order_by("-submitted_at")
    )
    rows = [(r, status_view(r)) for r in reports[:200]]
    by_status = Counter(r.case.status for r in reports)
    finished = [r for r in reports if r.case.status in FINISHED_FOR_STATS]
    now = timezone.now()
    context = {
        "enterprise": enterprise,
        "rows": rows,
        "now": now,
        "figures": {
            "total": len(reports),
            "open": sum(n for s, n in by_status.items() if s not in FINISHED_FOR_STATS),
            "finished": len(finished),
            "overdue_open": sum(
                1
                for r in reports
                if r.case.status not in FINISHED_FOR_STATS
                and r.case.due_at
                and r.case.due_at <= now
            ),
            "unfounded": unfounded_count(enterprise, now),
        },
        "notices": enterprise.notices.all()[:10],
        "items": [i for i in get_catalogue().items if i.area == Area.ENTERPRISE],
    }
    return render(request, "enterprises/dashboard.html", context)


def _login() -> str:
    from django.urls import reverse

    return reverse("accounts:login")
