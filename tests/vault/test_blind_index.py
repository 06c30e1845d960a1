"""Blind indexes: stable, keyed, purpose-separated, normalised; never for the reporter."""

from __future__ import annotations

import base64

import pytest

from jubao.vault.blind import blind_index

URL = "https://weibo.example/u/123"


def test_stable_and_normalised() -> None:
    first = blind_index(purpose="target_url", value=URL)
    assert first == blind_index(purpose="target_url", value=URL)
    assert len(first) == 64 and URL not in first
    # Full-width characters, case and surrounding spaces do not change the index.
    assert blind_index(purpose="target_url", value="  ＨＴＴＰＳ://WEIBO.example/u/123 ") == first
    assert blind_index(purpose="target_url", value=URL + "4") != first


def test_purpose_separated() -> None:
    assert blind_index(purpose="target_url", value=URL) != blind_index(
        purpose="subject_id", value=URL
    )


def test_keyed(monkeypatch: pytest.MonkeyPatch) -> None:
    default = blind_index(purpose="target_url", value=URL)
    monkeypatch.setenv("JUBAO_BLIND_INDEX_KEY", base64.b64encode(b"a" * 32).decode())
    with_a = blind_index(purpose="target_url", value=URL)
    monkeypatch.setenv("JUBAO_BLIND_INDEX_KEY", base64.b64encode(b"b" * 32).decode())
    with_b = blind_index(purpose="target_url", value=URL)
    assert len({default, with_a, with_b}) == 3
    monkeypatch.setenv("JUBAO_BLIND_INDEX_KEY", base64.b64encode(b"a" * 32).decode())
    assert blind_index(purpose="target_url", value=URL) == with_a


@pytest.mark.parametrize("purpose", ["reporter_phone", "Target", "", "a b"])
def test_bad_purposes_are_refused(purpose: str) -> None:
    with pytest.raises(ValueError):
        blind_index(purpose=purpose, value="x")
