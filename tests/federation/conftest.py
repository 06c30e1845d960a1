"""Federation fixtures: this instance as the Zhejiang office, peers with keys we hold, and a
signer that signs messages as a peer does."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import Client
from django.utils import timezone
from http_message_signatures.structures import CaseInsensitiveDict

from jubao.accounts.models import Office, Platform, Role
from jubao.accounts.services import platform_create
from jubao.federation import keys, tree
from jubao.federation.models import Peer
from jubao.platforms.keys import public_key_raw
from jubao.platforms.signatures import SignedMessage, message_sign

HERE = "330000"
INBOX = "http://testserver/federation/inbox"
COMPONENTS = (
    "@method",
    "@authority",
    "@path",
    "content-type",
    "content-digest",
    "jubao-message-id",
)


@pytest.fixture(autouse=True)
def _here(settings, easy_pow_and_no_rate_limits):
    settings.JUBAO_OFFICE_CODE = HERE


@dataclass
class FakePeer:
    """A peer instance as the test plays it: its row here and the private key it signs with."""

    peer: Peer
    private: Ed25519PrivateKey

    def envelope(self, kind: str, body: dict[str, Any], **over: Any) -> dict[str, Any]:
        data = {
            "id": str(uuid.uuid4()),
            "kind": kind,
            "sender": self.peer.code,
            "recipient": tree.own_code(),
            "created": timezone.now().isoformat(),
            "body": body,
        }
        return {**data, **over}

    def sign(self, body: bytes, message_id: str) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Jubao-Message-Id": message_id}
        message = SignedMessage("POST", INBOX, CaseInsensitiveDict(headers))
        message_sign(
            message,
            body,
            key=self.private,
            key_id=self.peer.key_id,
            components=COMPONENTS,
            lifetime=300,
        )
        return dict(message.headers.items())


def encode(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def post(client: Client, body: bytes, headers: dict[str, str]) -> Any:
    extra = {k: v for k, v in headers.items() if k.lower() != "content-type"}
    return client.post(
        "/federation/inbox", data=body, content_type="application/json", headers=extra
    )


@pytest.fixture
def send(client: Client) -> Callable[..., Any]:
    """Sign and post an envelope as `peer`; returns the response."""

    def go(peer: FakePeer, data: dict[str, Any]) -> Any:
        body = encode(data)
        return post(client, body, peer.sign(body, data["id"]))

    return go


def _fake(code: str, url: str) -> FakePeer:
    private = Ed25519PrivateKey.generate()
    public = base64.b64encode(public_key_raw(private.public_key())).decode()
    peer = keys.peer_add(
        actor="system", code=code, url=url, key_id=f"test-{code}", public_key=public
    )
    return FakePeer(peer, private)


@pytest.fixture
def central(offices: dict[str, Office]) -> FakePeer:
    return _fake("000000", "http://127.0.0.1:9")


@pytest.fixture
def guangdong(offices: dict[str, Office]) -> FakePeer:
    return _fake("440000", "http://127.0.0.1:9")


@pytest.fixture
def south_platform(offices: dict[str, Office]) -> Platform:
    """A platform registered in Guangzhou, which the Guangdong instance serves."""
    return platform_create(
        actor="system",
        name="南粤论坛",
        name_en="Nanyue Forum",
        icp_number="粤ICP备20260002号",
        jurisdiction=offices["440100"],
        domains=["nanyue.example"],
    )


@pytest.fixture
def router(make_user) -> Any:
    return make_user("router", Role.INTAKE)


def transfer_body(case_id: str | None = None, **over: Any) -> dict[str, Any]:
    """A case.transfer body as the Guangdong instance would send one about our platform."""
    body = {
        "case": {
            "id": case_id or str(uuid.uuid4()),
            "reference": "A2611290000AB",
            "item": "personal.doxxing",
            "office": "330106",
            "opened_at": timezone.now().isoformat(),
        },
        "reports": [
            {
                "reference": "R2611290000AB",
                "channel": "web",
                "reporter_role": "victim",
                "for_minor": False,
                "for_elderly": False,
                "for_disabled": False,
                "description": (
                    "有人在论坛上公开了我的家庭住址和手机号[电话号码]，号召大家去我家门口闹事。"
                ),
                "targets": [
                    {
                        "url": "https://xinghe.example/p/777",
                        "platform": "星河社区",
                        "excerpt": "她家就住在[地址]",
                    }
                ],
                "missing_evidence": [],
                "evidence": [],
                "submitted_at": timezone.now().isoformat(),
            }
        ],
        "fingerprints": [],
    }
    body.update(over)
    return body
