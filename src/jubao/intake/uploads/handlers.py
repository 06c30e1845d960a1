"""`LimitedUploadHandler`: real byte and file-count caps while Django streams a multipart body.

`DATA_UPLOAD_MAX_MEMORY_SIZE` does not count files and `FILE_UPLOAD_MAX_MEMORY_SIZE` is only the
point where Django spills to disk, so without this handler a single post could stream any amount
to memory or disk. The handler stores nothing itself: it counts, refuses, and passes chunks on to
the next handler (Django's memory or temporary-file handler).

Use it first in the list, before anything reads `request.POST` or `request.FILES`::

    @csrf_exempt
    def upload(request):
        handler = install_upload_handler(request)
        return _upload(request, handler)

    @csrf_protect
    def _upload(request, handler):
        files = request.FILES.getlist("evidence")
        handler.raise_if_rejected()  # UploadRejected with code and a translated message
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn

from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopUpload

from . import errors
from .formats import allowed_extensions, extension_of, format_for
from .limits import UploadLimits, limits_from_settings

if TYPE_CHECKING:
    from django.http import HttpRequest


@dataclass(frozen=True)
class Refusal:
    """One refused file (or the whole request, with `file_name` empty) and why."""

    file_name: str
    error: errors.UploadRejected


class LimitedUploadHandler(FileUploadHandler):
    """Counts bytes per file and per request and files per request; refuses early.

    - the declared request size (Content-Length) over `max_request_bytes`: the upload stops at
      the first file, without reading the rest (`StopUpload(connection_reset=True)`);
    - a file whose extension is not accepted, a file over its kind's cap, or a file beyond
      `max_files`: that file is skipped (`SkipFile`), the others still arrive;
    - streamed bytes over `max_request_bytes` (a lying Content-Length): the upload stops.

    Every refusal is kept in `rejections` so the view can say what happened.
    """

    def __init__(self, request: HttpRequest | None = None, limits: UploadLimits | None = None):
        super().__init__(request)
        self.limits = limits or limits_from_settings()
        self.rejections: list[Refusal] = []
        self._request_refused = False
        self._files = 0
        self._file_cap = 0
        self._file_bytes = 0
        self._total_bytes = 0
        self._current_name = ""

    def handle_raw_input(
        self,
        input_data: Any,
        META: Any,
        content_length: int,
        boundary: Any,
        encoding: str | None = None,
    ) -> None:
        """Judge the declared size; refusing here would skip the CSRF field, so only note it."""
        if content_length and content_length > self.limits.max_request_bytes:
            self._refuse_request()

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, file_name, *args, **kwargs)
        if self._request_refused:
            raise StopUpload(connection_reset=True)
        self._current_name = file_name
        self._file_bytes = 0
        self._files += 1
        if self._files > self.limits.max_files:
            self._skip(errors.too_many_files(self.limits.max_files))
        fmt = format_for(extension_of(file_name))
        if fmt is None:
            self._skip(errors.bad_extension(allowed_extensions()))
        self._file_cap = self.limits.max_bytes_for(fmt.kind)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self._file_bytes += len(raw_data)
        self._total_bytes += len(raw_data)
        if self._total_bytes > self.limits.max_request_bytes:
            self._refuse_request()
            raise StopUpload(connection_reset=True)
        if self._file_bytes > self._file_cap:
            self._skip(errors.too_large(self._file_cap))
        return raw_data  # the next handler stores it

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler builds the UploadedFile

    def raise_if_rejected(self) -> None:
        """Raise the first refusal as `UploadRejected`, if any."""
        if self.rejections:
            raise self.rejections[0].error

    def _skip(self, error: errors.UploadRejected) -> NoReturn:
        self.rejections.append(Refusal(self._current_name, error))
        raise SkipFile

    def _refuse_request(self) -> None:
        if not self._request_refused:
            self._request_refused = True
            self.rejections.append(
                Refusal("", errors.request_too_large(self.limits.max_request_bytes))
            )


def install_upload_handler(
    request: HttpRequest, limits: UploadLimits | None = None
) -> LimitedUploadHandler:
    """Put a `LimitedUploadHandler` first in `request.upload_handlers` and return it."""
    handler = LimitedUploadHandler(request, limits)
    request.upload_handlers.insert(0, handler)
    return handler
