"""The allow-list of evidence formats and our own table of magic-byte signatures.

The extension says what the citizen claims; the signature says what the bytes start with. Both
must name the same format before any decoder sees the file, so a decoder is only ever run on
content it was chosen for (and never on whatever a generic sniffer guessed).
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    """One accepted format: its kind, media type and how to recognise its first bytes."""

    kind: str
    media_type: str
    matches: Callable[[bytes], bool]
    #: The Pillow plugin (images) or FFmpeg demuxer (audio/video) allowed to read it.
    decoder: str = ""


def _jpeg(head: bytes) -> bool:
    return head.startswith(b"\xff\xd8\xff")


def _png(head: bytes) -> bool:
    return head.startswith(b"\x89PNG\r\n\x1a\n")


def _gif(head: bytes) -> bool:
    return head[:6] in (b"GIF87a", b"GIF89a")


def _webp(head: bytes) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def _pdf(head: bytes) -> bool:
    # Bytes before the header are judged separately (as a polyglot), so only offset 0 counts.
    return head.startswith(b"%PDF-")


def _mpeg_audio_sync(head: bytes) -> bool:
    """An MPEG-1/2 layer III frame header: 11 sync bits, a real version, layer bits 01."""
    if len(head) < 2 or head[0] != 0xFF:
        return False
    second = head[1]
    return second & 0xE0 == 0xE0 and second & 0x18 != 0x08 and second & 0x06 == 0x02


def _adts_sync(head: bytes) -> bool:
    """An ADTS (raw AAC) header: 12 sync bits and layer bits 00."""
    return len(head) >= 2 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0


def _mp3(head: bytes) -> bool:
    return head.startswith(b"ID3") or _mpeg_audio_sync(head)


def _aac(head: bytes) -> bool:
    return head.startswith(b"ID3") or _adts_sync(head)


def _iso_bmff(head: bytes) -> bool:
    """MP4, M4A and 3GP start with a `ftyp` box."""
    return head[4:8] == b"ftyp"


def _quicktime(head: bytes) -> bool:
    """Old QuickTime files may start with another top-level atom than `ftyp`."""
    return head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot")


def _wav(head: bytes) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WAVE"


def _ogg(head: bytes) -> bool:
    return head.startswith(b"OggS")


def _amr(head: bytes) -> bool:
    return head.startswith((b"#!AMR\n", b"#!AMR-WB\n"))


def _ebml(head: bytes) -> bool:
    return head.startswith(b"\x1a\x45\xdf\xa3")


_JPEG = Format("image", "image/jpeg", _jpeg, "JPEG")
_MP4_DEMUXER = "mov"  # FFmpeg's one demuxer for MP4, MOV, M4A and 3GP

#: Extension (lower case, no dot) -> format. This is the documented allow-list.
FORMATS: dict[str, Format] = {
    "jpg": _JPEG,
    "jpeg": _JPEG,
    "png": Format("image", "image/png", _png, "PNG"),
    "webp": Format("image", "image/webp", _webp, "WEBP"),
    "gif": Format("image", "image/gif", _gif, "GIF"),
    "pdf": Format("pdf", "application/pdf", _pdf),
    "mp3": Format("audio", "audio/mpeg", _mp3, "mp3"),
    "m4a": Format("audio", "audio/mp4", _iso_bmff, _MP4_DEMUXER),
    "aac": Format("audio", "audio/aac", _aac, "aac"),
    "wav": Format("audio", "audio/wav", _wav, "wav"),
    "ogg": Format("audio", "audio/ogg", _ogg, "ogg"),
    "amr": Format("audio", "audio/amr", _amr, "amr"),
    "mp4": Format("video", "video/mp4", _iso_bmff, _MP4_DEMUXER),
    "mov": Format("video", "video/quicktime", _quicktime, _MP4_DEMUXER),
    "webm": Format("video", "video/webm", _ebml, "matroska"),
    "3gp": Format("video", "video/3gpp", _iso_bmff, _MP4_DEMUXER),
}

#: How many leading bytes the signature checks look at.
HEAD_BYTES = 16


def allowed_extensions() -> str:
    """The allow-list as shown to citizens, e.g. "jpg, jpeg, png, ..."."""
    return ", ".join(FORMATS)


def extension_of(name: str) -> str:
    """The last extension of a client file name, lower case, without the dot ("" if none).

    Only the last one counts: `photo.jpg.exe` is an `exe`. Path parts from old browsers
    (`C:\\Users\\...`) are dropped, and a trailing dot or space (which Windows ignores) leaves
    the name without an accepted extension rather than being trimmed away.
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFC", base)
    stem, dot_ext = os.path.splitext(base)
    if not stem or not dot_ext:
        return ""
    return dot_ext[1:].lower()


def format_for(extension: str) -> Format | None:
    """The accepted format for an extension, or None if the extension is not allowed."""
    return FORMATS.get(extension)
