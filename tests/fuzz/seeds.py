"""Write the seed corpora under tests/fuzz/corpus/ (run again when the inputs they come from
change): `.venv/bin/python -m tests.fuzz.seeds`.

Catalogue seeds are the bundled catalogue files; upload seeds are built by the upload tests'
builders (valid files and the attack corpus, kept small); signature seeds are requests signed by
the fuzzing platform's fixed key for the fixed clock of the target; scanner seeds are texts with
every kind of personal information in the spellings the scanner documents.
"""

from __future__ import annotations

import base64
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

from tests.fuzz import catalogue_loader, harness, signature_verifier

# Check digits are computed in tests/analysis/test_pii.py from the standards.
PII_TEXTS = {
    "phones": "手机：13812345678，座机(021)62345678，另一个 138 1234 5678 和 +8613912345678",
    "id-cards": "身份证号110101199003071233，孩子的是330106201001010026，老证 110101900307123",
    "bank-card": "银行卡号 6222021234567890123 开户行工商银行，转账到 4111 1111 1111 1111",
    "uscc": "统一社会信用代码：91350100M000100Y43，营业执照见附件",
    "email": "邮箱 Zhang.San+home@example.com.cn 或 ｅｍａｉｌ＠ｅｘａｍｐｌｅ．ｃｏｍ",
    "passport-permit": "护照号码E12345678，港澳通行证C12345678，回乡证H1234567890",
    "plate": "他开的车，车牌浙A12345，新能源粤BD12345，粤B12345D",
    "qq-wechat": "加我QQ：123456789，微信号：wxid_abc123，加V 13812345678",
    "address": "家住浙江省杭州市西湖区文三路100号3幢2单元501室，快来",
    "medical": "他确诊了艾滋病，她患有抑郁症很多年，醫院說他確診癌症",
    "whereabouts": "她昨晚入住了汉庭酒店8012房间，他现在在如家酒店，他坐G1234次高铁去上海",
    "normalisation": "⑩楼 ﬁ 电话１３８ １２３４ ５６７８ 完 — 電話：13812345678‐1",
    "negative-cues": "订单号13812345678，快递单号 6222021234567890123，价格13812345678.50元",
    "mixed-lines": "癌症000000他。\n癌症000000他。\n微信支付很方便\nQQ群123456789",
}

UPLOAD_NAMES = {
    "jpeg-gps.jpg": lambda b: b.jpeg_with_gps(orientation=6),
    "png-text.png": lambda b: b.png_with_text(),
    "animated.gif": lambda b: b.animated("GIF", frames=3),
    "animated.webp": lambda b: b.animated("WEBP", frames=3),
    "gif-javascript.gif": lambda b: b.gif_javascript_polyglot(),
    "png-size-lie.png": lambda b: b.with_png_size(b.encode(b.gradient(16, 16), "PNG"), 9000, 9000),
    "png-zip.png": lambda b: b.encode(b.gradient(16, 16), "PNG") + b.zip_archive({"a.txt": b"a"}),
    "page.pdf": lambda b: b.pdf(),
    "javascript.pdf": lambda b: b.pdf_with("javascript"),
    "attachment.pdf": lambda b: b.pdf_with("attachment"),
    "password.pdf": lambda b: b.pdf_with("password"),
    "launch.pdf": lambda b: b.pdf_with_escaped_launch(),
    "tone.wav": lambda b: b.wav(seconds=0.1),
    "clip.mp4": lambda b: b.video(frames=2, size=16),
    "clip.webm": lambda b: b.video("webm", "vp8", frames=2, size=16),
    "voice.ogg": lambda b: b.audio("ogg", "libopus", rate=48000),
}


def _write(target: str, files: Iterable[tuple[str, bytes]]) -> None:
    folder = harness.CORPUS / target
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name, data in files:
        (folder / name).write_bytes(data)
    print(f"{target}: {len(list(folder.iterdir()))} seeds")


def catalogue_seeds() -> Iterable[tuple[str, bytes]]:
    from jubao.catalogue.loader import DATA_DIR

    for path in sorted(DATA_DIR.glob("*.toml")):
        yield path.name, catalogue_loader.HEADER + path.name.encode() + b"\n" + path.read_bytes()
    yield "extra-file.toml", b'version = "x"\n[[area]]\ncode = "personal"\n'


