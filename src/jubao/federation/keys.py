"""This instance's federation key, and the registration of peers with theirs.

The key is an Ed25519 key of its own (`keys/federation_signing` in the data folder, random,
created on first use, mode 0600; or `JUBAO_FEDERATION_SIGNING_KEY`), never the platform API's.
Its key id names the office and the key: "jubao-fed-<code>-<16 hex of the public key's hash>".
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import re

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import transaction
from django.utils.translation import gettext as _

from jubao.accounts.models import Office
from jubao.conf import key_material
from jubao.errors import DomainError
from jubao.federation import tree
from jubao.federation.models import Peer
from jubao.ledger.services import ledger_append, obj_ref
from jubao.platforms.keys import parse_public_key, public_key_raw

KEY_NAME = "federation_signing"
KEY_ENV = "JUBAO_FEDERATION_SIGNING_KEY"
_KEY_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")


@functools.cache
def _signing_key(data_dir: str | None, env_value: str | None) -> Ed25519PrivateKey:
    seed = key_material(KEY_NAME, nbytes=32, env=KEY_ENV)
    if len(seed) != 32:  # a longer secret from the environment is hashed down to a seed
        seed = hashlib.sha256(seed).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def signing_key() -> Ed25519PrivateKey:
    # Cached per data folder and variable: both can change between tests.
    return _signing_key(os.environ.get("JUBAO_DATA_DIR"), os.environ.get(KEY_ENV))


def public_key() -> str:
    """Our public key: the raw 32 bytes in base64."""
    return base64.b64encode(public_key_raw(signing_key().public_key())).decode("ascii")


def key_id() -> str:
    raw = public_key_raw(signing_key().public_key())
    return f"jubao-fed-{tree.own_code()}-{hashlib.sha256(raw).hexdigest()[:16]}"


def identity() -> dict[str, str]:
    """What a peer needs to register us: our office code, key id and public key."""
    return {"code": tree.own_code(), "key_id": key_id(), "public_key": public_key()}


def _check_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if not url.startswith(("https://", "http://")):
        raise DomainError(
            _("A peer's address starts with https:// (or http:// on a private network)."),
            code="invalid",
            field="url",
        )
    return url


@transaction.atomic
def peer_add(
    *, actor: str, code: str, url: str, key_id: str, public_key: str, name: str = ""
) -> Peer:
    """Register a peer instance (or update its address and key): the office it serves, where it
    listens and the Ed25519 public key its messages are signed with."""
    office = Office.objects.filter(code=code).first()
    if office is None:
        raise DomainError(_("No office has this division code."), code="invalid", field="code")
    if code == tree.own_code():
        raise DomainError(_("This is our own office."), code="invalid", field="code")
    if not _KEY_ID.match(key_id):
        raise DomainError(
            _("A key id is 1 to 100 letters, digits or . _ : -"), code="invalid", field="key_id"
        )
    if Peer.objects.filter(key_id=key_id).exclude(code=code).exists():
        raise DomainError(_("This key id is already in use."), code="duplicate", field="key_id")
    raw = public_key_raw(parse_public_key(public_key))
    peer, created = Peer.objects.update_or_create(
        code=code,
        defaults={
            "name": name or office.name_zh,
            "url": _check_url(url),
            "key_id": key_id,
            "public_key": base64.b64encode(raw).decode("ascii"),
            "enabled": True,
        },
    )
    ledger_append(
        actor=actor,
        action="federation.peer_add" if created else "federation.peer_update",
        ref=obj_ref(peer),
        payload={"code": code, "key_id": key_id},
    )
    return peer


@transaction.atomic
def peer_disable(*, actor: str, peer: Peer) -> Peer:
    """Stop sending to and accepting from a peer; its records stay."""
    peer = Peer.objects.select_for_update().get(pk=peer.pk)
    if peer.enabled:
        peer.enabled = False
        peer.save(update_fields=["enabled"])
        ledger_append(actor=actor, action="federation.peer_disable", ref=obj_ref(peer))
    return peer
