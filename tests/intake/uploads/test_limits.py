"""Upload limits: defaults, overrides from settings, and refusal of nonsense values."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from jubao.intake.uploads import UploadLimits, UploadRejected, inspect_upload, limits_from_settings
from jubao.intake.uploads.limits import MiB

from . import builders


def test_the_defaults():
    limits = UploadLimits()
    assert (limits.max_bytes_for("image"), limits.max_bytes_for("pdf")) == (20 * MiB, 20 * MiB)
    assert (limits.max_bytes_for("audio"), limits.max_bytes_for("video")) == (200 * MiB, 200 * MiB)
    assert limits.max_bytes == 200 * MiB
    assert (limits.max_files, limits.max_pixels, limits.max_dimension) == (10, 40_000_000, 12_000)
    assert (limits.max_pdf_pages, limits.max_duration_seconds) == (200, 3600)


def test_without_settings_the_defaults_apply():
    assert limits_from_settings() == UploadLimits()


def test_one_byte_cap_for_every_kind(settings):
    settings.JUBAO_UPLOAD_MAX_BYTES = 5 * MiB
    settings.JUBAO_UPLOAD_MAX_FILES = 3
    settings.JUBAO_UPLOAD_MAX_PIXELS = 1_000_000
    settings.JUBAO_UPLOAD_MAX_REQUEST_BYTES = 16 * MiB
    limits = limits_from_settings()
    assert {limits.max_bytes_for(kind) for kind in ("image", "pdf", "audio", "video")} == {5 * MiB}
    assert (limits.max_files, limits.max_pixels, limits.max_request_bytes) == (
        3,
        1_000_000,
        16 * MiB,
    )


def test_byte_caps_per_kind(settings):
    settings.JUBAO_UPLOAD_MAX_BYTES = {"video": 500 * MiB}
    limits = limits_from_settings()
    assert (limits.max_bytes_for("video"), limits.max_bytes_for("image")) == (500 * MiB, 20 * MiB)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("JUBAO_UPLOAD_MAX_BYTES", {"exe": 1}),
        ("JUBAO_UPLOAD_MAX_BYTES", -1),
        ("JUBAO_UPLOAD_MAX_FILES", 0),
        ("JUBAO_UPLOAD_MAX_PIXELS", "many"),
    ],
)
def test_bad_settings_fail_loudly(settings, name, value):
    setattr(settings, name, value)
    with pytest.raises(ImproperlyConfigured):
        limits_from_settings()


def test_inspect_upload_reads_the_settings_when_given_no_limits(settings):
    settings.JUBAO_UPLOAD_MAX_PIXELS = 100
    with pytest.raises(UploadRejected) as caught:
        inspect_upload(name="a.png", data=builders.encode(builders.gradient(), "PNG"))
    assert caught.value.code == "pixel_flood"
