"""The embedded default: SQLite durability, generated keys, separate data folders."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from jubao.conf import key_material


@pytest.mark.django_db
def test_sqlite_runs_in_wal_with_full_sync():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite-only setting")
    options = settings.DATABASES["default"]["OPTIONS"]
    assert "journal_mode=WAL" in options["init_command"]
    assert "synchronous=FULL" in options["init_command"]
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == 2  # FULL


def test_keys_are_random_separate_and_stable(tmp_path, monkeypatch):
    monkeypatch.setenv("JUBAO_DATA_DIR", str(tmp_path))
    first = key_material("alpha")
    assert key_material("alpha") == first
    assert key_material("beta") != first
    assert len(first) == 32
    path = tmp_path / "keys" / "alpha"
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_a_key_can_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("JUBAO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("JUBAO_TEST_KEY", base64.b64encode(b"k" * 32).decode())
    assert key_material("gamma", env="JUBAO_TEST_KEY") == b"k" * 32
    assert not (tmp_path / "keys" / "gamma").exists()


def _secret_key(data_dir: Path) -> str:
    env = {
        **os.environ,
        "JUBAO_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "jubao.settings",
    }
    env.pop("DATABASE_URL", None)
    code = (
        "from django.conf import settings; print(settings.SECRET_KEY, settings.DATABASES"
        "['default']['NAME'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def test_two_data_folders_make_two_separate_instances(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    first = _secret_key(one)
    assert first == _secret_key(one)
    second = _secret_key(two)
    assert first.split()[0] != second.split()[0]
    assert str(one) in first and str(two) in second


def test_a_bad_boolean_stops_start_up(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from jubao.conf import env_bool, env_int

    monkeypatch.setenv("JUBAO_X", "maybe")
    with pytest.raises(ImproperlyConfigured, match="JUBAO_X"):
        env_bool("JUBAO_X")
    monkeypatch.setenv("JUBAO_Y", "-3")
    with pytest.raises(ImproperlyConfigured, match="JUBAO_Y"):
        env_int("JUBAO_Y", 1, minimum=0)


def test_numbers_from_the_environment(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from jubao.conf import env_float

    assert env_float("JUBAO_UNSET_FLOAT", 4.0) == 4.0
    monkeypatch.setenv("JUBAO_Z", "0.25")
    assert env_float("JUBAO_Z", 1.0) == 0.25
    monkeypatch.setenv("JUBAO_Z", "a lot")
    with pytest.raises(ImproperlyConfigured, match="JUBAO_Z"):
        env_float("JUBAO_Z", 1.0)
    monkeypatch.setenv("JUBAO_Z", "-1")
    with pytest.raises(ImproperlyConfigured, match="at least"):
        env_float("JUBAO_Z", 1.0, minimum=0.0)
