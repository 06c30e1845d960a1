"""Every vault test gets its own data folder, so keys made here never touch ./var."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("JUBAO_DATA_DIR", str(folder))
    monkeypatch.delenv("JUBAO_VAULT_KEK", raising=False)
    monkeypatch.delenv("JUBAO_BLIND_INDEX_KEY", raising=False)
    return folder
