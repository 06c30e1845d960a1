"""Optional citizen accounts: sign up by phone or e-mail, sign in, see all one's reports."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib.auth import authenticate, login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from jubao.accounts.citizens import citizen_signup_confirm, citizen_signup_start, username_for
from jubao.accounts.models import Role
from jubao.accounts.policies import has_role
from jubao.errors import DomainError
from jubao.intake.limits import limit_receipt_lookup
from jubao.intake.models import Report
from jubao.intake.services import report_for_receipt, report_link_account
from jubao.intake.timeline import status_view

PENDING = "jubao.pending_signup"


class SignupForm(forms.Form):
    identifier = forms.CharField(label=gettext_lazy("Mobile number or e-mail"), max_length=254)
    password = forms.CharField(
        label=gettext_lazy("Password"), widget=forms.PasswordInput, max_length=128
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Verification code"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class SignInForm(SignupForm):
    pass


class LinkForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Receipt code of a report filed without signing in"), max_length=40
    )


def _form_error(form: forms.Form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))


@never_cache
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pending = citizen_signup_start(
                identifier=form.cleaned_data["identifier"], password=form.cleaned_data["password"]
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            request.session[PENDING] = str(pending.vault_ref)
            return redirect("citizen:verify")
    return render(
        request, "intake/account_signup.html", {"form": form}, status=400 if form.errors else 200
    )


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING)
    if not pending:
        return redirect("citizen:signup")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = citizen_signup_confirm(
                pending_ref=uuid.UUID(pending), code=form.cleaned_data["code"]
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            request.session.pop(PENDING, None)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("citizen:reports")
    return render(
        request, "intake/account_verify.html", {"form": form}, status=400 if form.errors else 200
    )


@never_cache
@require_http_methods(["GET", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            username = username_for(form.cleaned_data["identifier"])
        except DomainError as exc:
            _form_error(form, exc)
        else:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is not None and has_role(user, Role.CITIZEN):
                login(request, user)
                return redirect("citizen:reports")
            if not form.errors:
                form.add_error(None, _("The address or the password is wrong."))
    return render(
        request, "intake/account_signin.html", {"form": form}, status=400 if form.errors else 200
    )


@never_cache
@require_http_methods(["GET", "POST"])
def reports(request: HttpRequest) -> HttpResponse:
    """All reports of the signed-in citizen, and linking one filed without signing in."""
    user = request.user
    if not user.is_authenticated or not has_role(user, Role.CITIZEN):
        return redirect("citizen:signin")
    form = LinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            limit_receipt_lookup(request)
            report = report_for_receipt(code=form.cleaned_data["code"])
            report_link_account(report=report, user=user)
        except DomainError as exc:
            form.add_error("code", str(exc.message))
        else:
            return redirect("citizen:reports")
    mine = Report.objects.filter(account=user).select_related("case").order_by("-submitted_at")
    views = [(report.pk, status_view(report)) for report in mine]
    return render(
        request,
        "intake/account_reports.html",
        {"views": views, "form": form},
        status=400 if form.errors else 200,
    )


@never_cache
@require_http_methods(["POST"])
def follow(request: HttpRequest, pk: int) -> HttpResponse:
    """Open one's own report on the receipt page, as if with its receipt."""
    user = request.user
    if not user.is_authenticated or not Report.objects.filter(pk=pk, account=user).exists():
        return redirect("citizen:signin")
    from jubao.intake.views import FOLLOWING

    request.session[FOLLOWING] = pk
    return redirect("intake:status")
