"""The one domain error of jubao.

Services raise `DomainError` with a translated message and a stable code; the API turns it into
JSON and the HTML views into a message, each in one place.
"""

from __future__ import annotations

import errno
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


# A full disk, as the file system says it (evidence files, keys) or the database does (SQLite's
# SQLITE_FULL, PostgreSQL's disk_full, SQLSTATE 53100).
_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def storage_full(exc: BaseException) -> bool:
    """Whether `exc`, or an error it was raised from, says the storage is full."""
    from django.db import OperationalError

    seen: BaseException | None = exc
    for _depth in range(10):
        if seen is None:
            return False
        if isinstance(seen, OSError) and seen.errno in _FULL_ERRNOS:
            return True
        if isinstance(seen, OperationalError) and "disk is full" in str(seen):
            return True
        if getattr(seen, "sqlstate", None) == "53100":
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def storage_full_message() -> str:
    from django.utils.translation import gettext

    return gettext("The server's storage is full: nothing was saved. Try again later.")
