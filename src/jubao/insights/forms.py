"""Forms of the transparency work: typical cases, the laws library, platforms' figures."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from jubao.cases.models import Case
from jubao.insights.models import TEXT_MAX_LENGTH, TITLE_MAX_LENGTH, LawStatus


class CaseChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Case) -> str:
        return obj.reference


class DraftForm(forms.Form):
    case = CaseChoice(label=_("Finished case"), queryset=Case.objects.none())
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX_LENGTH,
        required=False,
        help_text=_("Leave empty to use the report item's name."),
    )

    def __init__(self, *args: Any, cases: QuerySet[Case] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if cases is not None:
            self.fields["case"].queryset = cases  # type: ignore[attr-defined]


class CheckForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    text = forms.CharField(
        label=_("Text"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text=_(
            "Read it through: remove anything that could identify a person. It is scanned "
            "again when you confirm."
        ),
    )


class LawForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    issuing_body = forms.CharField(label=_("Issuing body"), max_length=200)
    document_number = forms.CharField(label=_("Document number"), max_length=100, required=False)
    issued_on = forms.DateField(
        label=_("Issued"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    effective_on = forms.DateField(
        label=_("Effective"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(label=_("Status"), choices=LawStatus.choices)
    articles = forms.CharField(
        label=_("Articles that matter"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("The articles that matter for reporting online infringement, quoted."),
    )
    summary = forms.CharField(
        label=_("Our summary"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("In plain words: what it means for people who report."),
    )
    link = forms.URLField(label=_("Link to the official text"), required=False, max_length=200)


class FiguresForm(forms.Form):
    period = forms.CharField(
        label=_("Month"),
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-01"}),
        help_text=_("YYYY-MM. Sending a month again replaces its figures."),
    )
    received = forms.IntegerField(label=_("Reports received"), min_value=0)
    handled = forms.IntegerField(label=_("Reports handled"), min_value=0)
    removed = forms.IntegerField(label=_("Items removed"), min_value=0)
    accounts_handled = forms.IntegerField(label=_("Accounts handled"), min_value=0)
    median_hours = forms.DecimalField(
        label=_("Median handling time (hours)"), min_value=0, max_digits=8, decimal_places=1
    )
