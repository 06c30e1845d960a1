"""Perceptual image hashes: near-identical pictures get 64-bit hashes a few bits apart.

Two hashes are provided, both computed on a grey-scale thumbnail so that resizing, JPEG
re-encoding and small brightness changes move only a few bits:

* `dhash` (difference hash): 9×8 thumbnail, one bit per horizontal neighbour pair, "is the left
  pixel brighter?". Cheap, robust to brightness and contrast.
* `phash` (DCT hash): 32×32 thumbnail, 2-D DCT-II, the 8×8 lowest frequencies compared with
  their median. Robust to re-encoding, mild blur and small crops.

Untrusted bytes are opened with a restricted list of decoders and a pixel limit, so a crafted
file cannot reach an obscure decoder or expand into gigabytes of pixels.
"""

from __future__ import annotations

import io
import warnings
from functools import lru_cache
from typing import Literal

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = [
    "ALLOWED_FORMATS",
    "DEFAULT_MAX_DISTANCE",
    "dhash",
    "hamming",
    "image_hash",
    "open_image",
    "phash",
    "similar",
]

ALLOWED_FORMATS = ("JPEG", "PNG", "GIF", "WEBP", "BMP")
MAX_PIXELS = 50_000_000  # about 7000×7000; larger uploads are refused, not thumbnailed
DEFAULT_MAX_DISTANCE = 10  # of 64 bits: see docs/analysis-dedup.md for the measurements

ImageInput = Image.Image | bytes | bytearray | memoryview


def open_image(data: bytes | bytearray | memoryview) -> Image.Image:
    """Decode untrusted image bytes; raises ValueError for anything unreadable or too large."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(bytes(data)), formats=list(ALLOWED_FORMATS))
            if image.width * image.height > MAX_PIXELS:
                raise ValueError(f"image of {image.width}×{image.height} pixels is too large")
            image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise ValueError(f"not a readable image ({', '.join(ALLOWED_FORMATS)}): {exc}") from exc
    except Image.DecompressionBombWarning as exc:
        raise ValueError(f"image is too large: {exc}") from exc
    except (OSError, SyntaxError) as exc:  # Pillow reports truncated or corrupt data this way
        raise ValueError(f"image data is damaged: {exc}") from exc
    return image


def _grey(image: ImageInput, size: tuple[int, int]) -> npt.NDArray[np.float64]:
    """Grey-scale thumbnail of `size` as floats, after EXIF rotation and flattening alpha."""
    img = open_image(image) if not isinstance(image, Image.Image) else image
    img = ImageOps.exif_transpose(img)
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        # Transparent pixels carry arbitrary colour values; composite them onto white.
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba)
    grey = img.convert("L").resize(size, Image.Resampling.LANCZOS)
    return np.asarray(grey, dtype=np.float64)


def _bits_to_int(bits: npt.NDArray[np.bool_]) -> int:
    value = 0
    for bit in bits.ravel().tolist():
        value = (value << 1) | int(bit)
    return value


def dhash(image: ImageInput) -> int:
    """64-bit difference hash of a Pillow image or encoded image bytes."""
    pixels = _grey(image, (9, 8))
    return _bits_to_int(pixels[:, :-1] > pixels[:, 1:])


@lru_cache(maxsize=4)
def _dct_matrix(n: int) -> npt.NDArray[np.float64]:
    """Orthonormal DCT-II matrix: row k holds cos(π(2i+1)k / 2n), scaled."""
    i = np.arange(n)
    matrix = np.cos(np.pi * (2 * i[None, :] + 1) * i[:, None] / (2 * n)) * np.sqrt(2.0 / n)
    matrix[0] /= np.sqrt(2.0)
    return matrix


def phash(image: ImageInput) -> int:
    """64-bit DCT perceptual hash of a Pillow image or encoded image bytes."""
    pixels = _grey(image, (32, 32))
    dct = _dct_matrix(32)
    low = (dct @ pixels @ dct.T)[:8, :8]
    # The DC term is the mean brightness: leaving it out of the median makes the hash
    # insensitive to brightness shifts.
    median = np.median(low.ravel()[1:])
    return _bits_to_int(low > median)


def image_hash(image: ImageInput, method: Literal["phash", "dhash"] = "phash") -> int:
    """Hash with the named method (pHash by default: the more robust of the two to crops)."""
    if method == "phash":
        return phash(image)
    if method == "dhash":
        return dhash(image)
    raise ValueError(f"unknown image hash method {method!r}")


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two 64-bit hashes."""
    if not (0 <= a < 1 << 64 and 0 <= b < 1 << 64):
        raise ValueError("hashes must be 64-bit unsigned integers")
    return (a ^ b).bit_count()


def similar(a: int, b: int, max_distance: int = DEFAULT_MAX_DISTANCE) -> bool:
    """True if two hashes of the same method are at most `max_distance` bits apart."""
    return hamming(a, b) <= max_distance
