"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from jubao import __version__


def site(request: HttpRequest) -> dict[str, Any]:
    return {"JUBAO_VERSION": __version__, "LANGUAGE_CHOICES": settings.LANGUAGES}
