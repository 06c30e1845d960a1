"""Pages around a secret code shown once: a report's receipt, a complaint's code.

Right after filing, the code sits in the session for a few minutes (shown on the done page and
downloadable as a text file); afterwards only its keyed hash exists. Both the report flow
(intake) and the complaint window use these helpers.
"""

from __future__ import annotations

import time
from typing import Any

from django.http import HttpRequest, HttpResponse

FRESH_SECONDS = 15 * 60


def fresh_remember(request: HttpRequest, key: str, code: str, **ids: Any) -> None:
    """Keep a just-issued code in the session for FRESH_SECONDS, with the ids of what it opens."""
    request.session[key] = {"code": code, "at": time.time(), **ids}


def fresh_get(request: HttpRequest, key: str) -> dict[str, Any] | None:
    """The code remembered under `key` while it is fresh; forgotten once it is stale."""
    fresh = request.session.get(key)
    if not fresh or time.time() - fresh["at"] > FRESH_SECONDS:
        request.session.pop(key, None)
        return None
    return dict(fresh)


def code_download(text: str, filename: str) -> HttpResponse:
    """The code as a plain-text attachment."""
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
