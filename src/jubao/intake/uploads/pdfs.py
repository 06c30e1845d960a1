"""PDFs: parse with pypdf (strict), bound the pages, refuse active content and embedded files.

Active content is looked for in the parsed objects, not in the raw bytes: names may be written
with `#xx` escapes (`/J#61vaScript`) or hidden in compressed object streams, and raw compressed
page data would match `/JS` by chance in large files.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from pypdf import PasswordType, PdfReader
from pypdf.errors import LimitReachedError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from . import errors, polyglot
from .limits import UploadLimits

#: Keys whose mere presence means scripts, embedded files, forms that run code or rich media.
_ACTIVE_KEYS = frozenset(
    {"/JS", "/JavaScript", "/EmbeddedFile", "/EmbeddedFiles", "/EF", "/RichMedia", "/XFA"}
)
#: Action types (`/S`) that run code, start programs, send data or open other documents.
_ACTIVE_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/SubmitForm",
        "/ImportData",
        "/GoToE",
        "/GoToR",
        "/RichMediaExecute",
    }
)
_MAX_NESTING = 64
#: Decoded page content in total; pypdf itself caps each stream at 75 MB.
_MAX_CONTENT_BYTES = 256 * 1024 * 1024
_EOF_MARKER = b"%%EOF"


@dataclass(frozen=True)
class PdfFacts:
    pages: int


def inspect_pdf(data: bytes, limits: UploadLimits) -> PdfFacts:
    """Check a PDF end to end, or raise `UploadRejected`."""
    _check_after_eof(data)
    try:
        reader = PdfReader(io.BytesIO(data), strict=True)
        _unlock(reader)
        _check_objects(reader)
        pages = len(reader.pages)
        if pages > limits.max_pdf_pages:
            raise errors.too_many_pages(limits.max_pdf_pages)
        if pages == 0:
            raise errors.undecodable()
        _decode_page_contents(reader)
        return PdfFacts(pages=pages)
    except errors.UploadRejected:
        raise
    except LimitReachedError as exc:
        raise errors.decompression_bomb() from exc
    except Exception as exc:  # pypdf raises many types on hostile input; all mean "cannot open"
        raise errors.undecodable() from exc


def _check_after_eof(data: bytes) -> None:
    """Whatever follows the last `%%EOF` must not be another file glued on."""
    position = data.rfind(_EOF_MARKER)
    if position < 0:
        raise errors.undecodable()
    tail = data[position + len(_EOF_MARKER) :]
    if tail.strip(b"\x00\t\n\r\f "):
        polyglot.check_tail(tail)


def _unlock(reader: PdfReader) -> None:
    """Accept only "permissions" encryption (empty user password) that any viewer opens."""
    if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        raise errors.encrypted()


def _check_objects(reader: PdfReader) -> None:
    """Visit every indirect object, including those inside object streams and the trailer."""
    _check_value(reader.trailer, 0)
    numbers = {
        (number, generation) for generation, table in reader.xref.items() for number in table
    }
    numbers |= {(number, 0) for number in reader.xref_objStm}
    for number, generation in sorted(numbers):
        value = reader.get_object(IndirectObject(number, generation, reader))
        _check_value(value, 0)


def _check_value(value: Any, depth: int) -> None:
    """Refuse active keys or actions in a dictionary, looking into direct children only.

    Indirect children are visited on their own by `_check_objects`, so following references
    here is not needed (and would let a reference loop run forever).
    """
    if depth > _MAX_NESTING:
        raise errors.undecodable()
    if isinstance(value, DictionaryObject):  # stream objects are dictionaries too
        for key, child in value.items():
            if key in _ACTIVE_KEYS:
                raise errors.polyglot()
            if key == "/S" and isinstance(child, NameObject) and child in _ACTIVE_ACTIONS:
                raise errors.polyglot()
            _check_value(child, depth + 1)
    elif isinstance(value, ArrayObject):
        for child in value:
            _check_value(child, depth + 1)


def _decode_page_contents(reader: PdfReader) -> None:
    """Decompress every page's content stream: proves they decode and bounds their total size."""
    total = 0
    for page in reader.pages:
        contents = page.get_contents()
        if contents is None:
            continue
        total += len(contents.get_data())
        if total > _MAX_CONTENT_BYTES:
            raise errors.decompression_bomb()
