"""The one domain error of jubao.

Services raise `DomainError` with a translated message and a stable code; the API turns it into
JSON and the HTML views into a message, each in one place.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refused operation: bad input, a forbidden move, a missing record."""

    status = 400

    def __init__(self, message: Any, *, code: str = "invalid", field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.code = code
        self.field = field

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.field:
            body["field"] = self.field
        return body


class NotFound(DomainError):
    """The same answer for "missing" and "not yours"."""

    status = 404

    def __init__(self, message: Any = None, *, code: str = "not_found") -> None:
        from django.utils.translation import gettext

        super().__init__(message or gettext("Not found."), code=code)


class Forbidden(DomainError):
    status = 403

    def __init__(self, message: Any, *, code: str = "forbidden") -> None:
        super().__init__(message, code=code)
