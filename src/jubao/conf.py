"""Typed access to environment variables and to the local data folder.

Settings read every variable through these helpers so that a bad value stops the process at
start-up with the variable's name, instead of failing later. Every variable is documented in
docs/configuration.md.
"""

from __future__ import annotations

import base64
import functools
import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_float(name: str, default: float, *, minimum: float | None = None) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [part.strip() for part in raw.split(",") if part.strip()]


def data_dir() -> Path:
    """The folder that holds the embedded database, the keys and the uploaded files."""
    return _data_dir(env_str("JUBAO_DATA_DIR", "var"), os.getcwd())


@functools.cache
def _data_dir(configured: str, cwd: str) -> Path:
    # Cached per (setting, working folder): called on every request, and a resolve plus mkdir
    # each time shows in profiles.
    path = (Path(cwd) / configured).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def key_material(name: str, *, nbytes: int = 32, env: str | None = None) -> bytes:
    """Return a secret: from the environment (base64) if set, else from a key file.

    The key file is created on first use with random bytes, mode 0600, atomically (O_EXCL), so
    two processes starting together agree on one key. Each key is random on its own: no key is
    derived from another, so rotating one never makes data under another unreadable.
    """
    if env and os.environ.get(env):
        return _key_from_env(env, os.environ[env])
    return _key_from_file(data_dir(), name, nbytes)


@functools.cache
def _key_from_env(env: str, encoded: str) -> bytes:
    try:
        value = base64.b64decode(encoded, validate=True)
    except ValueError:
        raise ImproperlyConfigured(f"{env} must be base64") from None
    if len(value) < 16:
        raise ImproperlyConfigured(f"{env} must hold at least 16 bytes")
    return value


@functools.cache
def _key_from_file(folder: Path, name: str, nbytes: int) -> bytes:
    # Cached per data folder: a key file never changes once written (rotation writes new names).
    keys = folder / "keys"
    keys.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = keys / name
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(base64.b64encode(secrets.token_bytes(nbytes)) + b"\n")
                fh.flush()
                os.fsync(fh.fileno())
    raw = path.read_bytes().strip()
    if not raw:
        raise ImproperlyConfigured(f"key file {path} is empty")
    return base64.b64decode(raw)
