"""Key-encryption keys (KEKs): the provider interface and the local, file-based provider.

A provider holds KEKs outside the database and wraps/unwraps data keys with them. It is chosen
by the setting JUBAO_VAULT_KEY_PROVIDER (a dotted path to a `KeyProvider` subclass), so a KMS
or an HSM can replace the local files without touching the rest of the vault.

`LocalKeyProvider` keeps each KEK in its own file in the data folder, `keys/vault_kek_<n>`, with
key id "local-<n>"; the file `keys/vault_kek_current` names the current key id (absent: local-1).
The current key's material may instead come from the environment variable JUBAO_VAULT_KEK
(base64 of 32 bytes), so that a deployment keeps it out of the data folder; older keys are still
read from their files.
"""

from __future__ import annotations

import functools
import os
import re
from abc import ABC, abstractmethod
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from jubao.conf import data_dir, key_material
from jubao.vault import crypto
from jubao.vault.errors import VaultError

ENV_KEK = "JUBAO_VAULT_KEK"
_LOCAL_ID = re.compile(r"^local-([1-9][0-9]{0,8})$")
_POINTER = "vault_kek_current"


class KeyProvider(ABC):
    """Holds KEKs and wraps data keys. Wrapping must authenticate `aad`.

    The rotation hooks (`key_ids`, `create_key`, `set_current`, `retire`) are optional: a KMS
    that rotates on its own side can leave them unsupported, and `jubao keys rotate` then only
    re-wraps the records that are not yet under `current_key_id()`.
    """

    @abstractmethod
    def current_key_id(self) -> str:
        """The key id new data keys are wrapped under."""

    @abstractmethod
    def wrap(self, key_id: str, dek: bytes, aad: bytes) -> bytes:
        """Encrypt and authenticate a data key under KEK `key_id`."""

    @abstractmethod
    def unwrap(self, key_id: str, wrapped: bytes, aad: bytes) -> bytes:
        """Recover a data key; raise VaultError if the key is unknown or authentication fails."""

    def key_ids(self) -> list[str]:
        return [self.current_key_id()]

    def create_key(self) -> str:
        raise VaultError(_("This key provider cannot create keys."), code="vault_unsupported")

    def set_current(self, key_id: str) -> None:
        raise VaultError(_("This key provider cannot change keys."), code="vault_unsupported")

    def retire(self, key_id: str) -> None:
        raise VaultError(_("This key provider cannot retire keys."), code="vault_unsupported")


def _unknown_key(key_id: str) -> VaultError:
    return VaultError(_("Unknown vault key %(key_id)s.") % {"key_id": key_id}, code="vault_key")


class LocalKeyProvider(KeyProvider):
    """KEKs in files under DATA_DIR/keys (0600), created with `jubao.conf.key_material`."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str | None], bytes] = {}

    @staticmethod
    def _folder() -> Path:
        return data_dir() / "keys"

    @staticmethod
    def _number(key_id: str) -> int:
        match = _LOCAL_ID.match(key_id)
        if not match:
            raise _unknown_key(key_id)
        return int(match.group(1))

    def current_key_id(self) -> str:
        # Read on every call (one small file) so a rotation by another process is seen at once.
        try:
            key_id = (self._folder() / _POINTER).read_text().strip()
        except FileNotFoundError:
            return "local-1"
        self._number(key_id)
        return key_id

    def _material(self, key_id: str) -> bytes:
        name = f"vault_kek_{self._number(key_id)}"
        current = key_id == self.current_key_id()
        env = os.environ.get(ENV_KEK) if current else None
        cache_key = (str(self._folder() / name), env)
        if cache_key not in self._cache:
            # Only the current key may be created on first use; any other missing key is an
            # error, never a silently generated new key.
            if env is None and not current and not (self._folder() / name).exists():
                raise _unknown_key(key_id)
            material = key_material(name, nbytes=32, env=ENV_KEK if current else None)
            if len(material) != 32:
                raise VaultError(_("Vault keys must be 32 bytes long."), code="vault_key")
            self._cache[cache_key] = material
        return self._cache[cache_key]

    def wrap(self, key_id: str, dek: bytes, aad: bytes) -> bytes:
        nonce, sealed = crypto.encrypt(self._material(key_id), dek, aad)
        return nonce + sealed

    def unwrap(self, key_id: str, wrapped: bytes, aad: bytes) -> bytes:
        nonce, sealed = wrapped[: crypto.NONCE_BYTES], wrapped[crypto.NONCE_BYTES :]
        dek = crypto.decrypt(self._material(key_id), nonce, sealed, aad)
        if dek is None:
            raise VaultError(
                _("A protected value failed its integrity check."), code="vault_integrity"
            )
        return dek

    def key_ids(self) -> list[str]:
        numbers = set()
        for path in self._folder().glob("vault_kek_*"):
            suffix = path.name.removeprefix("vault_kek_")
            if suffix.isdigit():
                numbers.add(int(suffix))
        numbers.add(self._number(self.current_key_id()))
        return [f"local-{n}" for n in sorted(numbers)]

    def create_key(self) -> str:
        if os.environ.get(ENV_KEK):
            raise VaultError(
                _("The current vault key comes from %(env)s; rotate it there.") % {"env": ENV_KEK},
                code="vault_unsupported",
            )
        self._material(self.current_key_id())  # make sure the current key exists first
        number = max(self._number(k) for k in self.key_ids()) + 1
        key_material(f"vault_kek_{number}", nbytes=32)
        return f"local-{number}"

    def set_current(self, key_id: str) -> None:
        path = self._folder() / f"vault_kek_{self._number(key_id)}"
        if not path.exists():
            raise _unknown_key(key_id)
        pointer = self._folder() / _POINTER
        temporary = pointer.with_suffix(".tmp")
        with open(temporary, "w") as fh:
            fh.write(key_id + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporary, pointer)  # atomic: readers see the old or the new id, never half

    def retire(self, key_id: str) -> None:
        if key_id == self.current_key_id():
            raise VaultError(_("The current vault key cannot be retired."), code="vault_key")
        path = self._folder() / f"vault_kek_{self._number(key_id)}"
        path.unlink(missing_ok=True)
        self._cache = {k: v for k, v in self._cache.items() if k[0] != str(path)}


@functools.cache
def _provider(dotted_path: str) -> KeyProvider:
    provider = import_string(dotted_path)()
    if not isinstance(provider, KeyProvider):
        raise TypeError(f"{dotted_path} is not a jubao.vault.keys.KeyProvider")
    return provider


def get_provider() -> KeyProvider:
    """The configured key provider (one instance per dotted path)."""
    return _provider(settings.JUBAO_VAULT_KEY_PROVIDER)
