"""Forms of the enterprise area: registration on the portal, verification in the workbench."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jubao.enterprises.models import KeyType


class RegisterForm(forms.Form):
    name = forms.CharField(label=_("Registered name of the enterprise"), max_length=200)
    uscc = forms.CharField(
        label=_("Unified social credit code"),
        max_length=24,
        help_text=_("The 18 characters on the business licence. You sign in with it."),
    )
    key_types = forms.MultipleChoiceField(
        label=_("Key enterprise types"),
        choices=KeyType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick what applies; the office checks it against your documents."),
    )
    licence = forms.FileField(
        label=_("Business licence"),
        help_text=_("A photo or scan (JPEG, PNG or PDF)."),
    )
    contact_name = forms.CharField(label=_("Authorised contact person"), max_length=100)
    phone = forms.CharField(label=_("Contact phone"), max_length=32)
    email = forms.EmailField(label=_("Contact e-mail"), required=False)
    attorney = forms.FileField(
        label=_("Power of attorney"),
        help_text=_("Signed and stamped by the enterprise, naming the contact person."),
    )
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(render_value=False), min_length=10
    )
    password_again = forms.CharField(
        label=_("Password again"), widget=forms.PasswordInput(render_value=False)
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("verify", _("Verify")), ("refuse", _("Not verified"))],
    )
    note = forms.CharField(
        label=_("Note to the enterprise"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
        help_text=_("Required when you do not verify: say what is missing."),
    )
