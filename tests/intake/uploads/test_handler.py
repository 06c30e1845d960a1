"""The streaming upload handler: real caps on bytes per file, per request, and files per post."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import InMemoryUploadedFile, SimpleUploadedFile
from django.http import HttpRequest
from django.test import RequestFactory

from jubao.intake.uploads import (
    LimitedUploadHandler,
    UploadLimits,
    UploadRejected,
    install_upload_handler,
)

LIMITS = UploadLimits(
    max_image_bytes=1000,
    max_pdf_bytes=1000,
    max_audio_bytes=5000,
    max_video_bytes=5000,
    max_request_bytes=20_000,
    max_files=3,
)


def post(*files: tuple[str, int]) -> HttpRequest:
    """A multipart post with a CSRF-like field first and then the given (name, size) files."""
    uploads = [SimpleUploadedFile(name, b"x" * size) for name, size in files]
    return RequestFactory().post("/report/", {"csrfmiddlewaretoken": "token", "evidence": uploads})


def received(request: HttpRequest) -> list[tuple[str, int]]:
    return [(f.name or "", f.size or 0) for f in request.FILES.getlist("evidence")]


def codes(handler: LimitedUploadHandler) -> list[tuple[str, str]]:
    return [(refusal.file_name, refusal.error.code) for refusal in handler.rejections]


def test_files_within_the_limits_arrive_untouched():
    request = post(("a.jpg", 1000), ("b.mp4", 5000))
    handler = install_upload_handler(request, LIMITS)
    assert received(request) == [("a.jpg", 1000), ("b.mp4", 5000)]
    assert handler.rejections == []
    handler.raise_if_rejected()


def test_a_file_over_the_cap_of_its_kind_is_skipped_and_the_others_arrive():
    request = post(("big.jpg", 1001), ("ok.pdf", 10), ("fine.wav", 4000))
    handler = install_upload_handler(request, LIMITS)
    assert received(request) == [("ok.pdf", 10), ("fine.wav", 4000)]
    assert codes(handler) == [("big.jpg", "too_large")]
    with pytest.raises(UploadRejected) as caught:
        handler.raise_if_rejected()
    assert caught.value.code == "too_large"
    assert caught.value.field == "evidence"


def test_a_file_with_an_extension_outside_the_allow_list_is_skipped():
    request = post(("photo.jpg.exe", 10), ("ok.png", 10))
    handler = install_upload_handler(request, LIMITS)
    assert received(request) == [("ok.png", 10)]
    assert codes(handler) == [("photo.jpg.exe", "bad_extension")]


def test_files_beyond_the_count_limit_are_skipped():
    request = post(*[(f"{index}.png", 10) for index in range(5)])
    handler = install_upload_handler(request, LIMITS)
    assert [name for name, _ in received(request)] == ["0.png", "1.png", "2.png"]
    assert codes(handler) == [("3.png", "too_many_files"), ("4.png", "too_many_files")]


def test_a_request_declaring_too_many_bytes_stops_at_the_first_file():
    request = post(("a.mp4", 4000), ("b.mp4", 4000), ("c.mp4", 4000), ("d.mp4", 4000))
    limits = UploadLimits(max_request_bytes=10_000, max_video_bytes=5000)
    handler = install_upload_handler(request, limits)
    assert received(request) == []
    assert request.POST["csrfmiddlewaretoken"] == "token"  # fields before the files still parse
    assert codes(handler) == [("", "too_large")]


def test_streamed_bytes_over_the_request_cap_stop_the_upload():
    # A lying or missing Content-Length: the running total still stops the stream.
    request = post(("a.mp4", 4000), ("b.mp4", 4000), ("c.mp4", 4000))
    limits = UploadLimits(max_request_bytes=10_000, max_video_bytes=5000)
    handler = LimitedUploadHandler(request, limits)
    request.upload_handlers.insert(0, handler)
    request.META["CONTENT_LENGTH"] = str(9_000)  # under the cap, but the body is longer
    request.FILES  # noqa: B018 - parsing is what we test
    assert ("", "too_large") in codes(handler)


def test_the_handler_is_the_first_and_leaves_storing_to_djangos_handlers():
    request = post(("a.jpg", 10))
    handler = install_upload_handler(request, LIMITS)
    assert request.upload_handlers[0] is handler
    assert isinstance(request.FILES["evidence"], InMemoryUploadedFile)
