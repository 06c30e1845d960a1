"""The access-control matrix: every role against every page and API endpoint.

The URL configuration is walked, so a new page or endpoint is covered the day it is added. Each
one must have a rule, and the test fails for one that has none:

- a workbench page carries its policy (`staff_view("...")` sets `jubao_policy`): each role is
  requested and must be let in exactly when the policy allows it (a 403 page otherwise, the
  sign-in page for an anonymous visitor);
- a JSON operation has an authentication class: the platform's signature (unsigned calls get
  401), the staff session (the policy decides), or it is listed as public below with its reason;
- every other page is listed below as public, or as open to one role that the view checks
  itself, with the reason.

Object ids in the URLs do not exist (999999, a random UUID): a role that is let in gets "not
found" or a form error, never 403; this tests the gate, not the objects behind it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from jubao.accounts.models import Role, User
from jubao.accounts.policies import POLICIES
from jubao.enterprises.models import Enterprise
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"

# Pages anyone may open: the portal, the reporting and complaint flows (the receipt or complaint
# code in the session is the key), sign-in, the public catalogue and transparency pages.
PUBLIC = {
    "web:home": "the portal's home page",
    "web:healthz": "liveness probe for load balancers; says only ok",
    "intake:guide": "the reporting guide",
    "intake:area": "a reporting area",
    "intake:report": "the report form (proof of work, rate limits)",
    "intake:done": "the receipt, once, for the session that filed",
    "intake:receipt_download": "the receipt as a file, for the session that filed",
    "intake:receipt": "enter a receipt code",
    "intake:status": "the report of the receipt code held by the session",
    "intake:leave": "forget the receipt in this session",
    "intake:act": "actions of the holder of a receipt code",
    "complaints:procedure": "the published complaint procedure",
    "complaints:file": "the complaint form (proof of work, rate limits)",
    "complaints:done": "the complaint code, once, for the session that filed",
    "complaints:receipt_download": "the complaint code as a file",
    "complaints:inquiry": "enter a complaint code",
    "complaints:status": "the complaint of the code held by the session",
    "complaints:evaluate": "evaluation by the holder of the complaint code",
    "complaints:leave": "forget the complaint in this session",
    "enterprise:register": "enterprise registration",
    "enterprise:guidance": "published guidance for enterprises",
    "enterprise:guidance_detail": "one published guidance piece",
    "transparency:index": "the public figures",
    "transparency:typical_list": "published typical cases",
    "transparency:typical_detail": "one published typical case",
    "transparency:laws": "the laws and regulations library",
    "transparency:law_detail": "one law or regulation",
    "catalogue:guidelines": "the reporting guidelines",
    "catalogue:measures": "the measures of the catalogue",
    "catalogue:referrals": "the referral channels",
    "catalogue:item": "one report item",
    "citizen:signup": "citizen sign-up",
    "citizen:verify": "citizen sign-up: the e-mailed code",
    "citizen:signin": "citizen sign-in",
    "citizen:reports": "a citizen's own reports (the view sends others to sign in)",
    "citizen:follow": "open one's own report (the view checks the report's account)",
    "accounts:login": "sign-in",
    "accounts:logout": "sign-out",
    "accounts:otp": "the second factor of a signed-in user",
    "accounts:security": "the signed-in user's own second-factor status",
    "set_language": "the language switch",
    "platforms:keys": "jubao's public webhook keys, published for platforms",
    "platforms:ping": "a platform checks its signing (verifies the signature itself)",
    "federation:inbox": "messages from peer instances (verifies the signature itself)",
    "federation:identity": "this instance's public federation key, published for peers",
    "api:openapi-json": "the published API description",
    "api:openapi-view": "the API documentation page",
    "api:api-root": "the API's root",
}
# JSON operations without authentication, checked by their own means.
PUBLIC_API = {
    "/api/v1/catalogue": "the public catalogue",
    "/api/v1/catalogue/items/{code}": "one public report item",
    "/api/v1/challenge": "a proof-of-work challenge",
    "/api/v1/reports": "filing a report (proof of work, rate limits, idempotency key)",
    "/api/v1/reports/status": "the holder of a receipt code reads the report",
    "/api/v1/reports/evidence": "the holder of a receipt code adds evidence",
    "/api/v1/reports/messages": "the holder of a receipt code writes to the office",
    "/api/v1/reports/withdraw": "the holder of a receipt code withdraws",
    "/api/v1/reports/evaluation": "the holder of a receipt code evaluates",
}
# JSON operations for the staff session, with the policy each one applies.
STAFF_API = {"/api/v1/cases": "cases.view", "/api/v1/cases/supervision": "cases.supervise"}
# Pages open to one role, checked by the view itself (403 for other signed-in users).
OWN_RULE = {"enterprise:dashboard": {Role.ENTERPRISE}}


@dataclass(frozen=True)
class Route:
    name: str
    path: str
    callback: Callable[..., Any]


def _walk(patterns: list[Any], prefix: str = "", ns: str = "") -> Iterator[Route]:
    for p in patterns:
        if isinstance(p, URLResolver):
            space = f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns)
            yield from _walk(p.url_patterns, prefix + str(p.pattern), space)
        elif isinstance(p, URLPattern):
            name = f"{ns}:{p.name}" if ns and p.name else (p.name or "")
            yield Route(name, prefix + str(p.pattern), p.callback)


def _routes() -> list[Route]:
    return [r for r in _walk(get_resolver().url_patterns) if not r.path.startswith("backoffice/")]


def _concrete(path: str) -> str:
    """A URL for the route with made-up arguments."""
    path = re.sub(r"<int:\w+>", "999999", path)
    path = re.sub(r"<uuid:\w+>", str(uuid.uuid4()), path)
    path = re.sub(r"<(?:slug|str|path):\w+>", "nothing", path)
    path = re.sub(r"<\w+>", str(uuid.uuid4()), path)  # django-ninja's path parameters
    return "/" + path


def _ninja_operations() -> dict[str, list[Any]]:
    """The API's operations per path (/api/v1/..., parameters as {name}), as the URLs hold them:
    django-ninja keeps each path's operations in the view function's closure."""
    from ninja.operation import PathView

    found: dict[str, list[Any]] = {}
    for route in _routes():
        cells = getattr(route.callback, "__closure__", None) or ()
        for cell in cells:
            if isinstance(cell.cell_contents, PathView):
                path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route.path)
                found.setdefault(path, []).extend(cell.cell_contents.operations)
    return found


@pytest.fixture
def clients(make_user, platform, offices) -> dict[str, Client]:
    """A signed-in client per role (staff and platform operators with their second factor)."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    result: dict[str, Client] = {ANONYMOUS: Client()}
    for role in Role:
        kwargs: dict[str, Any] = {}
        if role == Role.PLATFORM:
            kwargs = {"office": None, "platform": platform}
        elif role in (Role.CITIZEN, Role.ENTERPRISE):
            kwargs = {"office": None}
        if role == Role.APPROVER:
            kwargs["level"] = 3
        user: User = make_user(f"matrix_{role}", role, **kwargs)
        if role == Role.ENTERPRISE:  # its pages are for the contact of a registered enterprise
            Enterprise.objects.create(
                name="矩阵测试企业",
                uscc="91330106MA2H4K7X09",
                office=offices["330000"],
                contact=user,
            )
        client = Client()
        response = client.post(
            "/accounts/login/", {"username": user.username, "password": PASSWORD}
        )
        assert response.status_code == 302, (role, response.content[:300])
        if response["Location"].endswith("/accounts/second-factor/"):
            device = TOTPDevice.objects.create(user=user, name="matrix", confirmed=True)
            code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
            done = client.post("/accounts/second-factor/", {"token": f"{code:06d}"})
            assert done.status_code == 302, role
        result[str(role)] = client
    return result


