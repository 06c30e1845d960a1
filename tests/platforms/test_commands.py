"""`jubao platforms key-add | key-revoke | endpoint`: how an operator connects a platform."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command

from jubao.ledger.models import LedgerEntry
from jubao.platforms.models import PlatformEndpoint, PlatformKey

from .conftest import raw_public


def test_an_operator_registers_a_key_from_a_pem_file(platform, tmp_path):
    private = Ed25519PrivateKey.generate()
    pem = tmp_path / "xinghe.pub"
    pem.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    call_command("platforms", "key-add", platform.icp_number, "xinghe-1", str(pem))
    key = PlatformKey.objects.get(key_id="xinghe-1")
    assert (key.platform, key.public_key) == (platform, raw_public(private))
    assert LedgerEntry.objects.filter(action="platform_key.add").count() == 1


def test_an_operator_revokes_a_key(platform):
    public = raw_public(Ed25519PrivateKey.generate())
    call_command("platforms", "key-add", platform.icp_number, "xinghe-1", public)
    call_command("platforms", "key-revoke", "xinghe-1")
    assert PlatformKey.objects.get(key_id="xinghe-1").revoked_at is not None
    assert LedgerEntry.objects.filter(action="platform_key.revoke").count() == 1


def test_it_refuses_a_key_that_is_not_ed25519_or_an_id_in_use(platform):
    with pytest.raises(CommandError, match="invalid_key"):
        call_command("platforms", "key-add", platform.icp_number, "xinghe-1", "bm90IGEga2V5")
    public = raw_public(Ed25519PrivateKey.generate())
    call_command("platforms", "key-add", platform.icp_number, "xinghe-1", public)
    with pytest.raises(CommandError, match="duplicate"):
        call_command("platforms", "key-add", platform.icp_number, "xinghe-1", public)


def test_it_refuses_an_unknown_platform(db):
    with pytest.raises(CommandError, match="no platform"):
        call_command("platforms", "endpoint", "浙ICP备99999999号", "https://x.example/hook")


def test_an_operator_sets_and_disables_the_webhook_endpoint(platform):
    call_command("platforms", "endpoint", platform.icp_number, "https://xinghe.example/hooks")
    call_command(
        "platforms", "endpoint", platform.icp_number, "https://xinghe.example/h2", "--disable"
    )
    endpoint = PlatformEndpoint.objects.get(platform=platform)
    assert (endpoint.url, endpoint.enabled) == ("https://xinghe.example/h2", False)


def test_it_refuses_a_webhook_url_without_https(platform):
    with pytest.raises(CommandError, match="invalid"):
        call_command("platforms", "endpoint", platform.icp_number, "http://xinghe.example/h")
