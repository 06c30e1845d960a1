"""A password validator for passwords common among Chinese-speaking users."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_LIST = Path(__file__).resolve().parent / "data" / "common-passwords-zh.txt"


@cache
def _common() -> frozenset[str]:
    lines = _LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line and not line.startswith("#"))


class ChineseCommonPasswordValidator:
    """Refuse passwords from the list of common Chinese passwords (pinyin, 5201314, ...)."""

    def validate(self, password: str, user: Any = None) -> None:
        if "".join(password.split()).lower() in _common():
            raise ValidationError(_("This password is too common."), code="password_too_common")

    def get_help_text(self) -> str:
        return _("Your password can't be a commonly used password.")
