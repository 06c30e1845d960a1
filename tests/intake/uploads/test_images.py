"""Valid pictures pass, and their staff copy keeps the pixels but none of the metadata."""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pytest
from PIL import Image, ImageOps

from jubao.intake.uploads import CleanFile, UploadLimits, inspect_upload

from . import builders

LIMITS = UploadLimits()
METADATA_KEYS = ("exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "photoshop")


def check(name: str, data: bytes) -> CleanFile:
    return inspect_upload(name=name, data=data, limits=LIMITS)


def reopen(clean: CleanFile) -> Image.Image:
    assert clean.staff_copy is not None
    image = Image.open(io.BytesIO(clean.staff_copy))
    image.load()
    return image


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    first = np.asarray(a.convert("RGB"), dtype=np.int16)
    second = np.asarray(b.convert("RGB"), dtype=np.int16)
    return float(np.abs(first - second).mean())


def assert_no_metadata(clean: CleanFile) -> None:
    staff = reopen(clean)
    assert not staff.getexif()
    assert not [key for key in staff.info if key in METADATA_KEYS]
    assert not getattr(staff, "text", {})
    assert clean.staff_copy is not None
    for marker in (b"Exif", b"GPS", b"PhoneMaker", b"xmpmeta", b"Zhang San", b"not-a-real-profile"):
        assert marker not in clean.staff_copy


def test_a_jpeg_with_gps_passes_and_its_staff_copy_has_no_metadata_at_all():
    original = builders.jpeg_with_gps()
    clean = check("IMG_0001.JPG", original)

    assert (clean.kind, clean.media_type, clean.extension) == ("image", "image/jpeg", "jpg")
    assert clean.size == len(original)
    assert clean.sha256 == hashlib.sha256(original).hexdigest()
    assert clean.had_gps is True
    assert {"exif", "gps", "xmp", "icc_profile", "comment"} <= set(clean.metadata_removed)
    assert clean.staff_media_type == "image/jpeg"
    assert_no_metadata(clean)
    # the source of the test really carried the GPS block
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(builders.GPS_IFD)
    assert mean_difference(reopen(clean), Image.open(io.BytesIO(original))) < 4


def test_the_staff_copy_is_turned_upright_by_the_exif_orientation():
    original = builders.jpeg_with_gps(orientation=6)
    clean = check("sideways.jpg", original)

    upright = ImageOps.exif_transpose(Image.open(io.BytesIO(original)))
    staff = reopen(clean)
    assert staff.size == upright.size == (48, 64)
    assert (clean.width, clean.height) == (48, 64)
    assert mean_difference(staff, upright) < 4


def test_a_png_with_text_chunks_and_alpha_keeps_its_transparency_only():
    original = builders.png_with_text()
    clean = check("screenshot.png", original)

    assert clean.staff_media_type == "image/png"
    assert {"text", "exif", "gps"} <= set(clean.metadata_removed)
    assert clean.had_gps is True
    assert_no_metadata(clean)
    staff = reopen(clean)
    assert staff.mode == "RGBA"
    source = np.asarray(Image.open(io.BytesIO(original)).convert("RGBA"))
    assert np.array_equal(np.asarray(staff), source)  # PNG is lossless


def test_a_plain_picture_reports_nothing_removed():
    clean = check("plain.png", builders.encode(builders.gradient(), "PNG"))
    assert clean.had_gps is False
    assert clean.metadata_removed == []
    assert clean.staff_media_type == "image/jpeg"  # no transparency: the smaller format


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("L", "L"), ("1", "L"), ("CMYK", "RGB"), ("I;16", "L"), ("P", "RGB"), ("LA", "RGBA")],
)
def test_unusual_modes_become_ordinary_8_bit_copies(mode: str, expected: str):
    if mode == "I;16":
        source = Image.fromarray(np.arange(64 * 48, dtype=np.uint16).reshape(48, 64) * 20)
    else:
        source = builders.gradient().convert(mode)
    if mode == "LA":
        source.putalpha(100)
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    clean = check(f"x.{fmt.lower()}", builders.encode(source, fmt))
    assert reopen(clean).mode == expected


def test_a_palette_picture_with_a_transparent_colour_keeps_it():
    source = Image.new("P", (10, 10), 0)
    source.putpixel((0, 0), 1)
    clean = check("icon.gif", builders.encode(source, "GIF", transparency=0))
    staff = reopen(clean)
    assert clean.staff_media_type == "image/png"
    assert staff.getpixel((5, 5))[3] == 0  # type: ignore[index]


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "PNG"])
def test_animations_pass_with_their_frame_count_and_first_frame_as_staff_copy(fmt: str):
    clean = check(f"clip.{fmt.lower()}", builders.animated(fmt))
    assert clean.frames == 5
    assert reopen(clean).size == (20, 20)


def test_webp_passes():
    clean = check("photo.webp", builders.encode(builders.gradient(), "WEBP", quality=90))
    assert (clean.media_type, clean.width, clean.height) == ("image/webp", 64, 48)


def test_phone_photos_with_a_second_jpeg_after_the_first_pass():
    # HDR gain maps and depth maps are stored as further complete JPEG streams (MPF).
    main = builders.encode(builders.gradient(), "JPEG")
    gain_map = builders.encode(builders.gradient(16, 12).convert("L"), "JPEG")
    assert check("hdr.jpg", main + gain_map).kind == "image"


def test_zero_padding_after_the_end_is_harmless():
    assert check("padded.png", builders.encode(builders.gradient(), "PNG") + bytes(64)).size


def test_a_file_object_is_read_as_well_as_bytes():
    original = builders.jpeg_with_gps()
    clean = inspect_upload(name="a.jpg", data=io.BytesIO(original), limits=LIMITS)
    assert clean.sha256 == hashlib.sha256(original).hexdigest()
