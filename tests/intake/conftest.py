"""Intake fixtures: a solved proof-of-work challenge, a valid report body, test images."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.conftest import ITEM, solve

__all__ = ["ITEM", "jpeg_with_gps", "png_bytes", "solve"]


@pytest.fixture(autouse=True)
def _easy(easy_pow_and_no_rate_limits):
    """Every intake test solves cheap challenges and meets no rate limit."""


def png_bytes(color: str = "red", size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (80, 60), "blue")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (30.0, 15.0, 0.0)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()
