"""Portal forms generated from a catalogue item: which targets, which evidence, who may report.

The form only parses what the browser sends; `report_submit` validates against the catalogue,
and its errors are put back on the fields they name.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from jubao.catalogue import Catalogue, ReportItem
from jubao.errors import DomainError
from jubao.intake.drafts import Contact, Draft, Upload
from jubao.intake.services import Submission, report_submit
from jubao.intake.validation import InvalidReport, evidence_kinds

TARGET_ROWS = 3
ROLE_LABELS = {
    "victim": _("I am the person harmed"),
    "agent": _("I represent the person harmed, with their authorisation"),
    "guardian": _("I am the guardian of the minor harmed"),
    "anyone": _("I saw it: I am not the person harmed"),
}
INPUT_TYPES = {"url": "url", "datetime": "datetime-local", "text": "text"}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


def _target_field(field: Any, required: bool) -> forms.Field:
    widget: forms.Widget
    if field.code in ("excerpt", "snippet"):
        widget = forms.Textarea(attrs={"rows": 3})
    else:
        widget = forms.TextInput(attrs={"type": INPUT_TYPES.get(field.input, "text")})
    return forms.CharField(
        label=str(field.name),
        help_text=str(field.description),
        required=required,
        max_length=2000,
        widget=widget,
    )


class ReportForm(forms.Form):
    """The fields every report has; targets and evidence are added per item in __init__."""

    reporter_role = forms.ChoiceField(
        label=_("Who are you in this matter?"), widget=forms.RadioSelect
    )
    description = forms.CharField(
        label=_("What happened?"),
        max_length=5000,
        help_text=_("What was published, when, and how it harms you. Do not paste passwords."),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    for_minor = forms.BooleanField(label=_("A minor is harmed"), required=False)
    for_elderly = forms.BooleanField(label=_("An elderly person is harmed"), required=False)
    for_disabled = forms.BooleanField(
        label=_("A person with a disability is harmed"), required=False
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
        label=_(
            "I confirm that this report is true and that I may be held responsible for a "
            "false report."
        ),
    )
    pow = forms.CharField(widget=forms.HiddenInput, required=False)
    submission = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, item: ReportItem, catalogue: Catalogue, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item, self.catalogue = item, catalogue
        roles = [r.value for r in item.reporters]
        role_field = cast(forms.ChoiceField, self.fields["reporter_role"])
        role_field.choices = [(r, ROLE_LABELS[r]) for r in roles]
        if len(roles) == 1:
            self.fields["reporter_role"].initial = roles[0]
        self.target_rows = [self._add_target_row(i) for i in range(TARGET_ROWS)]
        self.evidence_fields = self._add_evidence_fields()

    def _add_target_row(self, index: int) -> list[str]:
        names = []
        required = {f.code for f in self.item.targets}
        for field in (*self.item.targets, *self.item.optional_targets):
            name = f"t{index}_{field.code}"
            self.fields[name] = _target_field(field, index == 0 and field.code in required)
            names.append(name)
        return names

    def _add_evidence_fields(self) -> list[str]:
        required, allowed = evidence_kinds(self.item, self.catalogue, "victim")
        names = []
        for code in sorted(allowed, key=lambda c: (c not in required, c)):
            term = self.catalogue.vocabulary.evidence_kinds[code]
            name = f"ev_{code}"
            self.fields[name] = MultipleFileField(
                label=str(term.name), required=False, help_text=str(term.description)
            )
            names.append(name)
        return names

    def target_groups(self) -> list[list[forms.BoundField]]:
        return [[self[name] for name in row] for row in self.target_rows]

    def evidence_group(self) -> list[forms.BoundField]:
        return [self[name] for name in self.evidence_fields]

    def draft(self, channel: str) -> tuple[Draft, dict[str, str]]:
        """The draft for `report_submit`, and which form field each upload came from."""
        data = self.cleaned_data
        targets = tuple(
            {name.split("_", 1)[1]: data.get(name) or "" for name in row}
            for row in self.target_rows
        )
        uploads: list[Upload] = []
        origin: dict[str, str] = {}
        for name in self.evidence_fields:
            for file in data.get(name) or []:
                origin[f"evidence.{len(uploads)}"] = name
                uploads.append(Upload(name=file.name, data=file.read(), kind=name[3:]))
        draft = Draft(
            item_code=self.item.code,
            reporter_role=data["reporter_role"],
            description=data["description"],
            targets=targets,
            truthful=data["truthful"],
            contact=Contact(data["contact_name"], data["contact_phone"], data["contact_email"]),
            for_minor=data["for_minor"],
            for_elderly=data["for_elderly"],
            for_disabled=data["for_disabled"],
            uploads=tuple(uploads),
            channel=channel,
        )
        return draft, origin

    def submit(self, channel: str, **service_kwargs: Any) -> Submission | None:
        """File the report through `report_submit`; on refusal, put the errors on the form."""
        draft, origin = self.draft(channel)
        try:
            return report_submit(draft=draft, **service_kwargs)
        except InvalidReport as exc:
            self.add_domain_errors(exc.errors, origin)
        except DomainError as exc:
            field = exc.field if exc.field in self.fields else None
            self.add_error(field, str(exc.message))
        return None

    def add_domain_errors(self, errors: dict[str, list[str]], origin: dict[str, str]) -> None:
        """Put the service's errors ("targets.0.url", "evidence.2") on the form's fields."""
        for key, messages in errors.items():
            parts = key.split(".")
            name: str | None
            if parts[0] == "targets" and len(parts) == 3:
                name = f"t{parts[1]}_{parts[2]}"
            elif parts[0] == "evidence":
                name = origin.get(key)
            elif parts[0] == "contact":
                name = f"contact_{parts[1]}"
            else:
                name = parts[0]
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


class ReceiptForm(forms.Form):
    code = forms.CharField(
        label=_("Receipt code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the files show"))
    upload = MultipleFileField(label=_("Files"))

    def set_kinds(self, choices: list[tuple[str, str]]) -> None:
        cast(forms.ChoiceField, self.fields["kind"]).choices = choices


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message to the handler"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you withdraw? (optional)"), required=False, max_length=500
    )
    confirm = forms.BooleanField(label=_("Yes, withdraw my report"))


class EvaluationForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How satisfied are you with the result?"),
        coerce=int,
        widget=forms.RadioSelect,
        choices=[(i, str(i)) for i in range(5, 0, -1)],
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
