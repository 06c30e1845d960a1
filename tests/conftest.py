"""Shared fixtures: named users for permission tests (a clerk, a reviewer, an approver, ...)."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable

import pytest
from django.test import Client

from jubao.accounts.models import Office, Platform, Role, User
from jubao.accounts.services import offices_load, platform_create, user_create

PASSWORD = "correct horse battery staple 42"


@pytest.fixture
def offices(db: None) -> dict[str, Office]:
    offices_load(actor="system")
    return {office.code: office for office in Office.objects.all()}


@pytest.fixture
def platform(offices: dict[str, Office]) -> Platform:
    return platform_create(
        actor="system",
        name="星河社区",
        name_en="Xinghe Community",
        icp_number="浙ICP备20260001号",
        jurisdiction=offices["330106"],
    )


@pytest.fixture
def make_user(offices: dict[str, Office]) -> Callable[..., User]:
    def make(
        username: str,
        role: str | None = None,
        *,
        level: int = 0,
        office: str | None = "330000",
        platform: Platform | None = None,
    ) -> User:
        roles = {role: level} if role else {}
        return user_create(
            actor="system",
            username=username,
            password=PASSWORD,
            office=offices[office] if office else None,
            platform=platform,
            roles=roles,
        )

    return make


@pytest.fixture
def clerk(make_user: Callable[..., User]) -> User:
    return make_user("clerk", Role.INTAKE)


@pytest.fixture
def auditor(make_user: Callable[..., User]) -> User:
    return make_user("auditor", Role.AUDITOR)


@pytest.fixture
def citizen(make_user: Callable[..., User]) -> User:
    return make_user("citizen", Role.CITIZEN, office=None)


@pytest.fixture
def verified_client(client: Client) -> Callable[[User], Client]:
    """Sign a user in with password and a confirmed authenticator, as the browser would."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    def sign_in(user: User) -> Client:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        response = client.post(
            "/accounts/login/", {"username": user.username, "password": PASSWORD}
        )
        assert response.status_code == 302, response.content
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        response = client.post("/accounts/second-factor/", {"token": f"{code:06d}"})
        assert response.status_code == 302, response.content
        return client

    return sign_in


@pytest.fixture
def staff_client() -> Callable[[User], Client]:
    """A client of its own per user, signed in with password and a confirmed authenticator."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    def sign_in(user: User) -> Client:
        client = Client()
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", confirmed=True)
        response = client.post(
            "/accounts/login/", {"username": user.username, "password": PASSWORD}
        )
        assert response.status_code == 302, response.content
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        response = client.post("/accounts/second-factor/", {"token": f"{code:06d}"})
        assert response.status_code == 302, response.content
        return client

    return sign_in


# --- intake helpers shared by the intake, cases and browser tests -----------------------------
ITEM = "personal.doxxing"


@pytest.fixture
def easy_pow_and_no_rate_limits(settings):
    settings.JUBAO_POW_MAX_NUMBER = 200
    settings.JUBAO_RATE_SUBMIT_ADDRESS = "1000/m"
    settings.JUBAO_RATE_SUBMIT_IDENTITY = "1000/m"
    settings.JUBAO_RATE_RECEIPT_ADDRESS = "1000/m"


def solve(challenge: dict) -> str:
    """Find the number as a browser would, and encode the payload."""
    for number in range(challenge["maxnumber"] + 1):
        digest = hashlib.sha256(f"{challenge['salt']}{number}".encode()).hexdigest()
        if digest == challenge["challenge"]:
            payload = {k: challenge[k] for k in ("algorithm", "challenge", "salt", "signature")}
            return base64.b64encode(json.dumps({**payload, "number": number}).encode()).decode()
    raise AssertionError("challenge has no solution")


@pytest.fixture
def pow_solution(client: Client) -> Callable[[], str]:
    def make() -> str:
        return solve(client.get("/api/v1/challenge").json())

    return make


@pytest.fixture
def report_body(pow_solution) -> Callable[..., dict]:
    def make(**overrides) -> dict:
        body = {
            "item_code": ITEM,
            "reporter_role": "victim",
            "description": "有人在论坛上公开了我的家庭住址和手机号，号召大家去我家门口闹事。",
            "targets": [
                {
                    "url": "https://xinghe.example/p/12345?utm_source=share",
                    "platform": "星河社区",
                    "excerpt": "她家就住在某小区5栋2单元301",
                }
            ],
            "truthful": True,
            "contact": {"name": "金丝雀张三", "phone": "13912345678", "email": ""},
            "pow": pow_solution(),
        }
        body.update(overrides)
        return body

    return make


@pytest.fixture
def cast(make_user) -> dict:
    """One user per role the workflow knows (and two more reviewers for discussions)."""
    people = {
        "intake": make_user("w_intake", Role.INTAKE),
        "reviewer": make_user("w_reviewer", Role.REVIEWER),
        "disposal": make_user("w_disposal", Role.DISPOSAL),
        "approver": make_user("w_approver", Role.APPROVER, level=3),
        "approver2": make_user("w_approver2", Role.APPROVER, level=3),
        "supervisor": make_user("w_supervisor", Role.SUPERVISOR),
        "member2": make_user("w_member2", Role.REVIEWER),
        "member3": make_user("w_member3", Role.REVIEWER),
    }
    return people
