"""The vault's error: a sealed value that cannot be found, unwrapped or authenticated."""

from __future__ import annotations

from jubao.errors import DomainError


class VaultError(DomainError):
    """A sealed value is missing, its key is unknown, or it fails authentication.

    Authentication fails when the ciphertext, the wrapped data key or the key id was altered,
    or when a sealed value was copied to another table, row or field. It is a server-side
    fault, never the user's, hence status 500. Codes: "vault_missing", "vault_key",
    "vault_integrity", "vault_unsupported".
    """

    status = 500
