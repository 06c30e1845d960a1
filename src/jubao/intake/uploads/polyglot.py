"""Byte-level checks for files that are two things at once (polyglots) or carry hidden tails.

A file that is a valid picture *and* a valid ZIP, PDF or HTML page can be served or opened as the
other type later, by a browser, a mail client or a careless export. We refuse such files instead
of trying to clean them: the citizen can always take a screenshot.

The structure walkers here find where an image really ends, without decoding pixels, so that
anything appended after the end marker can be judged.
"""

from __future__ import annotations

import re
import struct

from . import errors

#: How far into a file the markup and PDF-header scans look. PDF readers accept a header anywhere
#: in the first 1024 bytes and browsers sniff about as far, so that is where a prefix matters.
HEAD_SCAN_BYTES = 1024

_MARKUP = re.compile(
    rb"<\s*(script|html|svg|iframe|body|head|object|embed|!doctype)|javascript:", re.IGNORECASE
)

#: Signatures that, found in appended data, mean a second file was glued on.
_APPENDED_SIGNATURES = (
    b"PK\x03\x04",  # ZIP local file header (also JAR, APK, DOCX)
    b"PK\x05\x06",  # ZIP end of central directory
    b"PK\x01\x02",  # ZIP central directory
    b"%PDF-",
    b"Rar!\x1a\x07",
    b"7z\xbc\xaf\x27\x1c",
    b"\x7fELF",
    b"\x1f\x8b\x08",  # gzip
    b"\x89PNG",
    b"GIF8",
)
_APPENDED_PREFIXES = (b"MZ",)  # Windows executables only count at the very start of the tail

#: A ZIP reader looks for its end record in the last 64 KiB plus the 22 bytes of the record.
_ZIP_TAIL = 65536 + 22
_EOCD = b"PK\x05\x06"
_CENTRAL_HEADER = b"PK\x01\x02"


def check_head(data: bytes) -> None:
    """Refuse markup or a PDF header hidden in the first KiB (HTML/SVG/PDF polyglots)."""
    head = data[:HEAD_SCAN_BYTES]
    if _MARKUP.search(head):
        raise errors.polyglot()
    position = head.find(b"%PDF-")
    if position > 0:
        raise errors.polyglot()


def check_zip_tail(data: bytes) -> None:
    """Refuse a file whose tail is a ZIP end record pointing at a real central directory.

    Checking that the record points at a `PK\\x01\\x02` header is what a ZIP reader does too;
    it keeps random compressed bytes that happen to contain `PK\\x05\\x06` from being refused.
    """
    start = max(0, len(data) - _ZIP_TAIL)
    position = data.rfind(_EOCD, start)
    while position >= 0:
        if _is_zip_end_record(data, position):
            raise errors.polyglot()
        position = data.rfind(_EOCD, start, position)


def _is_zip_end_record(data: bytes, position: int) -> bool:
    record = data[position : position + 22]
    if len(record) < 22:
        return False
    entries, directory_size, directory_offset = struct.unpack("<10xHII", record[:20])
    if 0xFFFFFFFF in (directory_size, directory_offset):
        return True  # ZIP64: the real numbers are elsewhere; a ZIP64 record here is enough
    if entries == 0:
        return False  # an empty archive carries nothing
    directory = position - directory_size
    return directory >= 0 and data[directory : directory + 4] == _CENTRAL_HEADER


def check_tail(tail: bytes) -> None:
    """Judge what follows the end of a file: zero padding is harmless, anything else is not."""
    if not tail.strip(b"\x00"):
        return
    if tail.startswith(_APPENDED_PREFIXES) or any(sig in tail for sig in _APPENDED_SIGNATURES):
        raise errors.polyglot()
    if _MARKUP.search(tail):
        raise errors.polyglot()
    raise errors.trailing_data()


