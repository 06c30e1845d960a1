"""The signed inbox: a message is applied once; forged, tampered and replayed ones change
nothing."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from jubao.cases.models import Case
from jubao.federation import keys
from jubao.federation.models import Direction, Fingerprint, InMessage, Link
from jubao.intake.models import Report
from jubao.vault.services import vault_open_many

from .conftest import encode, post, transfer_body

pytestmark = pytest.mark.django_db

ANNOUNCE = {
    "cases": [
        {
            "case": "7f1c2a52-1d5e-4a53-9a55-6c1f3c0d2a10",
            "office": "440100",
            "opened": "2026-11-29T08:00:00+08:00",
            "open": True,
            "fingerprints": ["a" * 64, "b" * 64],
        }
    ]
}


def test_a_signed_transfer_opens_one_case_without_the_reporters_contact(send, guangdong, platform):
    data = guangdong.envelope("case.transfer", transfer_body())
    response = send(guangdong, data)
    assert response.status_code == 200, response.content
    receipt = json.loads(response.content)
    assert receipt["message"] == data["id"] and receipt["duplicate"] is False
    case = Case.objects.get(public_id=receipt["result"]["case"])
    assert case.jurisdiction.code == "330106" and case.status == "pending"
    report = Report.objects.get(case=case)
    assert report.channel == "web" and report.reporter_role == "victim"
    contact = vault_open_many(table="intake.report", row=report.vault_ref, fields=("phone",))
    assert contact["phone"] is None
    link = Link.objects.get(direction=Direction.IN, case=case)
    assert link.peer == guangdong.peer and str(link.remote_case) == data["body"]["case"]["id"]
    assert link.settled_at is None and link.due_at > link.sent_at
    # The receipt is signed with our federation key over its digest and the message id.
    assert response.headers["Jubao-Message-Id"] == data["id"]
    assert "jubao=" in response.headers["Signature"]
    assert "content-digest" in response.headers["Signature-Input"]


def test_the_receipt_verifies_with_our_published_key(send, guangdong, client):
    identity = client.get("/federation/identity").json()
    assert identity == keys.identity()
    data = guangdong.envelope("fingerprint.announce", ANNOUNCE)
    response = send(guangdong, data)
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(identity["public_key"]))
    assert isinstance(public, Ed25519PublicKey)
    assert identity["key_id"] in response.headers["Signature-Input"]


def test_the_same_message_again_is_acknowledged_and_not_applied_twice(send, guangdong):
    data = guangdong.envelope("case.transfer", transfer_body())
    first = send(guangdong, data)
    again = send(guangdong, data)  # a retry: new signature, same message
    assert first.status_code == again.status_code == 200
    assert json.loads(again.content)["duplicate"] is True
    assert json.loads(again.content)["result"] == json.loads(first.content)["result"]
    assert Case.objects.count() == 1 and Report.objects.count() == 1
    assert InMessage.objects.count() == 1


def test_a_replayed_request_is_refused(client, guangdong):
    data = guangdong.envelope("fingerprint.announce", ANNOUNCE)
    body = encode(data)
    headers = guangdong.sign(body, data["id"])
    assert post(client, body, headers).status_code == 200
    replay = post(client, body, headers)
    assert replay.status_code == 401 and replay.json()["code"] == "replayed"
    assert InMessage.objects.count() == 1


def test_a_tampered_body_is_refused_and_changes_nothing(client, guangdong):
    data = guangdong.envelope("fingerprint.announce", ANNOUNCE)
    headers = guangdong.sign(encode(data), data["id"])
    forged = json.loads(encode(data))
    forged["body"]["cases"][0]["office"] = "330106"
    response = post(client, encode(forged), headers)
    assert response.status_code == 401 and response.json()["code"] == "digest_mismatch"
    assert not InMessage.objects.exists() and not Fingerprint.objects.exists()


def test_the_same_id_with_other_content_is_refused(send, guangdong):
    data = guangdong.envelope("fingerprint.announce", ANNOUNCE)
    assert send(guangdong, data).status_code == 200
    changed = {**data, "body": {"cases": []}}
    response = send(guangdong, changed)
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert Fingerprint.objects.count() == 2


def test_it_refuses_a_key_it_does_not_know(send, guangdong):
    guangdong.private = Ed25519PrivateKey.generate()
    data = guangdong.envelope("fingerprint.announce", ANNOUNCE)
    assert send(guangdong, data).json()["code"] == "signature_invalid"
    guangdong.peer.key_id = "someone-else"
    response = send(guangdong, data)
    assert response.status_code == 401 and response.json()["code"] == "unknown_key"


def test_it_refuses_a_disabled_peer(send, guangdong):
    keys.peer_disable(actor="system", peer=guangdong.peer)
    response = send(guangdong, guangdong.envelope("fingerprint.announce", ANNOUNCE))
    assert response.status_code == 401 and response.json()["code"] == "unknown_key"


@pytest.mark.parametrize(
    "override",
    [{"recipient": "440000"}, {"sender": "000000"}, {"kind": "case.delete"}, {"body": []}],
)
def test_it_refuses_an_envelope_that_is_not_for_us(send, guangdong, override):
    data = {**guangdong.envelope("fingerprint.announce", ANNOUNCE), **override}
    response = send(guangdong, data)
    assert response.status_code == 400 and response.json()["code"] == "malformed"
    assert not InMessage.objects.exists()


def test_an_unsigned_message_is_refused(client):
    response = client.post("/federation/inbox", data=b"{}", content_type="application/json")
    assert response.status_code == 401 and response.json()["code"] == "signature_missing"


def test_a_bad_body_rolls_back_the_inbox_row(send, guangdong):
    body = transfer_body()
    body["reports"][0]["reporter_role"] = "nobody"
    response = send(guangdong, guangdong.envelope("case.transfer", body))
    assert response.status_code == 400
    assert not InMessage.objects.exists() and not Case.objects.exists()


def test_announced_fingerprints_replace_what_was_known(send, guangdong):
    send(guangdong, guangdong.envelope("fingerprint.announce", ANNOUNCE))
    assert set(Fingerprint.objects.values_list("value", flat=True)) == {"a" * 64, "b" * 64}
    closed = {"cases": [{**ANNOUNCE["cases"][0], "open": False, "fingerprints": []}]}
    send(guangdong, guangdong.envelope("fingerprint.announce", closed))
    assert not Fingerprint.objects.exists()


def test_only_an_instance_below_may_roll_figures_up(send, guangdong):
    body = {"sent": "2026-11-29T08:00:00+08:00", "days": {"2026-11-28": {"received": 3}}}
    response = send(guangdong, guangdong.envelope("figures.rollup", body))
    assert response.status_code == 400
