"""The request form on the case page and the custodian's decision form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jubao.cases.models import Case
from jubao.custody.models import REASON_MAX_LENGTH, REASON_MIN_LENGTH
from jubao.intake.models import Report
from jubao.platforms.models import OPEN_TRANSFER, Transfer


class TransferChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Transfer) -> str:
        return f"{obj.platform.name} · {obj.get_kind_display()} · {obj.sent_at:%Y-%m-%d}"


class RevealRequestForm(forms.Form):
    report = forms.ModelChoiceField(label=_("Report"), queryset=Report.objects.none())
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=REASON_MIN_LENGTH,
        max_length=REASON_MAX_LENGTH,
        help_text=_(
            "Why this case needs the reporter's identity. The identity custodian reads it; it is "
            "never shown to the reporter or written to the ledger."
        ),
    )

    transfer = TransferChoice(
        label=_("Send to a platform"),
        queryset=Transfer.objects.none(),
        required=False,
        empty_label=_("No: I need to see the identity myself"),
        help_text=_(
            "For this item the platform may need the reporter's details to act. Choose its "
            "transfer to ask that only the details the catalogue lists be sent to it; you will "
            "not see them."
        ),
    )

    def __init__(
        self, *args: Any, case: Case, details: tuple[str, ...] = (), **kwargs: Any
    ) -> None:
        kwargs.setdefault("auto_id", "id_custody_%s")
        super().__init__(*args, **kwargs)
        field = self.fields["report"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = case.reports.order_by("submitted_at")
        transfers = case.transfers.filter(status__in=OPEN_TRANSFER).select_related("platform")
        if details and transfers.exists():
            choice = self.fields["transfer"]
            assert isinstance(choice, forms.ModelChoiceField)
            choice.queryset = transfers
        else:
            del self.fields["transfer"]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("refuse", _("Refuse"))]
    )
    note = forms.CharField(
        label=_("Note to the requester"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=REASON_MAX_LENGTH,
        help_text=_("Required when you refuse."),
    )
