"""Random and mutated input never escapes as anything but `UploadRejected`."""

from __future__ import annotations

import functools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jubao.intake.uploads import FORMATS, CleanFile, UploadLimits, UploadRejected, inspect_upload

from . import builders

LIMITS = UploadLimits()
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Leading bytes that get random data past the signature check and into the decoders.
SIGNATURES = [
    b"\xff\xd8\xff\xe0",
    b"\x89PNG\r\n\x1a\n",
    b"GIF89a",
    b"RIFF\x00\x01\x00\x00WEBPVP8 ",
    b"%PDF-1.7\n",
    b"ID3\x04\x00",
    b"\xff\xfb\x90\x00",
    b"\xff\xf1\x50\x80",
    b"\x00\x00\x00\x18ftypmp42",
    b"RIFF\x00\x01\x00\x00WAVEfmt ",
    b"OggS\x00\x02",
    b"#!AMR\n",
    b"\x1a\x45\xdf\xa3",
]


@functools.cache
def valid_files() -> list[tuple[str, bytes]]:
    return [
        ("a.jpg", builders.jpeg_with_gps()),
        ("a.png", builders.png_with_text()),
        ("a.gif", builders.animated("GIF", frames=2)),
        ("a.webp", builders.animated("WEBP", frames=2)),
        ("a.pdf", builders.pdf()),
        ("a.wav", builders.wav(seconds=0.2)),
        ("a.mp4", builders.video(frames=3)),
        ("a.webm", builders.video("webm", "vp8", frames=3)),
    ]


def outcome(name: str, data: bytes) -> str:
    try:
        result = inspect_upload(name=name, data=data, limits=LIMITS)
    except UploadRejected as error:
        assert error.code and error.field == "evidence"
        return error.code
    assert isinstance(result, CleanFile)
    return "accepted"


@SETTINGS
@given(extension=st.sampled_from(sorted(FORMATS)), body=st.binary(max_size=4096))
def test_random_bytes_with_an_allowed_extension_are_only_ever_refused(extension, body):
    assert outcome(f"x.{extension}", body) != "accepted"


@SETTINGS
@given(
    extension=st.sampled_from(sorted(FORMATS)),
    head=st.sampled_from(SIGNATURES),
    body=st.binary(max_size=4096),
)
def test_random_bytes_behind_a_real_signature_are_only_ever_refused(extension, head, body):
    outcome(f"x.{extension}", head + body)


@SETTINGS
@given(data=st.data())
def test_mutated_valid_files_never_raise_anything_else(data):
    name, original = data.draw(st.sampled_from(valid_files()))
    mutated = bytearray(original)
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(mutated) - 1))
        mutated[position] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(1, len(mutated)))
    outcome(name, bytes(mutated[:cut]))
