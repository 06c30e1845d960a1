"""Forms of the measures panel (staff decisions on a measure) and of the blacklist page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jubao.measures.blacklist import APPEAL_MAX_LENGTH

NOTE_MAX_LENGTH = 2000


class ProofForm(forms.Form):
    holds = forms.ChoiceField(
        label=_("Does the proof hold?"),
        choices=[("yes", _("Yes: remove the content")), ("no", _("No: make it public again"))],
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("show", _("Show")), ("refuse", _("Refuse"))]
    )
    note = forms.CharField(
        label=_("Note to the concerned party"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        help_text=_("Required when you refuse."),
    )


class LabelForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("The facts are settled"),
        choices=[
            ("remove", _("Not infringing: remove the label")),
            ("upgrade", _("Infringing: remove the content")),
        ],
    )


class AppealForm(forms.Form):
    text = forms.CharField(
        label=_("Appeal"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=APPEAL_MAX_LENGTH,
        help_text=_("What the listed party says, as received by the office."),
    )


class AppealDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("uphold", _("Uphold: lift the entry")), ("dismiss", _("Dismiss"))],
    )
    note = forms.CharField(
        label=_("Reasons"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        help_text=_("Required when you dismiss."),
    )