def png_end(data: bytes) -> int:
    """The offset just after the PNG `IEND` chunk; refuses a broken chunk structure."""
    position = 8
    while position + 12 <= len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        chunk_type = data[position + 4 : position + 8]
        end = position + 12 + length
        if end > len(data):
            break
        if chunk_type == b"IEND":
            return end
        position = end
    raise errors.undecodable()


def gif_end(data: bytes) -> int:
    """The offset just after the GIF trailer (0x3B), walking blocks; refuses broken ones.

    It also refuses the GIF/JavaScript polyglot: such a file must open a JavaScript comment
    right after `GIF89a` (the width bytes then read `/*`) and close it (`*/`) in a block.
    """
    if data[6:8] == b"/*":
        raise errors.polyglot()
    flags = data[10] if len(data) > 10 else 0
    position = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    while position < len(data):
        introducer = data[position]
        if introducer == 0x3B:
            return position + 1
        if introducer == 0x21:  # extension: label, then data sub-blocks
            position, payload = _gif_sub_blocks(data, position + 2)
            if b"*/" in payload or _MARKUP.search(payload):
                raise errors.polyglot()
        elif introducer == 0x2C:  # image: descriptor, optional colour table, LZW data
            if position + 10 > len(data):
                break
            local = data[position + 9]
            position += 10 + (3 << ((local & 7) + 1) if local & 0x80 else 0)
            position, _ = _gif_sub_blocks(data, position + 1, keep=False)
        else:
            break
    raise errors.undecodable()


def _gif_sub_blocks(data: bytes, position: int, *, keep: bool = True) -> tuple[int, bytes]:
    """Skip a chain of GIF sub-blocks; return the offset after it and (optionally) the data."""
    parts: list[bytes] = []
    while position < len(data):
        size = data[position]
        position += 1
        if size == 0:
            return position, b"".join(parts)
        if keep:
            parts.append(data[position : position + size])
        position += size
    raise errors.undecodable()


def webp_end(data: bytes) -> int:
    """The offset after the RIFF container that holds a WebP image."""
    (riff_size,) = struct.unpack("<I", data[4:8])
    end = 8 + riff_size + (riff_size & 1)
    if end > len(data) or riff_size < 4:
        raise errors.undecodable()
    return end


_STANDALONE = {0x01, *range(0xD0, 0xD8)}


def jpeg_end(data: bytes, start: int = 0) -> int:
    """The offset just after the EOI marker of the JPEG stream beginning at `start`.

    Segments are skipped by their length (so the FFD9 of an EXIF thumbnail does not count) and
    entropy-coded data is scanned for the next real marker (FF00 is a stuffed byte, FFD0-FFD7
    are restart markers). A stream without EOI is truncated and refused.
    """
    if data[start : start + 2] != b"\xff\xd8":
        raise errors.undecodable()
    position = start + 2
    while position + 1 < len(data):
        if data[position] != 0xFF:
            raise errors.undecodable()
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0xD9:
            return position + 2
        if marker in _STANDALONE:
            position += 2
            continue
        if position + 4 > len(data):
            break
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        position += 2 + length
        if marker == 0xDA:
            position = _entropy_end(data, position)
    raise errors.undecodable()


def _entropy_end(data: bytes, position: int) -> int:
    """The offset of the first marker after entropy-coded data."""
    while True:
        found = data.find(b"\xff", position)
        if found < 0 or found + 1 >= len(data):
            raise errors.undecodable()
        following = data[found + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:
            position = found + 2
        elif following == 0xFF:
            position = found + 1
        else:
            return found


def jpeg_tail(data: bytes) -> bytes:
    """What follows the primary JPEG and any further complete JPEG streams.

    Phones append secondary JPEGs after the main picture (MPF: HDR gain maps, depth maps), so
    complete JPEG streams after the first are accepted; anything else is returned for judging.
    """
    end = jpeg_end(data)
    while data.startswith(b"\xff\xd8\xff", end):
        end = jpeg_end(data, end)
    return data[end:]
