"""The error body every JSON endpoint answers with: `{"error": {code, message, field, errors}}`."""

from __future__ import annotations

from ninja import Schema


class ErrorBody(Schema):
    code: str
    message: str
    field: str | None = None
    errors: dict[str, list[str]] | None = None


class ErrorOut(Schema):
    error: ErrorBody


# 503: the server's storage is full (`storage_full`), nothing was kept; retry later.
ERRORS = {400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut, 503: ErrorOut}
SIGNED_ERRORS = {**ERRORS, 401: ErrorOut}
