"""Requests from platforms: signed ones are accepted, every kind of forgery is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import RequestFactory
from django.utils import timezone, translation

from jubao.platforms.keys import platform_key_revoke
from jubao.platforms.models import SeenNonce
from jubao.platforms.signatures import SignatureError, nonces_purge, signature_verify

from .conftest import COMPONENTS, PING

pytestmark = [pytest.mark.urls("tests.platforms.urls"), pytest.mark.usefixtures("platform_key")]


def refused(response, code: str) -> None:
    assert response.status_code == 401, response.content
    assert response.json()["code"] == code


def test_a_signed_request_is_accepted_for_its_platform(post_signed, platform):
    response = post_signed()
    assert response.status_code == 200, response.content
    assert response.json()["icp_number"] == platform.icp_number


def test_it_refuses_an_unsigned_request(client):
    refused(
        client.post("/api/v1/platform/ping", data=b"{}", content_type="application/json"),
        "signature_missing",
    )


def test_it_refuses_a_tampered_body(post_signed):
    refused(post_signed(send_body=b'{"hello":"jubaO"}'), "digest_mismatch")


def test_it_refuses_a_body_without_a_signed_content_digest(post_signed):
    components = tuple(c for c in COMPONENTS if c != "content-digest")
    refused(post_signed(components=components), "digest_mismatch")


def test_it_refuses_a_signature_by_another_key(post_signed):
    refused(post_signed(private=Ed25519PrivateKey.generate()), "signature_invalid")


def test_it_refuses_an_unknown_key_id(post_signed):
    refused(post_signed(key_id="someone-else"), "unknown_key")


def test_it_refuses_a_revoked_key(post_signed, platform_key):
    platform_key_revoke(actor="system", key=platform_key)
    refused(post_signed(), "unknown_key")


def test_a_platform_may_hold_two_keys_while_rotating(post_signed, platform):
    from jubao.platforms.keys import platform_key_add

    from .conftest import raw_public

    new = Ed25519PrivateKey.generate()
    platform_key_add(
        actor="system", platform=platform, key_id="xinghe-2026-02", public_key=raw_public(new)
    )
    assert post_signed().status_code == 200
    assert post_signed(private=new, key_id="xinghe-2026-02").status_code == 200


def test_it_refuses_a_signature_older_than_the_maximum_age(post_signed, settings):
    created = timezone.now() - dt.timedelta(
        seconds=settings.JUBAO_PLATFORM_SIGNATURE_MAX_AGE + settings.JUBAO_PLATFORM_CLOCK_SKEW + 5
    )
    refused(post_signed(created=created), "signature_expired")


def test_it_refuses_a_signature_created_in_the_future_beyond_the_clock_skew(post_signed, settings):
    skew = settings.JUBAO_PLATFORM_CLOCK_SKEW
    refused(
        post_signed(created=timezone.now() + dt.timedelta(seconds=skew + 60)), "signature_expired"
    )
    assert post_signed(created=timezone.now() + dt.timedelta(seconds=skew // 2)).status_code == 200


def test_it_refuses_a_replayed_signature(client, private_key):
    from .conftest import sign

    headers = sign(private_key)
    first = client.post(
        "/api/v1/platform/ping",
        data=b'{"hello":"jubao"}',
        content_type="application/json",
        headers=headers,
    )
    assert first.status_code == 200
    again = client.post(
        "/api/v1/platform/ping",
        data=b'{"hello":"jubao"}',
        content_type="application/json",
        headers=headers,
    )
    refused(again, "replayed")


def test_it_refuses_a_signature_that_does_not_cover_the_path(post_signed):
    refused(
        post_signed(components=("@method", "@authority", "content-digest")), "signature_invalid"
    )


def test_it_refuses_a_changed_query(post_signed):
    components = (*COMPONENTS, "@query")
    signed = post_signed(
        url=PING + "?case=1", path="/api/v1/platform/ping?case=2", components=components
    )
    refused(signed, "signature_invalid")
    ok = post_signed(
        url=PING + "?case=1", path="/api/v1/platform/ping?case=1", components=components
    )
    assert ok.status_code == 200


def test_it_refuses_a_query_left_out_of_the_signature(post_signed):
    refused(
        post_signed(url=PING + "?case=1", path="/api/v1/platform/ping?case=1"), "signature_invalid"
    )


def test_expired_nonces_are_purged(post_signed, settings):
    assert post_signed().status_code == 200
    assert nonces_purge() == 0
    later = timezone.now() + dt.timedelta(seconds=settings.JUBAO_PLATFORM_SIGNATURE_MAX_AGE * 2)
    assert nonces_purge(now=later) == 1
    assert not SeenNonce.objects.exists()


def test_refusals_are_translated():
    with translation.override("zh-hans"):
        message = str(SignatureError("replayed").message)
    assert message != "This signature has already been used."


def test_the_path_is_verified_as_the_client_sent_it(private_key):
    """RFC 9421 signs the path before decoding: "%2C" stays "%2C" when the server passes the raw
    request target on (gunicorn's RAW_URI), even though Django decodes it to ","."""
    from .conftest import sign

    raw_path = "/api/v1/platform/ping%2Cx"
    body = b'{"hello":"jubao"}'
    headers = sign(private_key, url="http://testserver" + raw_path, body=body)
    request = RequestFactory().post(
        "/api/v1/platform/ping,x",
        data=body,
        content_type="application/json",
        headers=headers,
        RAW_URI=raw_path,
    )
    assert signature_verify(request).pk is not None
    request = RequestFactory().post(
        "/api/v1/platform/ping,x", data=body, content_type="application/json", headers=headers
    )
    with pytest.raises(SignatureError):
        signature_verify(request)
