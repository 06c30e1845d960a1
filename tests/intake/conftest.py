"""Intake fixtures: a solved proof-of-work challenge, a valid report body, test images."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from collections.abc import Callable

import pytest
from django.test import Client
from PIL import Image

ITEM = "personal.doxxing"


@pytest.fixture(autouse=True)
def _easy_pow_and_no_rate_limits(settings):
    settings.JUBAO_POW_MAX_NUMBER = 200
    settings.JUBAO_RATE_SUBMIT_ADDRESS = "1000/m"
    settings.JUBAO_RATE_SUBMIT_IDENTITY = "1000/m"
    settings.JUBAO_RATE_RECEIPT_ADDRESS = "1000/m"


def solve(challenge: dict) -> str:
    """Find the number as a browser would, and encode the payload."""
    for number in range(challenge["maxnumber"] + 1):
        digest = hashlib.sha256(f"{challenge['salt']}{number}".encode()).hexdigest()
        if digest == challenge["challenge"]:
            payload = {k: challenge[k] for k in ("algorithm", "challenge", "salt", "signature")}
            return base64.b64encode(json.dumps({**payload, "number": number}).encode()).decode()
    raise AssertionError("challenge has no solution")


@pytest.fixture
def pow_solution(client: Client) -> Callable[[], str]:
    def make() -> str:
        return solve(client.get("/api/v1/challenge").json())

    return make


@pytest.fixture
def report_body(pow_solution) -> Callable[..., dict]:
    def make(**overrides) -> dict:
        body = {
            "item_code": ITEM,
            "reporter_role": "victim",
            "description": "有人在论坛上公开了我的家庭住址和手机号，号召大家去我家门口闹事。",
            "targets": [
                {
                    "url": "https://xinghe.example/p/12345?utm_source=share",
                    "platform": "星河社区",
                    "excerpt": "她家就住在某小区5栋2单元301",
                }
            ],
            "truthful": True,
            "contact": {"name": "金丝雀张三", "phone": "13912345678", "email": ""},
            "pow": pow_solution(),
        }
        body.update(overrides)
        return body

    return make


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
