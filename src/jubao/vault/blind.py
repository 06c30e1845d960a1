"""Keyed blind indexes: equality search over values that are not stored in clear.

`blind_index(purpose=..., value=...)` is HMAC-SHA256, with its own random key (never derived
from another key), over the purpose and a normalised value. Equal inputs give equal indexes, so
a column of indexes can be searched for a target URL or a hashed subject id without keeping the
value readable.

Limits: an index leaks equality and frequency (who else has the same value, how common it is),
and anyone holding the key can test guesses. So use it only for fields that truly need exact
match, and never for the reporter's identity (name, phone, e-mail, ID number): purposes that
mention the reporter are refused.
"""

from __future__ import annotations

import functools
import hmac
import os
import re
import unicodedata

from jubao.conf import key_material

KEY_NAME = "blind_index"
KEY_ENV = "JUBAO_BLIND_INDEX_KEY"
_PURPOSE = re.compile(r"^[a-z][a-z0-9_.]{0,62}$")
_SPACES = re.compile(r"\s+")


@functools.cache
def _key(token: tuple[str | None, str | None]) -> bytes:
    return key_material(KEY_NAME, nbytes=32, env=KEY_ENV)


def normalise(value: str) -> str:
    """NFKC (full-width to half-width), trimmed, inner whitespace collapsed, case-folded.

    Domain-specific canonical forms (a URL's scheme and host, a phone's country code) are the
    caller's job, done before calling `blind_index`.
    """
    text = unicodedata.normalize("NFKC", value)
    return _SPACES.sub(" ", text).strip().casefold()


def blind_index(*, purpose: str, value: str) -> str:
    """Hex HMAC-SHA256 of (purpose, normalised value); the same purpose and value, the same index.

    Different purposes give unrelated indexes for the same value, so two columns cannot be
    joined on their indexes.
    """
    if not _PURPOSE.match(purpose):
        raise ValueError("blind index purpose must be a short lower-case identifier")
    if "reporter" in purpose:
        raise ValueError("blind indexes must never be used for the reporter's identity")
    key = _key((os.environ.get("JUBAO_DATA_DIR"), os.environ.get(KEY_ENV)))
    message = b"jubao.blind/v1\x00" + purpose.encode("ascii") + b"\x00"
    message += normalise(value).encode("utf-8")
    return hmac.new(key, message, "sha256").hexdigest()
