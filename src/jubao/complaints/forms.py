"""Forms of the complaint window and of the workbench; the services validate what matters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jubao.accounts.models import Platform, PlatformStatus


class ComplaintForm(forms.Form):
    platform = forms.ModelChoiceField(
        label=_("Which platform is the complaint about?"),
        queryset=Platform.objects.none(),
        empty_label=_("Choose a platform"),
    )
    receipt_code = forms.CharField(
        label=_("Receipt code of your report to us (if you reported here)"),
        required=False,
        max_length=40,
        help_text=_(
            "The code is used only to find your report; it is not stored with the complaint."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    platform_reference = forms.CharField(
        label=_("Ticket number the platform gave you (if you reported to the platform)"),
        required=False,
        max_length=100,
    )
    reported_on = forms.DateField(
        label=_("When did you report it to the platform?"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    description = forms.CharField(
        label=_("What happened?"),
        max_length=5000,
        help_text=_(
            "What you reported, what the platform did or did not do, and what you ask for. "
            "Do not paste passwords."
        ),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    contact_name = forms.CharField(label=_("Your name (optional)"), required=False, max_length=50)
    contact_phone = forms.CharField(
        label=_("Mobile number (optional)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    contact_email = forms.EmailField(label=_("E-mail (optional)"), required=False)
    truthful = forms.BooleanField(
        label=_("I confirm that this complaint is true."),
    )
    pow = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["platform"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Platform.objects.filter(status=PlatformStatus.ACTIVE).order_by("name")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            not data.get("receipt_code", "").strip()
            and not data.get("platform_reference", "").strip()
        ):
            self.add_error(
                "receipt_code",
                _(
                    "Give the receipt code of your report to us or the ticket number the "
                    "platform gave you."
                ),
            )
        return data


class InquiryForm(forms.Form):
    code = forms.CharField(
        label=_("Complaint code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


SCORES = [
    (5, _("5 – very satisfied")),
    (4, _("4 – satisfied")),
    (3, _("3 – neither satisfied nor dissatisfied")),
    (2, _("2 – dissatisfied")),
    (1, _("1 – very dissatisfied")),
]


class EvaluationForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How satisfied are you with the handling of your complaint?"),
        choices=SCORES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- the workbench -------------------------------------------------------------------------------


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the complaint not accepted?"),
        max_length=5000,
        help_text=_("The complainant reads this reason."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class QuestionForm(forms.Form):
    question = forms.CharField(
        label=_("Question to the platform"),
        max_length=5000,
        help_text=_("Send it to the platform as usual, and record it here."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label=_("The platform's reply"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    platform_reference = forms.CharField(
        label=_("The platform's ticket number (optional)"), required=False, max_length=100
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Answer to the complainant"),
        max_length=5000,
        help_text=_("The complainant reads this answer with the complaint code."),
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class EmptyForm(forms.Form):
    pass
