"""Forms of the guidance work: counselling, liaison, guidance and joint handling.

The forms only shape the input; the services in `counsel.py` check and refuse it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from jubao.accounts.models import User
from jubao.cases.models import Case
from jubao.enterprises.counsel import (
    BODY_MAX_LENGTH,
    DEPARTMENT_MAX_LENGTH,
    NOTES_MAX_LENGTH,
    SUMMARY_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    TOPIC_MAX_LENGTH,
)
from jubao.enterprises.models import GuidanceKind


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class CounsellingForm(forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=DateInput())
    topic = forms.CharField(label=_("Topic"), max_length=TOPIC_MAX_LENGTH)
    notes = forms.CharField(
        label=_("Notes"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=NOTES_MAX_LENGTH,
        help_text=_("What was discussed and agreed. Only office staff see these notes."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_counselling_%s")
        super().__init__(*args, **kwargs)


class StaffChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        office = obj.office.name if obj.office else ""
        name = obj.display_name or obj.username
        return f"{name} · {office}" if office else name


class LiaisonForm(forms.Form):
    liaison = StaffChoice(
        label=_("Liaison officer"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("No liaison officer"),
    )

    def __init__(self, *args: Any, candidates: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["liaison"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = candidates.select_related("office")


class GuidanceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=GuidanceKind.choices)
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=SUMMARY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One or two sentences shown in the list."),
    )
    body = forms.CharField(
        label=_("Text"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text=_("Plain text: blank lines separate paragraphs. HTML is shown as written."),
    )


class CaseChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Case) -> str:
        return obj.reference


class JointHandlingForm(forms.Form):
    case = CaseChoice(label=_("Case"), queryset=Case.objects.none())
    department = forms.CharField(
        label=_("Department of the enterprise"), max_length=DEPARTMENT_MAX_LENGTH
    )
    held_on = forms.DateField(label=_("Date"), widget=DateInput())
    notes = forms.CharField(
        label=_("What was done"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=NOTES_MAX_LENGTH,
    )

    def __init__(self, *args: Any, cases: QuerySet[Case], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_joint_%s")
        super().__init__(*args, **kwargs)
        field = self.fields["case"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = cases
