"""Faults between two instances on loopback: the receiving instance is down during a transfer
and gets it exactly once when it returns; a replayed or tampered message is refused."""

from __future__ import annotations

import base64
import http.client
import json

import pytest

from .instances import PLATFORM_URL, ROUND, file_report, instance, running, shell, state

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

DUE_NOW = """
from django.utils import timezone
from jubao.federation.models import OutMessage
OutMessage.objects.filter(status="pending").update(next_attempt_at=timezone.now())
"""

# The receipt of a delivered message was lost: the sender holds it as not delivered again.
LOST_RECEIPT = """
from django.utils import timezone
from jubao.federation.models import OutMessage
OutMessage.objects.update(status="pending", next_attempt_at=timezone.now(), receipt=None)
"""

# Two messages signed by Zhejiang for Guangdong, as its outbox would send them.
SIGNED = """
import base64, json
from jubao.federation import protocol
from jubao.federation.models import Peer
peer = Peer.objects.get(code="440000")
announce = {"cases": [{"case": "7f1c2a52-1d5e-4a53-9a55-6c1f3c0d2a10", "office": "440100",
                       "opened": "2026-11-29T08:00:00+08:00", "open": True,
                       "fingerprints": ["c" * 64]}]}
def signed():
    data = protocol.envelope(peer=peer, kind="fingerprint.announce", body=announce)
    raw = protocol.encode(data)
    headers = protocol.sign_request(url=peer.url + protocol.INBOX_PATH, message_id=data["id"],
                                    body=raw)
    return {"body": base64.b64encode(raw).decode(), "headers": headers}
print(json.dumps({"replay": signed(), "tamper": signed()}))
"""


def _post(port: int, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/federation/inbox", body=body, headers=headers)
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


def test_a_transfer_to_an_instance_that_is_down_arrives_once_it_returns(tmp_path):
    zhejiang = instance(tmp_path, "zj", "330000")
    guangdong = instance(tmp_path, "gd", "440000")
    with running(zhejiang, guangdong, start=False):
        zhejiang.start()  # Guangdong is down
        receipt = file_report(zhejiang, name="金丝雀赵六", phone="13900003333")
        assert receipt
        down = state(zhejiang, ROUND)
        assert down["cases"][0]["status"] == "transferred"
        assert down["outbox"] == {"pending": 1, "sent": 0, "failed": 0}
        assert down["errors"], down  # the refused connection, kept for the next attempt

        guangdong.start()
        back = state(zhejiang, DUE_NOW + ROUND)
        assert back["outbox"] == {"pending": 0, "sent": 1, "failed": 0}
        assert back["receipts"][0]["duplicate"] is False
        # Sent again (the receipt was lost on the way back): acknowledged, not applied twice.
        again = state(zhejiang, LOST_RECEIPT + ROUND)
        assert again["outbox"] == {"pending": 0, "sent": 1, "failed": 0}
        assert again["receipts"][0]["duplicate"] is True
        assert again["receipts"][0]["result"] == back["receipts"][0]["result"]

        # A message replayed as it was sent, and one whose body was changed, are refused.
        signed = shell(zhejiang, SIGNED)
        replay = signed["replay"]
        body = base64.b64decode(replay["body"])
        assert _post(guangdong.port, body, replay["headers"])[0] == 200
        status, error = _post(guangdong.port, body, replay["headers"])
        assert (status, error["code"]) == (401, "replayed")
        tamper = signed["tamper"]
        forged = base64.b64decode(tamper["body"]).replace(b"440100", b"330106")
        status, error = _post(guangdong.port, forged, tamper["headers"])
        assert (status, error["code"]) == (401, "digest_mismatch")

        gd = state(guangdong, ROUND)  # also: Guangdong indexes and announces its open case
        assert [(c["office"], c["reports"]) for c in gd["cases"]] == [("440100", 1)]
        assert gd["inbox"] == 2  # the transfer once, the announcement once
        assert [x["direction"] for x in gd["links"]] == ["in"]

        # Zhejiang asks Guangdong directly whether it handles the content: it does.
        asked = zhejiang.manage("federation", "query", "--code", "440000", "--url", PLATFORM_URL)
        (match,) = json.loads(asked.stdout.strip().splitlines()[-1])
        assert (match["office"], match["status"]) == ("440100", "pending")
