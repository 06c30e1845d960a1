"""Pictures: structure walk, bounded decode with Pillow, and a metadata-free staff copy.

Pillow is only ever asked to use the one plugin the signature named (`formats=[...]`): several
past decompression bombs lived in rarely used decoders that a generic open would have tried.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from . import errors, polyglot
from .formats import Format
from .limits import UploadLimits

_TAIL_FINDERS = {
    "JPEG": polyglot.jpeg_tail,
    "PNG": lambda data: data[polyglot.png_end(data) :],
    "GIF": lambda data: data[polyglot.gif_end(data) :],
    "WEBP": lambda data: data[polyglot.webp_end(data) :],
}

#: EXIF orientation -> the transpose that makes the picture upright (as viewers show it).
_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

_GPS_IFD = 0x8825
_ORIENTATION_TAG = 0x0112
_JPEG_QUALITY = 85


@dataclass(frozen=True)
class ImageFacts:
    """What the image check learnt, for `CleanFile`."""

    width: int
    height: int
    frames: int
    staff_copy: bytes
    staff_media_type: str
    had_gps: bool
    metadata_removed: list[str] = field(default_factory=list)


def inspect_image(data: bytes, fmt: Format, limits: UploadLimits) -> ImageFacts:
    """Check an image end to end and build its staff copy, or raise `UploadRejected`."""
    polyglot.check_tail(_TAIL_FINDERS[fmt.decoder](data))
    # Process-wide filter (warnings are not thread-local before Python 3.14); our own header
    # check below is stricter than Pillow's default, so a lost race only loses a backstop.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=[fmt.decoder]) as image:
                return _inspect_open_image(image, limits)
        except errors.UploadRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise errors.decompression_bomb() from exc
        except Exception as exc:  # any decoder failure on hostile input means "cannot open"
            raise errors.undecodable() from exc


def _inspect_open_image(image: Image.Image, limits: UploadLimits) -> ImageFacts:
    width, height = image.size  # from the header: nothing is decoded yet
    if max(width, height) > limits.max_dimension or width * height > limits.max_pixels:
        raise errors.pixel_flood(limits.max_pixels, limits.max_dimension)
    if min(width, height) < 1:
        raise errors.undecodable()
    removed, had_gps, orientation = _metadata_facts(image)
    clean, frames = _decode_frames(image, limits)
    if orientation in _ORIENTATION:
        clean = clean.transpose(_ORIENTATION[orientation])
    staff_copy, media_type = _encode(clean)
    return ImageFacts(
        width=clean.width,
        height=clean.height,
        frames=frames,
        staff_copy=staff_copy,
        staff_media_type=media_type,
        had_gps=had_gps,
        metadata_removed=removed,
    )


def _decode_frames(image: Image.Image, limits: UploadLimits) -> tuple[Image.Image, int]:
    """Decode every frame within the frame and pixel budgets.

    Returns a clean copy of the first frame (taken before seeking replaces it) and the count.

    Frames are walked one by one instead of asking `n_frames`, which for GIF would itself scan
    the whole file before we could stop.
    """
    budget = limits.max_animation_pixels - image.width * image.height
    image.load()
    first = _clean_pixels(image)
    count = 1
    while True:
        try:
            image.seek(count)
        except EOFError:
            return first, count
        if count >= limits.max_frames:
            raise errors.too_many_frames(limits.max_frames)
        budget -= image.width * image.height
        if budget < 0:
            raise errors.decompression_bomb()
        image.load()
        count += 1


def _metadata_facts(image: Image.Image) -> tuple[list[str], bool, int]:
    """Which kinds of metadata the original carries, whether it had GPS, and its orientation."""
    info = image.info
    found: set[str] = set()
    try:
        exif = image.getexif()
        gps = dict(exif.get_ifd(_GPS_IFD)) if _GPS_IFD in exif else {}
        orientation = int(exif.get(_ORIENTATION_TAG, 1))
    except Exception:  # a broken EXIF block is dropped anyway; it must not block the evidence
        exif, gps, orientation = Image.Exif(), {}, 1
    if len(exif) or "exif" in info:
        found.add("exif")
    xmp = info.get("xmp") or info.get("XML:com.adobe.xmp") or b""
    if xmp:
        found.add("xmp")
    xmp_bytes = xmp.encode("utf-8", "replace") if isinstance(xmp, str) else bytes(xmp)
    had_gps = bool(gps) or _GPS_IFD in exif or b"GPSLatitude" in xmp_bytes
    if had_gps:
        found.add("gps")
    if info.get("icc_profile"):
        found.add("icc_profile")
    if info.get("comment"):
        found.add("comment")
    if "photoshop" in info or "iptc" in info:
        found.add("iptc")
    if any(key != "XML:com.adobe.xmp" for key in getattr(image, "text", {}) or {}):
        found.add("text")
    return sorted(found), had_gps, orientation


def _clean_pixels(frame: Image.Image) -> Image.Image:
    """A NEW image holding only the pixels (8-bit L, RGB or RGBA); nothing of `info` survives."""
    mode = frame.mode
    if mode.startswith("I") or mode == "F":
        array = np.asarray(frame, dtype=np.float64)
        if array.max(initial=0) > 255:
            array = array / 256.0
        pixels = np.clip(array, 0, 255).astype(np.uint8)
        return Image.fromarray(pixels, mode="L")
    has_alpha = "A" in mode or "a" in mode or (mode == "P" and "transparency" in frame.info)
    target = "L" if mode in ("1", "L") else "RGBA" if has_alpha else "RGB"
    converted = frame if frame.mode == target else frame.convert(target)
    if target == "RGBA" and converted.getchannel("A").getextrema() == (255, 255):
        target, converted = "RGB", converted.convert("RGB")  # opaque alpha: JPEG is smaller
    clean = Image.new(target, converted.size)  # a fresh image: empty `info`, pixels pasted in
    clean.paste(converted)
    return clean


def _encode(clean: Image.Image) -> tuple[bytes, str]:
    """PNG when transparency must be kept, JPEG otherwise; no metadata parameters at all."""
    buffer = io.BytesIO()
    if clean.mode == "RGBA":
        clean.save(buffer, format="PNG", optimize=False)
        return buffer.getvalue(), "image/png"
    clean.save(buffer, format="JPEG", quality=_JPEG_QUALITY)
    return buffer.getvalue(), "image/jpeg"
