"""The forms of the platform workbench: acknowledge, ask, report with files, dispute.

All four sit on the transfer page together; their field names differ, so their ids do too.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jubao.intake.forms import MultipleFileField
from jubao.platforms.services import MAX_EVIDENCE_FILES

TEXT_MAX = 4000


def _text(label: Any, help_text: Any, rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class AcknowledgeForm(forms.Form):
    reference = forms.CharField(
        label=gettext_lazy("Your ticket number"),
        required=False,
        max_length=64,
        help_text=gettext_lazy("Optional: the number of this work in your own system."),
    )


class QuestionForm(forms.Form):
    question = _text(
        gettext_lazy("Question"),
        gettext_lazy("What the office must tell you before you can act. It answers here."),
    )


class ReportForm(forms.Form):
    note = _text(
        gettext_lazy("What was done"),
        gettext_lazy("For example: the post was deleted and can no longer be opened."),
    )
    evidence = MultipleFileField(label=gettext_lazy("Files that show it"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["evidence"].help_text = _(
            "Screenshots, PDF documents or screen recordings, at most %(max)d files."
        ) % {"max": MAX_EVIDENCE_FILES}

    def clean_evidence(self) -> list[Any]:
        files = self.cleaned_data["evidence"]
        if not files:
            raise forms.ValidationError(_("Add at least one file that shows what was done."))
        if len(files) > MAX_EVIDENCE_FILES:
            raise forms.ValidationError(_("At most %(max)d files.") % {"max": MAX_EVIDENCE_FILES})
        return list(files)


class DisputeForm(forms.Form):
    reason = _text(
        gettext_lazy("Reason"),
        gettext_lazy("Why this is not yours to do: not on your platform, or not infringing."),
    )
