"""Keys of the ledger: the Ed25519 checkpoint signing key and the per-entry seal key.

Both are independent random secrets from `jubao.conf.key_material` (files in the data folder,
or base64 environment variables), never derived from SECRET_KEY or from each other. The public
half of the signing key can be exported (`jubao ledger pubkey`) so that an auditor can check
checkpoints without access to the server's secrets.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from jubao.conf import key_material

SIGNING_KEY_NAME = "ledger_signing"
SIGNING_KEY_ENV = "JUBAO_LEDGER_SIGNING_KEY"
SEAL_KEY_NAME = "ledger_entry_seal"
SEAL_KEY_ENV = "JUBAO_LEDGER_SEAL_KEY"
CHECKPOINT_DOMAIN = b"jubao-ledger-checkpoint/v1\n"


def _cache_token() -> tuple[str | None, ...]:
    # Keys live in the data folder or the environment; both can change between tests.
    return (
        os.environ.get("JUBAO_DATA_DIR"),
        os.environ.get(SIGNING_KEY_ENV),
        os.environ.get(SEAL_KEY_ENV),
    )


@functools.cache
def _signing_key(token: tuple[str | None, ...]) -> Ed25519PrivateKey:
    seed = key_material(SIGNING_KEY_NAME, nbytes=32, env=SIGNING_KEY_ENV)
    # An Ed25519 private key is a 32-byte seed; a longer secret is hashed down to one.
    if len(seed) != 32:
        seed = hashlib.sha256(seed).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


@functools.cache
def _seal_key(token: tuple[str | None, ...]) -> bytes:
    return key_material(SEAL_KEY_NAME, nbytes=32, env=SEAL_KEY_ENV)


def signing_key() -> Ed25519PrivateKey:
    return _signing_key(_cache_token())


def public_key() -> Ed25519PublicKey:
    return signing_key().public_key()


def key_id_of(public: Ed25519PublicKey) -> str:
    """A short, stable name for a public key: "ed25519:" and 16 hex of its SHA-256."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519:" + hashlib.sha256(raw).hexdigest()[:16]


def public_key_pem(public: Ed25519PublicKey | None = None) -> str:
    key = public or public_key()
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode("ascii")


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def checkpoint_message(*, tree_size: int, root_hash: str, time: str, key_id: str) -> bytes:
    """The exact bytes a checkpoint signature covers (a small, line-based signed note)."""
    body = f"{tree_size}\n{root_hash}\n{time}\n{key_id}\n"
    return CHECKPOINT_DOMAIN + body.encode("ascii")


def sign(message: bytes) -> str:
    return signing_key().sign(message).hex()


def verify_signature(public: Ed25519PublicKey, message: bytes, signature_hex: str) -> bool:
    try:
        public.verify(bytes.fromhex(signature_hex), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def entry_seal(leaf_hash_hex: str) -> str:
    """HMAC-SHA256 of a leaf hash with the seal key: someone with only the DB cannot forge it."""
    return hmac.new(_seal_key(_cache_token()), leaf_hash_hex.encode("ascii"), "sha256").hexdigest()


def seal_matches(leaf_hash_hex: str, seal: str) -> bool:
    return hmac.compare_digest(entry_seal(leaf_hash_hex), seal)
