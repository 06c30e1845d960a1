"""Keys of the platform API: the platforms' public keys and this instance's own signing key.

A platform registers one or more Ed25519 public keys; several may be valid at once so that a
platform can rotate without downtime. This instance signs its webhooks with its own Ed25519 key,
an independent random secret from `jubao.conf.key_material`, whose public half is published.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import os
import re

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jubao.accounts.models import Platform
from jubao.conf import key_material
from jubao.errors import DomainError
from jubao.ledger.services import ledger_append, obj_ref
from jubao.platforms.models import PlatformKey

SIGNING_KEY_NAME = "platforms_signing"
SIGNING_KEY_ENV = "JUBAO_PLATFORM_SIGNING_KEY"
_KEY_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")


def public_key_raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def parse_public_key(text: str) -> Ed25519PublicKey:
    """An Ed25519 public key from a PEM block or from its raw 32 bytes in base64."""
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(text.encode("ascii"))
        else:
            key = Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except (ValueError, binascii.Error):
        key = None
    if not isinstance(key, Ed25519PublicKey):
        raise DomainError(
            _("This is not an Ed25519 public key."), code="invalid_key", field="public_key"
        )
    return key


@transaction.atomic
def platform_key_add(
    *, actor: str, platform: Platform, key_id: str, public_key: str
) -> PlatformKey:
    """Register a platform's public key (PEM, or raw 32 bytes in base64) under its key id."""
    if not _KEY_ID.match(key_id):
        raise DomainError(
            _("A key id is 1 to 100 letters, digits or . _ : -"), code="invalid", field="key_id"
        )
    if PlatformKey.objects.filter(key_id=key_id).exists():
        raise DomainError(_("This key id is already in use."), code="duplicate", field="key_id")
    raw = public_key_raw(parse_public_key(public_key))
    key = PlatformKey.objects.create(
        platform=platform, key_id=key_id, public_key=base64.b64encode(raw).decode("ascii")
    )
    ledger_append(actor=actor, action="platform_key.add", ref=obj_ref(key))
    return key


@transaction.atomic
def platform_key_revoke(*, actor: str, key: PlatformKey) -> PlatformKey:
    """Refuse every later request signed with this key; the row stays for the record."""
    key = PlatformKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        ledger_append(actor=actor, action="platform_key.revoke", ref=obj_ref(key))
    return key


@functools.cache
def _signing_key(data_dir: str | None, env_value: str | None) -> Ed25519PrivateKey:
    seed = key_material(SIGNING_KEY_NAME, nbytes=32, env=SIGNING_KEY_ENV)
    # An Ed25519 private key is a 32-byte seed; a longer secret is hashed down to one.
    if len(seed) != 32:
        seed = hashlib.sha256(seed).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def signing_key() -> Ed25519PrivateKey:
    # Cached per data folder and variable: both can change between tests.
    return _signing_key(os.environ.get("JUBAO_DATA_DIR"), os.environ.get(SIGNING_KEY_ENV))


def signing_key_id() -> str:
    """The key id of our signing key: "jubao-" and 16 hex of the public key's SHA-256."""
    raw = public_key_raw(signing_key().public_key())
    return "jubao-" + hashlib.sha256(raw).hexdigest()[:16]


def published_keys() -> list[dict[str, str]]:
    """Our public keys as a platform fetches them to verify our webhooks."""
    public = signing_key().public_key()
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return [
        {
            "keyid": signing_key_id(),
            "alg": "ed25519",
            "public_key": base64.b64encode(public_key_raw(public)).decode("ascii"),
            "pem": pem.decode("ascii"),
        }
    ]
