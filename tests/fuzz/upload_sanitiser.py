"""Fuzz target: the evidence-upload sanitiser (`jubao.intake.uploads.inspect_upload`).

An input is a client file name, a newline, and the file's bytes (`photo.jpg\\n<bytes>`), so the
name (extension, path parts, Unicode) is fuzzed along with the content. The seeds are the valid
files and the attack corpus of the upload tests (tests/intake/uploads/builders.py).

Only `UploadRejected` may escape, with a code and the `evidence` field. A file that is accepted
must be described truthfully (kind and media type of its extension, size, SHA-256), and an
image's staff copy must itself pass the sanitiser as a metadata-free picture of the same size.

Limits are smaller than the production defaults (the same code paths, with pictures and PDFs
small enough to keep the fuzzer fast).
"""

from __future__ import annotations

import hashlib
import sys
from typing import Any

from tests.fuzz import harness

NAME = "upload_sanitiser"
INSTRUMENT = ("jubao", "PIL", "pypdf")
MAX_NAME = 255

_uploads: Any = None
_limits: Any = None


def setup() -> None:
    global _uploads, _limits
    harness.django_ready()
    from jubao.intake import uploads

    _uploads = uploads
    _limits = uploads.UploadLimits(
        max_image_bytes=4 * 2**20,
        max_pdf_bytes=4 * 2**20,
        max_audio_bytes=4 * 2**20,
        max_video_bytes=4 * 2**20,
        max_pixels=4_000_000,
        max_dimension=4_000,
        max_frames=50,
        max_animation_pixels=20_000_000,
        max_pdf_pages=50,
        max_duration_seconds=600,
    )


def split(data: bytes) -> tuple[str, bytes]:
    head, sep, body = data.partition(b"\n")
    if not sep or len(head) > MAX_NAME:
        return "evidence.bin", data
    return head.decode("utf-8", "replace"), body


def inspect(name: str, content: bytes) -> Any:
    """The sanitiser's answer: a `CleanFile`, or the `UploadRejected` it raised."""
    try:
        return _uploads.inspect_upload(name=name, data=content, limits=_limits)
    except _uploads.UploadRejected as refused:
        assert refused.code and refused.field == "evidence", refused.as_dict()
        str(refused.message)
        return refused


def one_input(data: bytes) -> None:
    from jubao.intake.uploads.formats import extension_of

    name, content = split(data)
    result = inspect(name, content)
    if isinstance(result, _uploads.UploadRejected):
        return
    fmt = _uploads.FORMATS[extension_of(name)]
    assert (result.kind, result.media_type) == (fmt.kind, fmt.media_type), result
    assert result.size == len(content)
    assert result.sha256 == hashlib.sha256(content).hexdigest()
    if result.kind != "image":
        return
    assert result.staff_copy and result.staff_media_type in ("image/jpeg", "image/png")
    extension = "png" if result.staff_media_type == "image/png" else "jpg"
    copy = inspect(f"staff.{extension}", result.staff_copy)
    assert isinstance(copy, _uploads.CleanFile), ("the staff copy is refused", copy)
    assert (copy.width, copy.height) == (result.width, result.height), (copy, result)
    assert not copy.had_gps and copy.metadata_removed == [], copy.metadata_removed


def main() -> None:
    harness.fuzz(one_input, setup=setup, instrument=INSTRUMENT)


if __name__ == "__main__":
    main()
    sys.exit(0)