def _request(client: Client, path: str) -> Any:
    response = client.get(path)
    if response.status_code == 405:
        response = client.post(path, {})
    return response


def _denied(response: Any) -> bool:
    if response.status_code == 403:
        return True
    location = response.get("Location", "") if response.status_code == 302 else ""
    return "/accounts/login/" in location or "/accounts/second-factor/" in location


def test_every_page_and_endpoint_has_a_rule():
    operations = _ninja_operations()
    missing = []
    for route in _routes():
        if getattr(route.callback, "jubao_policy", None) or route.name in PUBLIC:
            continue
        if route.name in OWN_RULE:
            continue
        if route.path.startswith("api/v1/"):
            continue  # the operations are checked below, by their OpenAPI path
        missing.append(f"{route.name or '(no name)'} /{route.path}")
    for path, ops in operations.items():
        for op in ops:
            if not op.auth_callbacks and path not in PUBLIC_API:
                missing.append(f"API {','.join(op.methods)} {path}")
    assert not missing, "pages or endpoints without an access rule: " + "; ".join(missing)
    # Every policy named by a page exists.
    named = {getattr(r.callback, "jubao_policy", None) for r in _routes()} - {None}
    assert named <= set(POLICIES), named - set(POLICIES)


def test_each_role_reaches_exactly_what_its_policies_allow(clients, make_user):
    users = {role: User.objects.get(username=f"matrix_{role}") for role in Role}
    wrong = []
    for route in _routes():
        action = getattr(route.callback, "jubao_policy", None)
        allowed_roles: set[str] | None = None
        if action:
            allowed_roles = {str(r) for r, u in users.items() if POLICIES[action].allows(u)}
        elif route.name in OWN_RULE:
            allowed_roles = {str(r) for r in OWN_RULE[route.name]}
        if allowed_roles is None:
            continue
        path = _concrete(route.path)
        for who, client in clients.items():
            response = _request(client, path)
            denied = _denied(response)
            expected_denied = who not in allowed_roles
            if denied != expected_denied:
                wrong.append(f"{who} {path} -> {response.status_code}")
            if who == ANONYMOUS and response.status_code == 200:
                wrong.append(f"anonymous got {path}")
    assert not wrong, "\n".join(wrong)


