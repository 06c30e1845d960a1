"""The hash platforms send to ask whether an account or a subject is blacklisted.

The blacklist's own keys are keyed with secrets that never leave this server, so a platform could
not compute them. Checks therefore use a separate *check key*, given to signed platforms by
`GET /api/v1/platform/blacklist/key`: the check hash of a value is

    HMAC-SHA256(check key, "jubao.blacklist/v1" 0x00 kind 0x00 value)   (hex)

where kind is "account" (value: the account id on the asking platform, spaces around it removed)
or "subject" (value: the ID number or unified social credit code, upper case). An entry stores the
check hash computed when it was made; for a subject that is at the judgement, the only time the
number is seen. Knowing the check key lets a platform ask about any value it already holds, one
rate-limited, ledgered question at a time; it reveals nothing about who is on the list.
"""

from __future__ import annotations

import hmac

from jubao.conf import key_material

VERSION = "v1"
_PREFIX = b"jubao.blacklist/" + VERSION.encode() + b"\x00"
KINDS = ("account", "subject")


def check_key() -> bytes:
    return key_material("blacklist-check", env="JUBAO_BLACKLIST_CHECK_KEY")


def normalise(kind: str, value: str) -> str:
    value = value.strip()
    if kind == "subject":
        return value.upper()
    return value.removeprefix("@") if kind == "account" else value


def check_hash(kind: str, value: str, *, key: bytes | None = None) -> str:
    """The check hash of `value` (see the module docstring); `key` defaults to the check key."""
    if kind not in KINDS:
        raise ValueError(f"unknown blacklist kind {kind!r}")
    message = _PREFIX + kind.encode() + b"\x00" + normalise(kind, value).encode("utf-8")
    return hmac.new(key or check_key(), message, "sha256").hexdigest()
