"""Evidence files built in memory for the tests: valid ones and the attack corpus."""

from __future__ import annotations

import io
import struct
import wave
import zipfile
import zlib
from typing import Any

import av
import numpy as np
import pypdf
from PIL import Image
from PIL.PngImagePlugin import PngInfo

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def gradient(width: int = 64, height: int = 48) -> Image.Image:
    """An RGB picture with structure (so orientation and pixel checks mean something)."""
    x = np.linspace(0, 255, width, dtype=np.uint8)[np.newaxis, :].repeat(height, axis=0)
    y = np.linspace(0, 255, height, dtype=np.uint8)[:, np.newaxis].repeat(width, axis=1)
    return Image.fromarray(np.stack([x, y, np.full_like(x, 90)], axis=-1), mode="RGB")


def gps_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Model X"
    exif[ORIENTATION] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N"
    gps[2] = (30.0, 16.0, 12.5)
    gps[3] = "E"
    gps[4] = (120.0, 9.0, 33.0)
    return exif


def jpeg_with_gps(orientation: int = 1, image: Image.Image | None = None) -> bytes:
    buffer = io.BytesIO()
    (image or gradient()).save(
        buffer,
        "JPEG",
        quality=95,
        exif=gps_exif(orientation),
        comment=b"taken at home",
        icc_profile=b"not-a-real-profile-but-carried-along" * 4,
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>30,16N</exif:GPSLatitude>'
        b"</x:xmpmeta>",
    )
    return buffer.getvalue()


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def png_with_text() -> bytes:
    info = PngInfo()
    info.add_text("Author", "Zhang San")
    info.add_itxt("Comment", "拍摄于家中")
    image = gradient().convert("RGBA")
    image.putalpha(Image.linear_gradient("L").resize(image.size))
    return encode(image, "PNG", pnginfo=info, exif=gps_exif())


def animated(fmt: str, frames: int = 5, size: tuple[int, int] = (20, 20)) -> bytes:
    images = [Image.new("RGB", size, (index * 40 % 256, 30, 60)) for index in range(frames)]
    return encode(images[0], fmt, save_all=True, append_images=images[1:])


def with_png_size(png: bytes, width: int, height: int) -> bytes:
    """A PNG whose IHDR claims another size (CRC fixed, so only the size is a lie)."""
    ihdr = png[12:16] + struct.pack(">II", width, height) + png[24:29]
    return png[:8] + png[8:12] + ihdr + struct.pack(">I", zlib.crc32(ihdr)) + png[33:]


def with_jpeg_size(jpeg: bytes, width: int, height: int) -> bytes:
    """A JPEG whose SOF0 marker claims another size."""
    sof = jpeg.index(b"\xff\xc0")
    return jpeg[: sof + 5] + struct.pack(">HH", height, width) + jpeg[sof + 9 :]


def zip_archive(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def gif_javascript_polyglot() -> bytes:
    """A GIF that is also JavaScript: width bytes read `/*`, a comment block closes it."""
    image = Image.new("P", (0x2A2F, 1))  # little-endian 0x2F 0x2A is "/*"
    return encode(image, "GIF", comment=b"*/=alert(document.domain);/*")


def pdf(pages: int = 1) -> bytes:
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_with(change: str) -> bytes:
    """A one-page PDF with active content: "javascript", "attachment" or "password"."""
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=200, height=200)
    if change == "javascript":
        action = {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert(1)"),
        }
        writer.add_open_action(DictionaryObject(action))  # type: ignore[arg-type]
    elif change == "attachment":
        writer.add_attachment("payload.exe", b"MZ\x90\x00")
    elif change == "password":
        writer.encrypt(user_password="secret", owner_password="owner")
    elif change == "permissions":
        writer.encrypt(user_password="", owner_password="owner")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def raw_pdf(*objects: bytes) -> bytes:
    """A PDF written by hand (to place names pypdf would not write), with a correct xref."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def pdf_with_escaped_launch() -> bytes:
    """`/Launch` written as `/L#61unch`: invisible to a naive byte scan."""
    return raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        b"<< /S /L#61unch /F (cmd.exe) >>",
    )


def wav(seconds: float = 1.0, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        tone = np.sin(np.linspace(0, 440 * 2 * np.pi * seconds, int(rate * seconds)))
        out.writeframes((tone * 8000).astype("<i2").tobytes())
    return buffer.getvalue()


def video(
    container: str = "mp4",
    codec: str = "h264",
    *,
    size: int = 32,
    frames: int = 10,
    audio: bool = False,
    video_track: bool = True,
    metadata: dict[str, str] | None = None,
) -> bytes:
    """A tiny recording encoded with PyAV from numpy frames (and optionally a silent track)."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container) as out:
        out.metadata.update(metadata or {})
        # Every stream must exist before the first packet is muxed (the header is written then).
        picture = _picture_stream(out, codec, size) if video_track else None
        sound = (
            out.add_stream("opus" if container == "webm" else "aac", rate=48000) if audio else None
        )
        if picture is not None:
            for index in range(frames):
                pixels = np.full((size, size, 3), index * 20 % 256, dtype=np.uint8)
                out.mux(picture.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")))
            out.mux(picture.encode(None))
        if sound is not None:
            _silence(out, sound)
    return buffer.getvalue()


def _picture_stream(out: Any, codec: str, size: int) -> Any:
    stream = out.add_stream(codec, rate=10)
    stream.width = stream.height = size
    stream.pix_fmt = "yuvj420p" if codec == "mjpeg" else "yuv420p"
    return stream


def _silence(out: Any, stream: Any) -> None:
    samples = np.zeros((1, 48000), dtype=np.float32)
    frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
    frame.sample_rate = 48000
    out.mux(stream.encode(frame))
    out.mux(stream.encode(None))


def audio(container: str, codec: str, *, rate: int = 48000, samples: str = "fltp") -> bytes:
    """One second of silence in the given container and codec."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container) as out:
        stream: Any = out.add_stream(codec, rate=rate)
        dtype = np.float32 if samples == "fltp" else np.int16
        frame = av.AudioFrame.from_ndarray(
            np.zeros((1, rate), dtype=dtype), format=samples, layout="mono"
        )
        frame.sample_rate = rate
        out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return buffer.getvalue()


def mp3_with_cover_art() -> bytes:
    """An MP3 whose ID3 tag holds a picture: FFmpeg shows it as an "attached picture" stream."""
    from av.stream import Disposition

    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp3") as out:
        sound: Any = out.add_stream("libmp3lame", rate=44100)
        cover: Any = out.add_stream("mjpeg")
        cover.width = cover.height = 16
        cover.pix_fmt = "yuvj420p"
        cover.disposition = Disposition.attached_pic
        picture = av.VideoFrame.from_ndarray(np.zeros((16, 16, 3), np.uint8), format="rgb24")
        out.mux(cover.encode(picture))
        out.mux(cover.encode(None))
        frame = av.AudioFrame.from_ndarray(
            np.zeros((1, 44100), dtype=np.float32), format="fltp", layout="mono"
        )
        frame.sample_rate = 44100
        out.mux(sound.encode(frame))
        out.mux(sound.encode(None))
    return buffer.getvalue()
