"""Shared fixtures: named users for permission tests (a clerk, a reviewer, an approver, ...)."""

from __future__ import annotations

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
