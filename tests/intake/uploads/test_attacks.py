"""The attack corpus: every hostile or broken file is refused with its stable code."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.utils import translation

from jubao.errors import DomainError
from jubao.intake.uploads import UploadLimits, UploadRejected, inspect_upload

from . import builders

LIMITS = UploadLimits()


def refusal(name: str, data: bytes, limits: UploadLimits = LIMITS) -> UploadRejected:
    with pytest.raises(UploadRejected) as caught:
        inspect_upload(name=name, data=data, limits=limits)
    return caught.value


def code(name: str, data: bytes, limits: UploadLimits = LIMITS) -> str:
    return refusal(name, data, limits).code


def test_a_refusal_is_a_domain_error_on_the_evidence_field_with_a_message():
    with translation.override("en"):
        error = refusal("empty.jpg", b"")
    assert isinstance(error, DomainError)
    assert error.as_dict() == {
        "code": "empty",
        "field": "evidence",
        "message": "This file is empty.",
    }


def test_an_empty_file_is_refused():
    assert code("photo.jpg", b"") == "empty"


def test_an_oversized_file_is_refused_by_the_cap_of_its_kind():
    small = UploadLimits(max_image_bytes=1000)
    data = builders.encode(builders.gradient(), "JPEG", quality=95)
    assert len(data) > 1000
    error = refusal("big.jpg", data, small)
    assert error.code == "too_large"
    assert "1000" in str(error.message)
    assert code("big.pdf", data[:1001], small) == "type_mismatch"  # other kinds keep their cap


def test_an_oversized_file_object_is_refused_without_reading_it_all():
    caps = dict(max_image_bytes=100, max_pdf_bytes=100, max_audio_bytes=100, max_video_bytes=100)
    stream = io.BytesIO(b"\xff\xd8\xff" + bytes(5000))
    with pytest.raises(UploadRejected) as caught:
        inspect_upload(name="big.jpg", data=stream, limits=UploadLimits(**caps))
    assert caught.value.code == "too_large"
    assert stream.tell() == 101


@pytest.mark.parametrize(
    "name",
    ["photo.jpg.exe", "evidence.svg", "report.html", "noextension", "trailingdot.jpg.", ".jpg"],
)
def test_names_outside_the_allow_list_are_refused(name: str):
    assert code(name, builders.encode(builders.gradient(), "JPEG")) == "bad_extension"


def test_html_renamed_to_jpg_is_a_type_mismatch():
    html = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
    assert code("photo.jpg", html) == "type_mismatch"


def test_a_png_renamed_to_pdf_is_a_type_mismatch():
    assert code("contract.pdf", builders.encode(builders.gradient(), "PNG")) == "type_mismatch"


def test_a_jpeg_renamed_to_png_is_a_type_mismatch():
    assert code("shot.png", builders.encode(builders.gradient(), "JPEG")) == "type_mismatch"


def test_a_zip_bomb_renamed_to_png_is_a_type_mismatch():
    bomb = builders.zip_archive({"zeros.bin": bytes(20 * 1024 * 1024)})
    assert len(bomb) < 100_000
    assert code("cute.png", bomb) == "type_mismatch"


def test_a_truncated_jpeg_is_undecodable():
    data = builders.encode(builders.gradient(256, 256), "JPEG")
    assert code("cut.jpg", data[: len(data) // 2]) == "undecodable"


def test_a_truncated_png_is_undecodable():
    data = builders.encode(builders.gradient(256, 256), "PNG")
    assert code("cut.png", data[: len(data) - 100]) == "undecodable"


def test_a_png_declaring_50000_by_50000_pixels_is_a_decompression_bomb():
    bomb = builders.with_png_size(builders.encode(builders.gradient(), "PNG"), 50_000, 50_000)
    assert len(bomb) < 10_000
    assert code("bomb.png", bomb) == "decompression_bomb"


def test_pillows_bomb_warning_is_a_refusal_when_our_limits_are_looser():
    loose = UploadLimits(max_pixels=150_000_000, max_dimension=20_000)
    image = builders.with_png_size(builders.encode(builders.gradient(), "PNG"), 10_000, 10_000)
    assert code("warned.png", image, loose) == "decompression_bomb"


@pytest.mark.parametrize(("width", "height"), [(13_000, 10), (10, 13_000), (7_000, 7_000)])
def test_header_dimensions_over_the_limits_are_a_pixel_flood(width: int, height: int):
    flood = builders.with_png_size(builders.encode(builders.gradient(), "PNG"), width, height)
    assert code("flood.png", flood) == "pixel_flood"


def test_a_jpeg_header_over_the_limits_is_a_pixel_flood():
    flood = builders.with_jpeg_size(builders.encode(builders.gradient(), "JPEG"), 12_500, 100)
    assert code("flood.jpg", flood) == "pixel_flood"


def test_a_jpeg_with_an_appended_zip_is_a_polyglot():
    data = builders.encode(builders.gradient(), "JPEG") + builders.zip_archive({"a.js": b"x"})
    assert zipfile.is_zipfile(io.BytesIO(data))  # it really is both
    assert code("photo.jpg", data) == "polyglot"


@pytest.mark.parametrize("fmt", ["PNG", "GIF", "WEBP"])
def test_other_images_with_an_appended_zip_are_polyglots(fmt: str):
    data = builders.encode(builders.gradient(), fmt) + builders.zip_archive({"a": b"x" * 99})
    assert code(f"p.{fmt.lower()}", data) == "polyglot"


def test_a_zip_hidden_inside_a_png_chunk_before_iend_is_a_polyglot():
    png = builders.encode(builders.gradient(), "PNG")
    archive = builders.zip_archive({"a.html": b"<script>"})
    import struct
    import zlib

    chunk = b"zzIP" + archive
    hidden = struct.pack(">I", len(archive)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    data = png[:-12] + hidden + png[-12:]
    assert zipfile.is_zipfile(io.BytesIO(data))
    assert code("p.png", data) == "polyglot"


def test_a_gif_that_is_also_javascript_is_a_polyglot():
    assert code("funny.gif", builders.gif_javascript_polyglot()) == "polyglot"


def test_a_gif_comment_closing_a_script_comment_is_a_polyglot():
    data = builders.encode(builders.gradient(), "GIF", comment=b"*/ alert(1) /*")
    assert code("funny.gif", data) == "polyglot"


def test_markup_in_the_first_kilobyte_of_a_real_jpeg_is_a_polyglot():
    data = builders.encode(builders.gradient(), "JPEG", comment=b"<script>alert(1)</script>")
    assert code("photo.jpg", data) == "polyglot"


def test_an_svg_in_a_png_text_chunk_is_a_polyglot():
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", '<svg onload="alert(1)"/>')
    assert code("p.png", builders.encode(builders.gradient(), "PNG", pnginfo=info)) == "polyglot"


def test_a_pdf_header_inside_an_image_is_a_polyglot():
    data = builders.encode(builders.gradient(), "JPEG", comment=b"%PDF-1.4 1 0 obj")
    assert code("photo.jpg", data) == "polyglot"


def test_bytes_before_the_pdf_header_are_a_polyglot():
    prefix = builders.encode(builders.gradient(8, 8), "JPEG")[:400]
    assert code("doc.pdf", prefix + builders.pdf()) == "polyglot"


def test_a_pdf_header_further_than_a_kilobyte_in_is_not_a_pdf():
    assert code("doc.pdf", b"x" * 2000 + builders.pdf()) == "type_mismatch"


def test_random_trailing_data_after_an_image_is_refused():
    data = builders.encode(builders.gradient(), "PNG") + b"some hidden message"
    assert code("p.png", data) == "trailing_data"


def test_a_jpeg_then_a_jpeg_then_a_zip_is_still_a_polyglot():
    jpeg = builders.encode(builders.gradient(), "JPEG")
    assert code("p.jpg", jpeg + jpeg + b"PK\x03\x04" + bytes(40)) == "polyglot"


@pytest.mark.parametrize("change", ["javascript", "attachment"])
def test_a_pdf_with_active_content_is_a_polyglot(change: str):
    assert code("doc.pdf", builders.pdf_with(change)) == "polyglot"


def test_a_pdf_launch_action_with_an_escaped_name_is_a_polyglot():
    data = builders.pdf_with_escaped_launch()
    assert b"/Launch" not in data
    assert code("doc.pdf", data) == "polyglot"


def test_a_pdf_with_a_zip_after_eof_is_a_polyglot():
    data = builders.pdf() + builders.zip_archive({"a": b"b"})
    assert code("doc.pdf", data) == "polyglot"


def test_a_password_protected_pdf_is_refused():
    assert code("secret.pdf", builders.pdf_with("password")) == "encrypted"


def test_too_many_pages_are_refused():
    assert (
        code("long.pdf", builders.pdf(pages=3), UploadLimits(max_pdf_pages=2)) == "too_many_pages"
    )


def test_a_broken_pdf_is_undecodable():
    data = builders.pdf()
    assert code("broken.pdf", data[:200] + data[260:]) == "undecodable"


def test_too_many_animation_frames_are_refused():
    data = builders.animated("GIF", frames=5)
    assert code("a.gif", data, UploadLimits(max_frames=3)) == "too_many_frames"


def test_an_animation_decoding_to_too_many_pixels_is_a_bomb():
    data = builders.animated("GIF", frames=5, size=(100, 100))
    assert code("a.gif", data, UploadLimits(max_animation_pixels=30_000)) == "decompression_bomb"
