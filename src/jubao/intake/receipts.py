"""Receipt codes: high-entropy, shown once, stored only as a keyed hash.

A code is 20 characters from a 32-letter alphabet without look-alikes (100 bits), shown in groups
of four. Retried submissions with the same idempotency key get the same code back: it is derived
from the key with a server secret, so nothing but its keyed hash is ever stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from jubao.conf import key_material

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
LENGTH = 20
_SEPARATORS = str.maketrans("", "", " -_\t\n")


def _key(purpose: str) -> bytes:
    return key_material(f"receipt_{purpose}", env=f"JUBAO_RECEIPT_{purpose.upper()}_KEY")


def _encode(raw: bytes) -> str:
    number = int.from_bytes(raw, "big")
    chars = []
    for _ in range(LENGTH):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)


def new_code(*, derive_from: str | None = None) -> str:
    """A fresh receipt code; derived from `derive_from` (an idempotency key hash) if given."""
    if derive_from is None:
        raw = secrets.token_bytes(16)
    else:
        raw = hmac.new(_key("derive"), derive_from.encode(), hashlib.sha256).digest()[:16]
    return _encode(raw)


def normalise(code: str) -> str:
    """Upper-case, without spaces or dashes, with look-alikes mapped (O→0 is not in the set)."""
    return code.translate(_SEPARATORS).upper().replace("O", "0").replace("I", "1")


def is_well_formed(code: str) -> bool:
    value = normalise(code)
    return len(value) == LENGTH and all(c in ALPHABET for c in value)


def code_hash(code: str) -> str:
    """The keyed hash under which a receipt is stored and looked up."""
    return hmac.new(_key("lookup"), normalise(code).encode(), hashlib.sha256).hexdigest()


def display(code: str) -> str:
    """The code in groups of four, as shown to the reporter."""
    value = normalise(code)
    return "-".join(value[i : i + 4] for i in range(0, len(value), 4))
