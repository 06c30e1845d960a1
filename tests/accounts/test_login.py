"""Sign-in: password, TOTP second factor for staff, throttling per account and per address."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from jubao.accounts.models import User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_staff_must_enrol_an_authenticator_before_the_workbench(client: Client, clerk: User):
    response = client.post("/accounts/login/", {"username": "clerk", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/second-factor/"
    assert client.get("/workbench/")["Location"] == "/accounts/second-factor/"

    page = client.get("/accounts/second-factor/")
    assert page.status_code == 200
    assert b"data:image/svg+xml" in page.content  # the QR code to enrol
    device = TOTPDevice.objects.get(user=clerk)
    assert not device.confirmed

    response = client.post("/accounts/second-factor/", {"token": _current_code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/workbench/").status_code == 200


def test_it_refuses_a_wrong_code(client: Client, clerk: User):
    device = TOTPDevice.objects.create(user=clerk, name="phone", confirmed=True)
    client.post("/accounts/login/", {"username": "clerk", "password": PASSWORD})
    wrong = f"{(int(_current_code(device)) + 1) % 1_000_000:06d}"
    response = client.post("/accounts/second-factor/", {"token": wrong}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "wrong or has expired" in response.content.decode()
    assert client.get("/workbench/").status_code == 302


def test_citizens_need_no_second_factor_and_cannot_open_the_workbench(client, citizen):
    response = client.post("/accounts/login/", {"username": "citizen", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/workbench/").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client: Client):
    response = client.get("/workbench/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_failed_logins_lock_the_account_even_from_other_addresses(client: Client, clerk: User):
    for i in range(5):
        client.post(
            "/accounts/login/",
            {"username": "clerk", "password": "wrong"},
            REMOTE_ADDR=f"10.0.0.{i}",
        )
    response = client.post(
        "/accounts/login/",
        {"username": "clerk", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.99",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()


def test_failed_logins_lock_the_address_across_accounts(client, make_user):
    for name in ["u1", "u2", "u3", "u4", "u5"]:
        make_user(name)
        client.post(
            "/accounts/login/", {"username": name, "password": "wrong"}, REMOTE_ADDR="10.1.1.1"
        )
    make_user("u6")
    response = client.post(
        "/accounts/login/", {"username": "u6", "password": PASSWORD}, REMOTE_ADDR="10.1.1.1"
    )
    assert response.status_code == 429
    other = Client().post(
        "/accounts/login/", {"username": "u6", "password": PASSWORD}, REMOTE_ADDR="10.2.2.2"
    )
    assert other.status_code == 302


def test_signing_in_is_recorded_in_the_ledger(client: Client, clerk: User):
    from jubao.ledger.models import LedgerEntry

    client.post("/accounts/login/", {"username": "clerk", "password": PASSWORD})
    assert LedgerEntry.objects.filter(
        action="session.login", ref=f"accounts.user:{clerk.pk}"
    ).exists()
