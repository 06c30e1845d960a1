"""`{{ text|pii_marks }}`: the text with the personal information found in it highlighted.

Staff read reports in full; the marks show at a glance what the scanner found (a home address,
an ID number, a minor's ID), with the kind in the active language as the mark's title. Copies
for platforms are redacted instead (`jubao.analysis.pii.redact`).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.functional import Promise
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jubao.analysis.pii import REDACT_THRESHOLD, scan

register = template.Library()

KIND_NAMES: dict[str, Promise] = {
    "id_card": gettext_lazy("ID card number"),
    "phone": gettext_lazy("phone number"),
    "bank_card": gettext_lazy("bank card number"),
    "uscc": gettext_lazy("unified social credit code"),
    "email": gettext_lazy("e-mail address"),
    "passport": gettext_lazy("passport number"),
    "permit": gettext_lazy("travel permit number"),
    "plate": gettext_lazy("vehicle plate"),
    "qq": gettext_lazy("QQ number"),
    "wechat": gettext_lazy("WeChat id"),
    "address": gettext_lazy("address"),
    "medical": gettext_lazy("health information"),
    "whereabouts": gettext_lazy("whereabouts"),
}


@register.filter
def pii_marks(text: Any) -> SafeString:
    """Escape `text` and wrap each finding at or above the redaction threshold in a <mark>."""
    text = "" if text is None else str(text)
    findings = [f for f in scan(text) if f.confidence >= REDACT_THRESHOLD]
    if not findings:
        return conditional_escape(text)
    parts: list[SafeString] = []
    at = 0
    for f in findings:  # sorted and non-overlapping
        name = str(KIND_NAMES.get(f.kind, f.kind))
        if f.minor:
            name = _("%(kind)s of a minor") % {"kind": name}
        parts.append(conditional_escape(text[at : f.start]))
        parts.append(
            format_html(
                '<mark class="pii" data-pii="{}" title="{}">{}'
                '<span class="visually-hidden"> ({})</span></mark>',
                f.kind,
                name,
                text[f.start : f.end],
                name,
            )
        )
        at = f.end
    parts.append(conditional_escape(text[at:]))
    # Every part is already escaped (SafeString): joining them escapes nothing twice.
    return format_html_join("", "{}", ((part,) for part in parts))
