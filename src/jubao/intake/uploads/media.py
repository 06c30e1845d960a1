"""Audio and video: open with PyAV using the one demuxer the signature named, then decode a few
frames of the main streams to prove the recording plays.

The demuxer is chosen by us, never probed: FFmpeg's probing would also try demuxers such as HLS
or concat playlists, which can reference other files and URLs. Decoders are limited to the codecs
phones and browsers actually produce.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import av
from av.stream import Disposition

from . import errors
from .formats import Format
from .limits import UploadLimits

_VIDEO_CODECS = frozenset({"h264", "hevc", "vp8", "vp9", "av1", "mpeg4", "h263"})
_AUDIO_CODECS = frozenset(
    {
        "aac",
        "mp3",
        "opus",
        "vorbis",
        "flac",
        "alac",
        "amr_nb",
        "amr_wb",
        "pcm_s16le",
        "pcm_s16be",
        "pcm_s24le",
        "pcm_s32le",
        "pcm_u8",
        "pcm_f32le",
        "pcm_alaw",
        "pcm_mulaw",
    }
)
#: Frames to decode per stream as proof, and the packets we are willing to read for them.
_PROOF_FRAMES = 3
_MAX_PROOF_PACKETS = 2000
#: When the container states no duration we count packets, up to this many.
_MAX_COUNTED_PACKETS = 1_000_000
_MICROSECONDS = 1_000_000
#: Options for FFmpeg's MOV/MP4 demuxer: never follow data references to other files.
_DEMUXER_OPTIONS = {"mov": {"enable_drefs": "0", "use_absolute_path": "0"}}


@dataclass(frozen=True)
class MediaFacts:
    kind: str
    duration_seconds: float
    width: int | None
    height: int | None
    had_gps: bool


def inspect_media(data: bytes, fmt: Format, limits: UploadLimits) -> MediaFacts:
    """Check a recording end to end, or raise `UploadRejected`."""
    try:
        options = _DEMUXER_OPTIONS.get(fmt.decoder)
        with av.open(io.BytesIO(data), mode="r", format=fmt.decoder, options=options) as box:
            return _inspect_container(box, fmt, limits)
    except errors.UploadRejected:
        raise
    except Exception as exc:  # FFmpeg and PyAV raise many types on hostile input
        raise errors.undecodable() from exc


def _inspect_container(box: Any, fmt: Format, limits: UploadLimits) -> MediaFacts:
    audio = next(iter(box.streams.audio), None)
    video = next((s for s in box.streams.video if not _is_cover_art(s)), None)
    if (fmt.kind == "video" and video is None) or (fmt.kind == "audio" and video is not None):
        raise errors.type_mismatch()
    if audio is None and video is None:
        raise errors.undecodable()
    chosen = [stream for stream in (video, audio) if stream is not None]
    for stream in chosen:
        _check_codec(stream)
    if video is not None:
        _check_dimensions(video.codec_context.width, video.codec_context.height, limits)
    duration = _duration(box, chosen)
    if duration > limits.max_duration_seconds:
        raise errors.too_long(limits.max_duration_seconds)
    size = _decode_proof(box, chosen, limits)
    return MediaFacts(
        kind=fmt.kind,
        duration_seconds=round(duration, 3),
        width=size[0] if size else None,
        height=size[1] if size else None,
        had_gps=_has_location(box),
    )


def _is_cover_art(stream: Any) -> bool:
    """An MP3 or M4A cover picture shows up as a one-frame video stream."""
    return bool(stream.disposition & Disposition.attached_pic)


def _check_codec(stream: Any) -> None:
    allowed = _VIDEO_CODECS if stream.type == "video" else _AUDIO_CODECS
    codec = stream.codec_context.codec
    if codec.canonical_name not in allowed and codec.name not in allowed:
        raise errors.unsupported_codec()


def _check_dimensions(width: int, height: int, limits: UploadLimits) -> None:
    if max(width, height) > limits.max_dimension or width * height > limits.max_pixels:
        raise errors.pixel_flood(limits.max_pixels, limits.max_dimension)


def _duration(box: Any, chosen: list[Any]) -> float:
    """The stated duration in seconds, or one counted from packet timestamps."""
    if box.duration is not None and box.duration > 0:
        return float(box.duration) / _MICROSECONDS
    stated = [
        float(s.duration * s.time_base) for s in chosen if s.duration and s.time_base is not None
    ]
    if stated:
        return max(stated)
    return _counted_duration(box, chosen[0])


def _counted_duration(box: Any, stream: Any) -> float:
    """Walk packet timestamps (without decoding) when the container states no duration."""
    end = 0.0
    for count, packet in enumerate(box.demux(stream)):
        if count > _MAX_COUNTED_PACKETS:
            raise errors.undecodable()
        if packet.pts is not None and packet.time_base is not None:
            end = max(end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
    box.seek(0)
    if end <= 0:
        raise errors.undecodable()
    return end


def _decode_proof(box: Any, chosen: list[Any], limits: UploadLimits) -> tuple[int, int] | None:
    """Decode the first frames of each chosen stream within a packet budget.

    Returns the decoded video size (which must also respect the limits: a stream may change
    size after its header) or None for audio only.
    """
    decoded = {stream.index: 0 for stream in chosen}
    size: tuple[int, int] | None = None
    for count, packet in enumerate(box.demux(*chosen)):
        if count >= _MAX_PROOF_PACKETS or all(n >= _PROOF_FRAMES for n in decoded.values()):
            break
        for frame in packet.decode():
            decoded[packet.stream.index] += 1
            if packet.stream.type == "video":
                _check_dimensions(frame.width, frame.height, limits)
                size = size or (frame.width, frame.height)
    if not all(decoded.values()):
        raise errors.undecodable()
    return size


def _has_location(box: Any) -> bool:
    """Phones store where a video was taken in a container tag (QuickTime `©xyz`)."""
    tags = [*box.metadata, *(key for stream in box.streams for key in stream.metadata)]
    return any("location" in key.lower() or "xyz" in key.lower() for key in tags)
