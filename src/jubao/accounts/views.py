"""Sign-in with a password and, for staff, a TOTP second factor; sign-out; lock-out page."""

from __future__ import annotations

from typing import Any

import segno
from django import forms
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from jubao.accounts.models import Role
from jubao.accounts.policies import has_role, needs_second_factor, second_factor_passed
from jubao.accounts.services import totp_confirm, totp_device_for
from jubao.ledger.services import actor_ref, ledger_append


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        """Enterprise contacts land on their own dashboard, everyone else on the workbench."""
        if has_role(self.request.user, Role.ENTERPRISE):
            return resolve_url("enterprise:dashboard")
        return str(super().get_default_redirect_url())

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        ledger_append(actor=actor_ref(user), action="session.login", ref=f"accounts.user:{user.pk}")
        if needs_second_factor(user):
            return redirect("accounts:otp")
        return response


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Six-digit code from your authenticator app"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]{6}"}
        ),
    )


def _qr_data_uri(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_data_uri(scale=4)


@require_http_methods(["GET", "POST"])
def otp(request: HttpRequest) -> HttpResponse:
    """Verify the second factor; enrol an authenticator first if the user has none."""
    user = request.user
    if not user.is_authenticated:
        return redirect("accounts:login")
    if second_factor_passed(user):
        return redirect("web:workbench")
    device, enrolling = totp_device_for(user=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _detail = device.verify_is_allowed()
        if allowed and device.verify_token(form.cleaned_data["token"]):
            if enrolling:
                totp_confirm(actor=actor_ref(user), device=device)
            otp_login(request, device)
            ledger_append(
                actor=actor_ref(user),
                action="session.second_factor",
                ref=f"accounts.user:{user.pk}",
            )
            return redirect(request.GET.get("next") or "web:workbench")
        form.add_error("token", _("The code is wrong or has expired. Try the current code."))
    context = {"form": form, "enrolling": enrolling}
    if enrolling:
        context |= {
            "qr": _qr_data_uri(device),
            "secret": device.config_url.split("secret=")[1].split("&")[0],
        }
    return render(request, "accounts/otp.html", context)


def security(request: HttpRequest) -> HttpResponse:
    """The signed-in user's security page: second factor status."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    devices = TOTPDevice.objects.filter(user=request.user, confirmed=True)
    return render(request, "accounts/security.html", {"devices": devices})


def lockout(request: HttpRequest, credentials: Any, *args: Any, **kwargs: Any) -> HttpResponse:
    """Shown by django-axes when an account or an address has too many failed sign-ins."""
    message = _("Too many failed sign-in attempts. Wait a while before trying again.")
    context = {"message": message, "title": _("Sign-in locked")}
    return render(request, "web/error.html", context, status=429)
