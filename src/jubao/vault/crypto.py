"""AES-256-GCM primitives of the vault and the associated data that binds a value to its place.

Two layers (envelope encryption):
- the value is encrypted under its own random data key (DEK) with associated data naming the
  table, row and field;
- the DEK is wrapped by a key-encryption key (KEK) with associated data naming the table, row,
  field *and* the KEK's id.
So a ciphertext moved to another row or field, or a record whose key id was changed, fails
authentication; and rotating the KEK only re-wraps DEKs, it never touches the values.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

DEK_BYTES = 32
NONCE_BYTES = 12
_DOMAIN = b"jubao.vault/v1"


def _context(kind: str, *parts: str) -> bytes:
    """Length-prefixed parts, so that ("ab", "c") and ("a", "bc") never collide."""
    out = bytearray(_DOMAIN)
    for part in (kind, *parts):
        data = part.encode("utf-8")
        out += len(data).to_bytes(2, "big") + data
    return bytes(out)


def value_aad(*, table: str, row: str, field: str) -> bytes:
    return _context("value", table, row, field)


def dek_aad(*, table: str, row: str, field: str, key_id: str) -> bytes:
    return _context("dek", table, row, field, key_id)


def new_dek() -> bytes:
    return AESGCM.generate_key(bit_length=8 * DEK_BYTES)


def encrypt(key: bytes, plaintext: bytes, aad: bytes) -> tuple[bytes, bytes]:
    """Return (nonce, ciphertext+tag). A fresh random nonce per call; keys are never reused
    for more than a handful of messages (one DEK per value), far below GCM's limits."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce, AESGCM(key).encrypt(nonce, plaintext, aad)


def decrypt(key: bytes, nonce: bytes, ciphertext: bytes, aad: bytes) -> bytes | None:
    """The plaintext, or None when authentication fails (wrong key, data or place)."""
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, aad)
    except (InvalidTag, ValueError):
        return None
