"""`UploadRejected` and one constructor per refusal, so every message lives in one place.

Codes are stable (the API returns them and the tests assert them); messages are translated at
the moment of refusal, in the language of the request.
"""

from __future__ import annotations

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from jubao.errors import DomainError

FIELD = "evidence"


class UploadRejected(DomainError):
    """An evidence file that the sanitiser refuses; `code` says why."""

    def __init__(self, message: object, *, code: str) -> None:
        super().__init__(message, code=code, field=FIELD)


def empty() -> UploadRejected:
    return UploadRejected(_("This file is empty."), code="empty")


def too_large(limit: int) -> UploadRejected:
    message = _("This file is too large: at most %(max)s.") % {"max": filesizeformat(limit)}
    return UploadRejected(message, code="too_large")


def request_too_large(limit: int) -> UploadRejected:
    message = _("The files sent together are too large: at most %(max)s in one report.") % {
        "max": filesizeformat(limit)
    }
    return UploadRejected(message, code="too_large")


def too_many_files(limit: int) -> UploadRejected:
    message = _("Too many files: at most %(max)s files per report.") % {"max": limit}
    return UploadRejected(message, code="too_many_files")


def bad_extension(allowed: str) -> UploadRejected:
    message = _("This type of file is not accepted. Accepted types: %(allowed)s.") % {
        "allowed": allowed
    }
    return UploadRejected(message, code="bad_extension")


def type_mismatch() -> UploadRejected:
    message = _("The content of this file does not match its file name extension.")
    return UploadRejected(message, code="type_mismatch")


def undecodable() -> UploadRejected:
    message = _("This file is damaged or incomplete and cannot be opened.")
    return UploadRejected(message, code="undecodable")


def unsupported_codec() -> UploadRejected:
    message = _(
        "This recording uses an encoding that is not accepted. Please export it as MP4 or MP3."
    )
    return UploadRejected(message, code="unsupported_codec")


def decompression_bomb() -> UploadRejected:
    message = _("This file expands to far more data than it holds and was refused.")
    return UploadRejected(message, code="decompression_bomb")


def pixel_flood(max_pixels: int, max_dimension: int) -> UploadRejected:
    message = _(
        "This picture is too large: at most %(pixels)s pixels and %(side)s pixels on each side."
    ) % {"pixels": f"{max_pixels:,}", "side": f"{max_dimension:,}"}
    return UploadRejected(message, code="pixel_flood")


def too_many_frames(limit: int) -> UploadRejected:
    message = _("This animation has too many frames: at most %(max)s.") % {"max": limit}
    return UploadRejected(message, code="too_many_frames")


def polyglot() -> UploadRejected:
    message = _(
        "This file also contains another kind of file or active content (such as scripts) "
        "and was refused. Please upload a screenshot or a newly saved copy instead."
    )
    return UploadRejected(message, code="polyglot")


def trailing_data() -> UploadRejected:
    message = _(
        "This file has extra data after its end (some phones add a motion clip) and was "
        "refused. Please upload a screenshot or an exported copy instead."
    )
    return UploadRejected(message, code="trailing_data")


def encrypted() -> UploadRejected:
    message = _("This PDF is protected by a password. Please upload an unprotected copy.")
    return UploadRejected(message, code="encrypted")


def too_many_pages(limit: int) -> UploadRejected:
    message = _("This PDF has too many pages: at most %(max)s.") % {"max": limit}
    return UploadRejected(message, code="too_many_pages")


def too_long(limit_seconds: int) -> UploadRejected:
    if limit_seconds % 60:
        message = _("This recording is too long: at most %(max)s seconds.") % {"max": limit_seconds}
    else:
        message = _("This recording is too long: at most %(max)s minutes.") % {
            "max": limit_seconds // 60
        }
    return UploadRejected(message, code="too_long")