def test_signed_operations_refuse_unsigned_calls_and_staff_operations_need_their_policy(clients):
    from jubao.cases.api import StaffSession
    from jubao.platforms.api import PlatformSignature

    users = {str(role): User.objects.get(username=f"matrix_{role}") for role in Role}
    unexpected = []
    for path, ops in _ninja_operations().items():
        concrete = re.sub(r"\{\w+\}", str(uuid.uuid4()), path)
        for op in ops:
            kinds = {type(a) for a in op.auth_callbacks}
            method = next(iter(op.methods)).lower()
            if PlatformSignature in kinds:
                for who, client in clients.items():  # a session is no signature
                    response = getattr(client, method)(concrete, content_type="application/json")
                    if response.status_code != 401:
                        unexpected.append(f"{who} {method} {path} -> {response.status_code}")
            elif StaffSession in kinds:
                if path not in STAFF_API:
                    unexpected.append(f"{path}: a staff operation without a policy in STAFF_API")
                    continue
                rule = POLICIES[STAFF_API[path]]
                for who, client in clients.items():
                    response = getattr(client, method)(concrete)
                    user = users.get(who)
                    allowed = user is not None and rule.allows(user)
                    if (response.status_code in (401, 403)) == allowed:
                        unexpected.append(f"{who} {method} {path} -> {response.status_code}")
            elif op.auth_callbacks:
                unexpected.append(f"{path}: an authentication class this test does not know")
    assert not unexpected, "\n".join(unexpected)


def test_the_admin_site_is_closed_to_every_role(clients):
    for who, client in clients.items():
        response = client.get("/backoffice/")
        assert response.status_code == 302 and "/backoffice/login/" in response["Location"], who
