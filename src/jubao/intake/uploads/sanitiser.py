"""`inspect_upload`: the one entry point that turns an uploaded evidence file into a `CleanFile`.

Checks run from cheapest to most expensive, and each refuses with a stable code:

1. size (empty, over the largest cap), 2. extension on the allow-list, 3. size for that kind,
4. signature (magic bytes) agrees with the extension, 5. polyglot scans of the head and the ZIP
tail, 6. the format's own structure walk, bounded decode and (for images) the staff copy.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import BinaryIO

from . import errors, polyglot
from .formats import HEAD_BYTES, Format, allowed_extensions, extension_of, format_for
from .images import inspect_image
from .limits import UploadLimits, limits_from_settings
from .media import inspect_media
from .pdfs import inspect_pdf


@dataclass(frozen=True)
class CleanFile:
    """An evidence file that passed every check, with what the staff may be shown."""

    kind: str  # "image" | "pdf" | "audio" | "video"
    media_type: str
    extension: str
    size: int
    sha256: str  # of the original bytes, as sealed by the vault
    width: int | None = None
    height: int | None = None
    pages: int | None = None
    duration_seconds: float | None = None
    frames: int | None = None
    staff_copy: bytes | None = None
    staff_media_type: str | None = None
    had_gps: bool = False
    metadata_removed: list[str] = field(default_factory=list)


def inspect_upload(
    *, name: str, data: bytes | BinaryIO, limits: UploadLimits | None = None
) -> CleanFile:
    """Check one uploaded evidence file; return a `CleanFile` or raise `UploadRejected`.

    `data` is the whole file in memory or a binary file object (for example Django's
    `UploadedFile`), of which at most one byte more than the cap is read.
    """
    limits = limits or limits_from_settings()
    content = _read(data, limits.max_bytes)
    if not content:
        raise errors.empty()
    if len(content) > limits.max_bytes:
        raise errors.too_large(limits.max_bytes)
    extension = extension_of(name)
    fmt = format_for(extension)
    if fmt is None:
        raise errors.bad_extension(allowed_extensions())
    if len(content) > limits.max_bytes_for(fmt.kind):
        raise errors.too_large(limits.max_bytes_for(fmt.kind))
    _check_signature(content, extension, fmt)
    polyglot.check_head(content)
    polyglot.check_zip_tail(content)
    base = CleanFile(
        kind=fmt.kind,
        media_type=fmt.media_type,
        extension=extension,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    return _inspect_kind(content, fmt, limits, base)


def _read(data: bytes | BinaryIO, cap: int) -> bytes:
    """The file's bytes, reading at most `cap + 1` from a file object (enough to refuse it)."""
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    if data.seekable():
        data.seek(0)
    chunk = data.read(cap + 1)
    return bytes(chunk or b"")


def _check_signature(content: bytes, extension: str, fmt: Format) -> None:
    """The first bytes must be those of the format the extension names.

    A `.pdf` whose header sits a little later (PDF readers look through the first KiB) carries
    something else in front of it: that is a polyglot, not merely a wrong name.
    """
    head = content[:HEAD_BYTES]
    if fmt.matches(head):
        return
    if extension == "pdf" and content.find(b"%PDF-", 0, polyglot.HEAD_SCAN_BYTES) > 0:
        raise errors.polyglot()
    raise errors.type_mismatch()


def _inspect_kind(content: bytes, fmt: Format, limits: UploadLimits, base: CleanFile) -> CleanFile:
    """Run the decoder for the file's kind and fill in what it learnt."""

    if fmt.kind == "image":
        image = inspect_image(content, fmt, limits)
        return replace(
            base,
            width=image.width,
            height=image.height,
            frames=image.frames,
            staff_copy=image.staff_copy,
            staff_media_type=image.staff_media_type,
            had_gps=image.had_gps,
            metadata_removed=image.metadata_removed,
        )
    if fmt.kind == "pdf":
        return replace(base, pages=inspect_pdf(content, limits).pages)
    media = inspect_media(content, fmt, limits)
    return replace(
        base,
        width=media.width,
        height=media.height,
        duration_seconds=media.duration_seconds,
        had_gps=media.had_gps,
    )