def upload_seeds() -> Iterable[tuple[str, bytes]]:
    from tests.intake.uploads import builders

    for name, build in UPLOAD_NAMES.items():
        data: bytes = build(builders)
        yield name, f"evidence-{name}".encode() + b"\n" + data
    yield "odd-name.jpg", b"C:\\Users\\x\\photo.jpg.exe\n\xff\xd8\xff\xe0\x00\x10JFIF"


def _request(
    method: str,
    target: str,
    headers: list[tuple[str, str]],
    body: bytes = b"",
    sign: str | None = None,
) -> bytes:
    """A request as text; signed now by the platform's key when `sign` is its directive."""
    if sign is not None:
        signed = signature_verifier.sign(method, target, headers, body, sign)
        assert signed is not None, sign
        headers = signed
    head = "\n".join([f"{method} {target}", *(f"{n}: {v}" for n, v in headers)])
    return head.encode("latin-1") + b"\n\n" + body


def signature_seeds() -> Iterable[tuple[str, bytes]]:
    json_type = [("Content-Type", "application/json")]
    body = b'{"hello":"jubao"}'
    full = "@method @authority @path content-digest"
    yield "signed-post", _request("POST", "/api/v1/platform/ping", json_type, body, f"0 n1 {full}")
    yield (
        "signed-get-query",
        _request(
            "GET",
            "/api/v1/platform/transfers?all=true",
            [],
            sign="-10 n2 @method @authority @path @query",
        ),
    )
    yield (
        "signed-get-no-query-component",
        _request(
            "GET", "/api/v1/platform/transfers?all=true", [], sign="0 n3 @method @authority @path"
        ),
    )
    yield "signed-old", _request("POST", "/p", json_type, body, f"-4000 n4 {full}")
    yield "signed-future", _request("POST", "/p", json_type, body, f"400 n5 {full}")
    yield (
        "signed-body-without-digest",
        _request("POST", "/p", json_type, body, "0 n6 @method @authority @path"),
    )
    yield (
        "sign-directive",
        _request(
            "PUT",
            "/api/v1/platform/transfers/1",
            [*json_type, ("X-Fuzz-Sign", f"0 n7 {full}")],
            body,
        ),
    )
    tampered = _request("POST", "/api/v1/platform/ping", json_type, body, f"0 n8 {full}")
    yield "signed-tampered-body", tampered.replace(b"jubao", b"jubaO")
    yield "unsigned", _request("POST", "/api/v1/platform/ping", json_type, body)
    # Found by the fuzzer: a "created" no date can hold was a server error (now refused).
    yield (
        "crash-created-year-561981",
        _request(
            "GET",
            "/api/v1/platform/transfers?all=true",
            [
                (
                    "Signature-Input",
                    'sig1=("@method" "@authority" "@path" "@query");created=17672255905590;'
                    'keyid="fuzz-platform-key";alg="ed25519";nonce="n2"',
                ),
                ("Signature", "sig1=:" + base64.b64encode(bytes(64)).decode() + ":"),
            ],
        ),
    )
    yield (
        "expires-beyond-the-calendar",
        _request(
            "GET",
            "/api/v1/platform/ping",
            [
                (
                    "Signature-Input",
                    'sig1=("@method" "@authority" "@path");created=1767225600;'
                    'expires=253402300800000;keyid="fuzz-platform-key";alg="ed25519";nonce="n9"',
                ),
                ("Signature", "sig1=:" + base64.b64encode(bytes(64)).decode() + ":"),
            ],
        ),
    )
    yield (
        "garbage-signature",
        _request(
            "GET",
            "/x",
            [
                ("Signature-Input", 'a=("@method");created=99999999999999;keyid="k";nonce="n"'),
                ("Signature", "a=:AAAA:, b=:AAAA:"),
            ],
        ),
    )


def pii_seeds() -> Iterable[tuple[str, bytes]]:
    for name, text in PII_TEXTS.items():
        yield name, text.encode("utf-8")


def main() -> None:
    harness.django_ready(database=True)
    catalogue_loader.setup()
    signature_verifier.prepare()
    makers: dict[str, Callable[[], Iterable[tuple[str, bytes]]]] = {
        catalogue_loader.NAME: catalogue_seeds,
        "pii_scanner": pii_seeds,
        "upload_sanitiser": upload_seeds,
        signature_verifier.NAME: signature_seeds,
    }
    for target, make in makers.items():
        _write(target, make())
    total = sum(p.stat().st_size for p in Path(harness.CORPUS).rglob("*") if p.is_file())
    print(f"{total} bytes in all")


if __name__ == "__main__":
    main()
