"""Perceptual image hashes: robust to resize, re-encoding, small crops and brightness."""

from __future__ import annotations

import io
import random
from collections.abc import Callable

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageEnhance

from jubao.analysis.imagehash import (
    DEFAULT_MAX_DISTANCE,
    dhash,
    hamming,
    image_hash,
    open_image,
    phash,
    similar,
)

HASHES = [phash, dhash]


def _picture(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A colour gradient in a random direction with eight random ellipses and rectangles."""
    rng = random.Random(seed)
    width, height = size
    pixels = np.zeros((height, width, 3), dtype=np.uint8)
    across = np.linspace(0, 255, width)[None, :] * rng.random()
    down = np.linspace(0, 255, height)[:, None] * rng.random()
    pixels[..., 0] = (across if rng.random() < 0.5 else across[:, ::-1]).astype(np.uint8)
    pixels[..., 1] = (down if rng.random() < 0.5 else down[::-1, :]).astype(np.uint8)
    image = Image.fromarray(pixels)
    draw = ImageDraw.Draw(image)
    for _ in range(8):
        x0, y0 = rng.randrange(width), rng.randrange(height)
        box = [x0, y0, x0 + rng.randrange(40, 250), y0 + rng.randrange(40, 250)]
        colour = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
    return image


def _encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _crop(image: Image.Image, share: float) -> Image.Image:
    w, h = image.size
    return image.crop((int(w * share), int(h * share), int(w * (1 - share)), int(h * (1 - share))))


VARIANTS: dict[str, Callable[[Image.Image], Image.Image | bytes]] = {
    "resized to a third": lambda im: im.resize((im.width // 3, im.height // 3)),
    "enlarged": lambda im: im.resize((im.width * 3 // 2, im.height * 3 // 2)),
    "JPEG quality 20": lambda im: _encode(im, "JPEG", quality=20),
    "PNG": lambda im: _encode(im, "PNG"),
    "2% cropped each side": lambda im: _crop(im, 0.02),
    "20% brighter": lambda im: ImageEnhance.Brightness(im).enhance(1.2),
    "15% darker": lambda im: ImageEnhance.Brightness(im).enhance(0.85),
    "resized and re-encoded": lambda im: _encode(im.resize((320, 240)), "JPEG", quality=40),
}


@pytest.mark.parametrize("hash_fn", HASHES)
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_edited_copies_stay_close(hash_fn: Callable[..., int], variant: str) -> None:
    for seed in range(8):
        original = _picture(seed)
        copy = VARIANTS[variant](original)
        assert similar(hash_fn(original), hash_fn(copy)), (seed, variant)


@pytest.mark.parametrize("hash_fn", HASHES)
def test_different_pictures_are_far_apart(hash_fn: Callable[..., int]) -> None:
    hashes = [hash_fn(_picture(seed)) for seed in range(100, 130)]
    distances = [hamming(a, b) for i, a in enumerate(hashes) for b in hashes[i + 1 :]]
    assert min(distances) > DEFAULT_MAX_DISTANCE
    assert float(np.mean(distances)) > 20


def test_hash_is_a_64_bit_int_and_deterministic() -> None:
    image = _picture(1)
    for method in ("phash", "dhash"):
        value = image_hash(image, method)  # type: ignore[arg-type]
        assert isinstance(value, int) and 0 <= value < 1 << 64
        assert value == image_hash(_encode(image, "PNG"), method)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="method"):
        image_hash(image, "ahash")  # type: ignore[arg-type]


def test_transparent_and_palette_images_hash() -> None:
    rgba = _picture(2).convert("RGBA")
    rgba.putalpha(200)
    assert similar(phash(rgba), phash(_encode(rgba, "PNG")))
    palette = _picture(3).convert("P")
    assert similar(phash(palette), phash(_picture(3)))


def test_hamming_and_similar() -> None:
    assert hamming(0, 0) == 0
    assert hamming(0, (1 << 64) - 1) == 64
    assert hamming(0b1011, 0b0001) == 2
    assert similar(0, 0b111, max_distance=3)
    assert not similar(0, 0b111, max_distance=2)
    with pytest.raises(ValueError):
        hamming(-1, 0)
    with pytest.raises(ValueError):
        hamming(1 << 64, 0)


def test_unsafe_or_broken_input_is_refused() -> None:
    image = _picture(4, (64, 48))
    with pytest.raises(ValueError, match="not a readable image"):
        open_image(_encode(image, "TIFF"))  # a decoder outside the allowed list
    with pytest.raises(ValueError, match="not a readable image"):
        phash(b"definitely not an image")
    with pytest.raises(ValueError):
        phash(_encode(image, "PNG")[:60])  # truncated
    assert open_image(_encode(image, "WEBP")).size == (64, 48)


def test_oversized_image_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("jubao.analysis.imagehash.MAX_PIXELS", 1000)
    with pytest.raises(ValueError, match="too large"):
        open_image(_encode(_picture(5, (64, 48)), "PNG"))
