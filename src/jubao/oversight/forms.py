"""The forms of the supervision pages. They only parse input: the services validate it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from jubao.accounts.models import Platform
from jubao.intake.forms import MultipleFileField
from jubao.oversight.models import (
    TEXT_MAX,
    TITLE_MAX,
    PenaltyKind,
    PlanStatus,
    ProblemStatus,
    Severity,
)
from jubao.oversight.scorecards import DEFAULT_DAYS
from jubao.oversight.services import MAX_RECTIFICATION_FILES


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(**kwargs)


def _date(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DateField:
    return forms.DateField(label=label, required=required, help_text=help_text, widget=DateInput())


def _text(
    label: Any, *, required: bool = True, help_text: Any = "", rows: int = 3
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def _set_queryset(form: forms.Form, name: str, queryset: QuerySet[Any]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


class PlanForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    scope = _text(
        _("Scope"),
        required=False,
        help_text=_("What the inspection looks at: the rules, the services, the samples."),
    )
    platforms = forms.ModelMultipleChoiceField(
        label=_("Platforms"),
        queryset=Platform.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    starts_on = _date(_("Starts"))
    ends_on = _date(_("Ends"))

    def __init__(self, *args: Any, platforms: QuerySet[Platform], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "platforms", platforms)


class PlanStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=PlanStatus.choices)


class FindingForm(forms.Form):
    platform = forms.ModelChoiceField(label=_("Platform"), queryset=Platform.objects.none())
    description = _text(_("What was found"))
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    found_on = _date(_("Found on"))
    deadline = _date(
        _("Rectification deadline"),
        required=False,
        help_text=_("Give a deadline to enter the finding in the problem ledger."),
    )

    def __init__(self, *args: Any, platforms: QuerySet[Platform], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "platform", platforms)


class ProblemForm(forms.Form):
    platform = forms.ModelChoiceField(label=_("Platform"), queryset=Platform.objects.none())
    description = _text(_("Problem"))
    deadline = _date(_("Rectification deadline"))

    def __init__(self, *args: Any, platforms: QuerySet[Platform], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "platform", platforms)


class RectificationForm(forms.Form):
    note = _text(
        _("What was rectified"),
        help_text=_("What changed, from when, and how it can be checked."),
    )
    evidence = MultipleFileField(label=_("Files that show it"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evidence"].help_text = _(
            "Screenshots, PDF documents or screen recordings, at most %(max)d files."
        ) % {"max": MAX_RECTIFICATION_FILES}


class VerifyForm(forms.Form):
    note = _text(_("Verification note"), required=False, rows=2)


class ReopenForm(forms.Form):
    note = _text(_("Why the rectification is not enough"), rows=2)
    deadline = _date(
        _("New deadline"), required=False, help_text=_("Leave empty to keep the deadline.")
    )


class InterviewForm(forms.Form):
    held_on = _date(_("Held on"))
    attendees = _text(_("Attendees"), rows=2)
    summary = _text(_("Summary"))
    follow_up = _text(_("Follow-up"), required=False, rows=2)


class PenaltyForm(forms.Form):
    decided_on = _date(_("Decided on"))
    kind = forms.ChoiceField(label=_("Kind"), choices=PenaltyKind.choices)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"),
        required=False,
        max_digits=14,
        decimal_places=2,
        help_text=_("Only for a fine."),
    )
    legal_basis = _text(_("Legal basis"), rows=2)
    description = _text(_("Description"))


class ProblemFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *list(ProblemStatus.choices)]
    )
    platform = forms.ModelChoiceField(
        label=_("Platform"), required=False, queryset=Platform.objects.none(), empty_label=_("Any")
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args: Any, platforms: QuerySet[Platform], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "platform", platforms)


class PeriodForm(forms.Form):
    days = forms.IntegerField(
        label=_("Last days"), min_value=1, max_value=3660, required=False, initial=DEFAULT_DAYS
    )
