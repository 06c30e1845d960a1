"""Names of the reporter details an item may ask to send to a platform (`reporter_to_platform`)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

REPORTER_DETAIL_LABELS: dict[str, Promise] = {
    "name": _("name"),
    "phone": _("phone number"),
    "email": _("e-mail address"),
}


def detail_labels(codes: tuple[str, ...] | list[str]) -> list[str]:
    """The details' names in the active language, in the catalogue's order."""
    return [str(REPORTER_DETAIL_LABELS.get(code, code)) for code in codes]
