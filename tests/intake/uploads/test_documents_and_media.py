"""PDFs and recordings: valid ones pass with their facts; broken or excessive ones are refused."""

from __future__ import annotations

import hashlib

import pytest

from jubao.intake.uploads import UploadLimits, UploadRejected, inspect_upload

from . import builders

LIMITS = UploadLimits()


def code(name: str, data: bytes, limits: UploadLimits = LIMITS) -> str:
    with pytest.raises(UploadRejected) as caught:
        inspect_upload(name=name, data=data, limits=limits)
    return caught.value.code


def test_a_pdf_passes_with_its_page_count_and_no_staff_copy():
    data = builders.pdf(pages=3)
    clean = inspect_upload(name="合同.PDF", data=data, limits=LIMITS)
    assert (clean.kind, clean.media_type, clean.extension) == ("pdf", "application/pdf", "pdf")
    assert clean.pages == 3
    assert clean.staff_copy is None
    assert clean.sha256 == hashlib.sha256(data).hexdigest()


def test_a_pdf_locked_only_against_editing_opens_for_everyone_and_passes():
    clean = inspect_upload(name="bank.pdf", data=builders.pdf_with("permissions"), limits=LIMITS)
    assert clean.pages == 1


def test_a_hand_written_pdf_without_active_content_passes():
    data = builders.raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    )
    assert inspect_upload(name="a.pdf", data=data, limits=LIMITS).pages == 1


def test_a_wav_recording_passes_with_its_duration():
    clean = inspect_upload(name="call.wav", data=builders.wav(seconds=2.0), limits=LIMITS)
    assert (clean.kind, clean.media_type) == ("audio", "audio/wav")
    assert clean.duration_seconds == pytest.approx(2.0, abs=0.05)
    assert (clean.width, clean.height, clean.staff_copy) == (None, None, None)


@pytest.mark.parametrize(
    ("name", "container", "codec", "rate", "samples", "media_type"),
    [
        ("song.mp3", "mp3", "libmp3lame", 44100, "fltp", "audio/mpeg"),
        ("voice.aac", "adts", "aac", 48000, "fltp", "audio/aac"),
        ("voice.ogg", "ogg", "libopus", 48000, "s16", "audio/ogg"),
        ("voice.m4a", "ipod", "aac", 48000, "fltp", "audio/mp4"),
    ],
)
def test_common_audio_formats_pass(name, container, codec, rate, samples, media_type):
    data = builders.audio(container, codec, rate=rate, samples=samples)
    clean = inspect_upload(name=name, data=data, limits=LIMITS)
    assert (clean.kind, clean.media_type) == ("audio", media_type)
    assert clean.duration_seconds == pytest.approx(1.0, abs=0.1)


@pytest.mark.parametrize(
    ("name", "container", "codec", "media_type"),
    [
        ("clip.mp4", "mp4", "h264", "video/mp4"),
        ("clip.webm", "webm", "vp8", "video/webm"),
        ("clip.mov", "mov", "h264", "video/quicktime"),
    ],
)
def test_short_videos_pass_with_size_and_duration(name, container, codec, media_type):
    clean = inspect_upload(name=name, data=builders.video(container, codec), limits=LIMITS)
    assert (clean.kind, clean.media_type) == ("video", media_type)
    assert (clean.width, clean.height) == (32, 32)
    assert clean.duration_seconds == pytest.approx(1.0, abs=0.2)
    assert clean.staff_copy is None


def test_a_video_with_sound_passes():
    clean = inspect_upload(name="v.mp4", data=builders.video(audio=True), limits=LIMITS)
    assert clean.kind == "video"


def test_an_audio_only_mp4_saved_as_m4a_passes():
    data = builders.video(video_track=False, audio=True)
    assert inspect_upload(name="voice.m4a", data=data, limits=LIMITS).kind == "audio"


def test_location_metadata_of_a_video_is_reported():
    data = builders.video("mov", metadata={"location": "+30.2741+120.1551/"})
    assert inspect_upload(name="v.mov", data=data, limits=LIMITS).had_gps is True
    assert inspect_upload(name="v.mov", data=builders.video("mov"), limits=LIMITS).had_gps is False


def test_a_recording_longer_than_the_limit_is_refused():
    assert code("long.wav", builders.wav(seconds=3.0), UploadLimits(max_duration_seconds=2)) == (
        "too_long"
    )


def test_a_video_larger_than_the_pixel_limits_is_a_pixel_flood():
    data = builders.video(size=64)
    assert code("big.mp4", data, UploadLimits(max_dimension=48)) == "pixel_flood"


def test_a_video_codec_outside_the_allow_list_is_refused():
    data = builders.video("matroska", "mjpeg")
    assert code("odd.webm", data) == "unsupported_codec"


def test_a_video_file_without_a_picture_is_a_type_mismatch():
    assert code("v.mp4", builders.video(video_track=False, audio=True)) == "type_mismatch"


def test_an_audio_file_holding_a_video_is_a_type_mismatch():
    assert code("song.m4a", builders.video()) == "type_mismatch"


def test_a_truncated_video_is_undecodable():
    data = builders.video(frames=30, size=64)
    assert code("cut.mp4", data[: len(data) // 3]) == "undecodable"


def test_a_wav_header_without_samples_is_undecodable():
    assert code("empty.wav", builders.wav(seconds=1.0)[:44]) == "undecodable"


@pytest.mark.parametrize(
    ("name", "head"),
    [
        ("a.mp3", b"RIFF\x00\x00\x00\x00WAVE"),
        ("a.ogg", b"ID3\x03"),
        ("a.webm", b"\x00\x00\x00 ftyp"),
    ],
)
def test_recordings_with_another_formats_signature_are_a_type_mismatch(name, head):
    assert code(name, head + bytes(100)) == "type_mismatch"


def test_an_html_page_renamed_to_mp4_is_a_type_mismatch():
    assert code("v.mp4", b"<html><script>alert(1)</script></html>") == "type_mismatch"


def test_cover_art_in_an_mp3_is_not_a_video():
    clean = inspect_upload(name="song.mp3", data=builders.mp3_with_cover_art(), limits=LIMITS)
    assert (clean.kind, clean.width, clean.height) == ("audio", None, None)
