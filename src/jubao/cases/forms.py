"""One small form per workflow move: the parameters its guard needs, with catalogue choices."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jubao.accounts.models import Office, Role, User
from jubao.cases.models import Case
from jubao.cases.workflow import MOVE_LABELS, Move
from jubao.catalogue import get_catalogue

TEXT = forms.Textarea(attrs={"rows": 3})


def _choices(pairs: Any) -> list[tuple[str, str]]:
    return [(code, str(name)) for code, name in pairs]


class MoveForm(forms.Form):
    """Fields for `move` on `case`; `params()` gives the keyword arguments of case_transition."""

    def __init__(self, *args: Any, move: Move, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.move, self.case = move, case
        self.label = MOVE_LABELS[move]
        item = get_catalogue().item(case.item_code)
        builders: dict[Move, Callable[[], dict[str, forms.Field]]] = {
            Move.REFUSE: lambda: {
                "reason": forms.ChoiceField(
                    label=_("Reason"),
                    choices=_choices((r.code, r.name) for r in get_catalogue().refusals),
                )
            },
            Move.TRANSFER: lambda: {
                "office": forms.ModelChoiceField(
                    label=_("Office"),
                    queryset=Office.objects.exclude(pk=case.jurisdiction_id),
                    required=False,
                ),
                **(
                    {
                        "to_platform": forms.BooleanField(
                            label=_("Hand the case to %(platform)s instead")
                            % {"platform": getattr(case.platform, "name", "")},
                            required=False,
                        )
                    }
                    if case.platform_id
                    else {}
                ),
            },
            Move.MERGE: lambda: {
                "into": forms.CharField(label=_("Reference of the case"), max_length=32)
            },
            Move.REQUEST_PROOF: lambda: {
                "message": forms.CharField(label=_("What proof is needed"), widget=TEXT)
            },
            Move.JUDGE: lambda: {
                "result": forms.ChoiceField(
                    label=_("Result"),
                    choices=_choices(
                        (r.value, get_catalogue().vocabulary.results[r].name) for r in item.results
                    ),
                ),
                "reasons": forms.CharField(label=_("Reasons"), widget=TEXT),
                "malicious": forms.BooleanField(label=_("Malicious infringement"), required=False),
                "subject": forms.CharField(
                    label=_(
                        "ID number or unified social credit code of the person or company "
                        "behind the accounts (optional; kept only as a keyed hash)"
                    ),
                    max_length=18,
                    required=False,
                ),
            },
            Move.DISCUSS: lambda: {
                "members": forms.ModelMultipleChoiceField(
                    label=_("Members (at least three)"),
                    queryset=User.objects.filter(
                        role_grants__role__in=[Role.REVIEWER, Role.APPROVER, Role.SUPERVISOR]
                    ).distinct(),
                )
            },
            Move.CONCLUDE_DISCUSSION: lambda: {
                "minutes": forms.CharField(label=_("Minutes"), widget=TEXT)
            },
            Move.PROPOSE_DISPOSAL: lambda: {
                "measure": forms.ChoiceField(
                    label=_("Measure"),
                    choices=_choices((m.code, f"{m.name} · {m.tier.name}") for m in item.measures),
                ),
                "reasons": forms.CharField(label=_("Reasons"), widget=TEXT),
            },
            Move.DISPOSE: lambda: {
                "note": forms.CharField(label=_("What was done"), widget=TEXT, required=False)
            },
            Move.ANSWER: lambda: {
                "message": forms.CharField(label=_("Answer to the reporter"), widget=TEXT)
            },
            Move.REOPEN: lambda: {
                "reason": forms.CharField(label=_("Complaint or appeal"), widget=TEXT)
            },
        }
        builder = builders.get(move)
        if builder is not None:
            self.fields.update(builder())
        for name in self.fields:
            self.fields[name].widget.attrs.setdefault("id", f"id_{move}_{name}")

    def clean_into(self) -> Case:
        reference = self.cleaned_data["into"].strip()
        target = Case.objects.filter(reference=reference).first()
        if target is None:
            raise forms.ValidationError(_("No case has this reference."))
        return target

    def params(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if "members" in data:
            data["members"] = list(data["members"])
        return data


class VoteForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Your vote"),
        choices=[
            ("infringing", _("Infringing")),
            ("not_infringing", _("Not infringing")),
            ("partly", _("Partly infringing")),
        ],
    )


def _handlers(case: Case | None = None, office: Office | None = None) -> Any:
    """Active users who handle cases (the service checks the jurisdiction of each), limited to
    those who can see `case`, or to the offices under `office`."""
    people = User.objects.filter(
        is_active=True,
        role_grants__role__in=[Role.INTAKE, Role.REVIEWER, Role.DISPOSAL, Role.APPROVER],
    )
    if case is not None and case.jurisdiction.scope_prefix:
        # Staff of the case's office, the offices above it and the central office.
        people = people.filter(
            office__code__in=[
                o.code
                for o in Office.objects.all()
                if case.jurisdiction.code.startswith(o.scope_prefix)
            ]
        )
    if office is not None and office.scope_prefix:
        people = people.filter(office__code__startswith=office.scope_prefix)
    return people.distinct().order_by("username")


class AssignForm(forms.Form):
    """A supervisor gives the case to a handler, optionally as the special person responsible."""

    assignee = forms.ModelChoiceField(label=_("Assign to"), queryset=User.objects.none())
    responsible = forms.BooleanField(
        label=_("Special person responsible (stays with the case through every step)"),
        required=False,
    )

    def __init__(self, *args: Any, case: Case, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = _handlers(case)  # type: ignore[attr-defined]
        if case.assignee_id:
            self.fields["assignee"].initial = case.assignee_id


BULK_ACTIONS = [
    ("assign", _("Assign to")),
    (Move.ACCEPT.value, MOVE_LABELS[Move.ACCEPT]),
    (Move.START_REVIEW.value, MOVE_LABELS[Move.START_REVIEW]),
]


class IdsField(forms.Field):
    """A list of record ids from ticked boxes of the same name."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Tick at least one case."),
        "invalid": _("The list of cases is not valid."),
    }

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        try:
            return sorted({int(v) for v in value})
        except (TypeError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


def handler_choices(user: User) -> list[tuple[int, str]]:
    """The bulk form's "assign to" list as (id, name) pairs, without building model instances."""
    rows = _handlers(office=user.office).values_list("pk", "display_name", "username")
    return [(pk, name or username) for pk, name, username in rows]


class BulkForm(forms.Form):
    """The ticked cases and one safe action for all of them."""

    cases = IdsField(label=_("Cases"))
    action = forms.ChoiceField(label=_("Action"), choices=BULK_ACTIONS)
    assignee = forms.ModelChoiceField(
        label=_("Assign to"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the user's own jurisdiction: the list is rendered on every queue page.
        self.fields["assignee"].queryset = _handlers(  # type: ignore[attr-defined]
            office=user.office
        )

    def clean_cases(self) -> list[int]:
        ids = self.cleaned_data["cases"]
        if len(ids) > 200:
            raise forms.ValidationError(_("Choose at most 200 cases at a time."))
        return ids

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "assign" and not data.get("assignee"):
            self.add_error("assignee", _("Choose whom to assign the cases to."))
        return data


class AnswerForm(forms.Form):
    """An officer's answer to a platform's question about a transfer."""

    answer = forms.CharField(label=_("Answer to the platform"), widget=TEXT, max_length=4000)
