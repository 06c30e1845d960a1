"""Upload limits: one frozen value object, with optional overrides from Django settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

MiB = 1024 * 1024

#: The kinds of evidence we accept, in the order they are documented.
KINDS = ("image", "pdf", "audio", "video")


@dataclass(frozen=True)
class UploadLimits:
    """Every bound the sanitiser and the upload handler enforce.

    Byte caps are per kind because a phone video is legitimately a hundred times larger than a
    screenshot; the request cap bounds what one form post may stream in total.
    """

    max_image_bytes: int = 20 * MiB
    max_pdf_bytes: int = 20 * MiB
    max_audio_bytes: int = 200 * MiB
    max_video_bytes: int = 200 * MiB
    max_request_bytes: int = 250 * MiB
    max_files: int = 10
    max_pixels: int = 40_000_000
    max_dimension: int = 12_000
    max_frames: int = 300
    max_animation_pixels: int = 400_000_000
    max_pdf_pages: int = 200
    max_duration_seconds: int = 60 * 60

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"UploadLimits.{field.name} must be a positive integer")

    def max_bytes_for(self, kind: str) -> int:
        """The byte cap of one file of `kind` ("image", "pdf", "audio" or "video")."""
        return int(getattr(self, f"max_{kind}_bytes"))

    @property
    def max_bytes(self) -> int:
        """The largest per-file cap: what any file may be before its kind is known."""
        return max(self.max_bytes_for(kind) for kind in KINDS)


def _bytes_overrides(value: Any) -> dict[str, int]:
    """`JUBAO_UPLOAD_MAX_BYTES` is one number for every kind or a mapping of kind to bytes."""
    if isinstance(value, Mapping):
        unknown = set(value) - set(KINDS)
        if unknown:
            raise ValueError(f"JUBAO_UPLOAD_MAX_BYTES has unknown kinds: {sorted(unknown)}")
        return {f"max_{kind}_bytes": int(size) for kind, size in value.items()}
    return {f"max_{kind}_bytes": int(value) for kind in KINDS}


def limits_from_settings() -> UploadLimits:
    """The default limits with the optional overrides from Django settings applied.

    Settings (all optional): `JUBAO_UPLOAD_MAX_BYTES` (int, or {"image": ..., "pdf": ...,
    "audio": ..., "video": ...}), `JUBAO_UPLOAD_MAX_FILES`, `JUBAO_UPLOAD_MAX_PIXELS` and
    `JUBAO_UPLOAD_MAX_REQUEST_BYTES`. A bad value fails loudly as `ImproperlyConfigured`.
    """
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    limits = UploadLimits()
    overrides: dict[str, int] = {}
    try:
        max_bytes = getattr(settings, "JUBAO_UPLOAD_MAX_BYTES", None)
        if max_bytes is not None:
            overrides.update(_bytes_overrides(max_bytes))
        for name, attribute in (
            ("JUBAO_UPLOAD_MAX_FILES", "max_files"),
            ("JUBAO_UPLOAD_MAX_PIXELS", "max_pixels"),
            ("JUBAO_UPLOAD_MAX_REQUEST_BYTES", "max_request_bytes"),
        ):
            value = getattr(settings, name, getattr(limits, attribute))
            overrides[attribute] = int(value)
        return replace(limits, **overrides)
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(f"Invalid upload limit setting: {exc}") from exc
