"""Portal home, workbench overview and the health endpoint."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jubao.accounts.models import Role
from jubao.accounts.policies import roles_of, staff_view


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


@staff_view("workbench.view")
def workbench(request: HttpRequest) -> HttpResponse:
    labels = [Role(code).label for code in sorted(roles_of(request.user))]
    return render(request, "web/workbench_home.html", {"role_labels": labels})


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and benchmarks."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
