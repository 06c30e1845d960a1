"""Evidence files at rest: each file encrypted with its own key, the key sealed by the vault.

A file never lies on disk in clear. Its key is sealed under (`intake.evidence`, vault_ref,
`file_key`), and each stored variant (the original, the staff copy) is AES-GCM encrypted with
associated data naming the evidence and the variant, so files cannot be swapped unnoticed.
"""

from __future__ import annotations

import base64
import os
import uuid
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from jubao.vault.services import vault_open, vault_purge, vault_seal

TABLE = "intake.evidence"
NONCE_BYTES = 12


def _folder() -> Path:
    path = Path(settings.MEDIA_ROOT) / "evidence"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _path(ref: uuid.UUID, variant: str) -> Path:
    return _folder() / f"{ref}.{variant}"


def _aad(ref: uuid.UUID, variant: str) -> bytes:
    return f"jubao-evidence:{ref}:{variant}".encode()


def _write_durably(path: Path, data: bytes) -> None:
    """Write to a temporary name, fsync, rename, fsync the folder: all or nothing on disk."""
    temporary = path.with_suffix(path.suffix + ".tmp")
    try:
        with open(temporary, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        # A full disk (or any failure) leaves no half-written file behind.
        temporary.unlink(missing_ok=True)
        raise
    os.replace(temporary, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def evidence_store(*, ref: uuid.UUID, variants: dict[str, bytes]) -> None:
    """Encrypt and write each variant ("original", "staff") of one evidence file.

    Call inside the transaction that creates the Evidence row: the sealed key commits with it.
    Files of a transaction that rolls back are left without a key and are unreadable.
    """
    key = AESGCM.generate_key(bit_length=256)
    vault_seal(table=TABLE, row=ref, field="file_key", value=base64.b64encode(key).decode())
    cipher = AESGCM(key)
    for variant, data in variants.items():
        nonce = os.urandom(NONCE_BYTES)
        _write_durably(_path(ref, variant), nonce + cipher.encrypt(nonce, data, _aad(ref, variant)))


def evidence_read(*, ref: uuid.UUID, variant: str) -> bytes:
    """Decrypt one stored variant; raises FileNotFoundError or a decryption error."""
    key = base64.b64decode(vault_open(table=TABLE, row=ref, field="file_key"))
    blob = _path(ref, variant).read_bytes()
    return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _aad(ref, variant))


def evidence_exists(*, ref: uuid.UUID, variant: str) -> bool:
    return _path(ref, variant).exists()


def evidence_shred(*, ref: uuid.UUID) -> None:
    """Destroy the key (making every copy unreadable) and remove the files."""
    vault_purge(table=TABLE, row=ref)
    for path in _folder().glob(f"{ref}.*"):
        path.unlink(missing_ok=True)
