"""Tags for the rows of the case lists (queue, supervision), which render 50 cases a page.

They do in Python what the row templates did with `get_status_display` and an `{% include %}`
per row: Django's `get_FOO_display` rebuilds a dictionary of the lazy choice labels (hashing and
translating every one) on each call, and a per-row include costs a context push and a template
render. Together they were half of the queue page's 45 ms (`docs/performance.md`).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timezone import localtime
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from jubao.cases.models import Case, CaseStatus

register = template.Library()


@lru_cache(maxsize=8)
def _status_labels(language: str | None) -> dict[str, str]:
    return {value: str(label) for value, label in CaseStatus.choices}


@register.filter
def status_label(status: str) -> str:
    """The case status's name in the active language."""
    return _status_labels(get_language()).get(status, status)


FLAG_LABELS = {
    "repeat": gettext_lazy("Repeated infringement"),
    "malicious": gettext_lazy("Malicious infringement"),
    "group": gettext_lazy("Group infringement"),
    "enterprise": gettext_lazy("Enterprise"),
    "key_enterprise": gettext_lazy("Key enterprise"),
    "cross_region": gettext_lazy("Platform outside the territory"),
}


@register.filter
def flag_label(flag: str) -> str:
    """A case flag's name in the active language."""
    label = FLAG_LABELS.get(flag)
    return str(label) if label is not None else flag


@register.simple_tag
def clock_badge(case: Case, now: datetime) -> SafeString:
    """The case's earliest deadline, marked overdue or past 75 % of its time."""
    if case.due_at is None:
        return SafeString("—")
    badge: SafeString | str = ""
    if case.due_at <= now:
        badge = format_html(
            '<span class="badge danger" data-clock="overdue">{}</span> ', _("Overdue")
        )
    elif case.warn_at is not None and case.warn_at <= now:
        badge = format_html(
            '<span class="badge warning" data-clock="warning">{}</span> ',
            # xgettext:no-python-format
            _("75 % of the time used"),
        )
    due = localtime(case.due_at)
    return format_html(
        '{}<time datetime="{}">{}</time>',
        badge,
        due.isoformat(),
        due.strftime("%Y-%m-%d %H:%M"),
    )
