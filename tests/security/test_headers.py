"""Security headers on every page: the URL configuration is walked, and every route is requested
by an anonymous visitor and by a signed-in member of staff who holds every office role (so that
workbench pages answer with the page itself, not a redirect). Whatever the answer (a page, a
redirect, a form error, "not found", a JSON body, a file), it must carry the headers.

The Content-Security-Policy must stay strict: everything from the site itself, no inline script
or style, no eval, no plugins, no framing, no <base> and forms posted only to the site.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import get_resolver

from jubao.accounts.models import Role, User
from jubao.accounts.services import user_create
from tests.conftest import PASSWORD
from tests.security.test_access_matrix import _concrete
from tests.security.test_access_matrix import _walk as _walk_urls

pytestmark = pytest.mark.django_db

# The directives that must be present, and the sources each may list (nothing else).
REQUIRED_CSP = {
    "default-src": {"'self'", "'none'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'none'", "'self'"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
}
# Sources that would undo the policy wherever they appear.
FORBIDDEN_SOURCES = {
    "'unsafe-inline'",
    "'unsafe-eval'",
    "'unsafe-hashes'",
    "'wasm-unsafe-eval'",
    "*",
    "http:",
    "https:",
    "blob:",
    "filesystem:",
}
REFERRER_POLICIES = {"no-referrer", "same-origin", "strict-origin"}


def csp_directives(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            assert words[0].lower() not in directives, f"{words[0]} twice in {header!r}"
            directives[words[0].lower()] = words[1:]
    return directives


def header_problems(response: Any) -> list[str]:
    """What is missing or too weak in the response's security headers."""
    problems = []
    csp = response.get("Content-Security-Policy")
    if csp is None:
        problems.append("no Content-Security-Policy")
    else:
        directives = csp_directives(csp)
        for name, allowed in REQUIRED_CSP.items():
            sources = directives.get(name)
            if not sources or not set(sources) <= allowed:
                problems.append(f"CSP {name} is {sources}, wanted within {sorted(allowed)}")
        for name, sources in directives.items():
            weak = FORBIDDEN_SOURCES & set(sources)
            if weak:
                problems.append(f"CSP {name} allows {sorted(weak)}")
            if "data:" in sources and name != "img-src":
                problems.append(f"CSP {name} allows data:")
    expected = {
        "X-Content-Type-Options": {"nosniff"},
        "X-Frame-Options": {"DENY"},
        "Referrer-Policy": REFERRER_POLICIES,
        "Cross-Origin-Opener-Policy": {"same-origin"},
    }
    for name, values in expected.items():
        if response.get(name) not in values:
            problems.append(f"{name} is {response.get(name)!r}")
    policy = response.get("Permissions-Policy") or ""
    if not policy:
        problems.append("Permissions-Policy is missing")
    else:
        for feature in ("camera", "microphone", "geolocation"):
            if f"{feature}=()" not in policy:
                problems.append(f"Permissions-Policy does not deny {feature}: {policy!r}")
    return problems


@pytest.fixture
def staff(offices: Any) -> Client:
    """A central-office user with every office role, signed in with the second factor."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    roles = {
        Role.INTAKE: 0,
        Role.REVIEWER: 0,
        Role.DISPOSAL: 0,
        Role.APPROVER: 3,
        Role.SUPERVISOR: 0,
        Role.CUSTODIAN: 0,
        Role.AUDITOR: 0,
        Role.ADMIN: 0,
    }
    user: User = user_create(
        actor="system",
        username="headers_staff",
        password=PASSWORD,
        office=offices["000000"],
        platform=None,
        roles=roles,
    )
    device = TOTPDevice.objects.create(user=user, name="headers", confirmed=True)
    client = Client()
    assert client.post(
        "/accounts/login/", {"username": user.username, "password": PASSWORD}
    ).status_code in (302, 200)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    assert client.post("/accounts/second-factor/", {"token": f"{code:06d}"}).status_code == 302
    return client


def _walk(client: Client) -> tuple[dict[int, int], list[str]]:
    """GET every route; the count of answers per status and the problems found."""
    statuses: dict[int, int] = {}
    problems = []
    for route in _walk_urls(get_resolver().url_patterns):  # the admin site too
        if route.name in ("accounts:logout", "intake:leave", "complaints:leave"):
            continue  # leaving would sign the client out or forget its session
        path = _concrete(route.path)
        response = client.get(path)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        problems += [f"{path} ({response.status_code}): {p}" for p in header_problems(response)]
    return statuses, problems


@pytest.mark.parametrize("who", ["anonymous", "staff"])
def test_every_page_carries_the_security_headers(who: str, staff: Client) -> None:
    client = Client() if who == "anonymous" else staff
    statuses, problems = _walk(client)
    assert not problems, "\n".join(problems)
    # The walk reached real pages, not only redirects to the sign-in page.
    assert statuses.get(200, 0) >= (15 if who == "anonymous" else 40), statuses


def test_static_files_and_error_pages_carry_them_too(client: Client, settings: Any) -> None:
    settings.DEBUG = False
    for path in ("/no/such/page/", "/api/v1/no-such-operation"):
        response = client.get(path)
        assert response.status_code == 404
        assert not header_problems(response), path
    # WhiteNoise answers before the X-Frame-Options middleware runs: a style sheet is no
    # document to frame, and the CSP's frame-ancestors covers framing where it would matter.
    response = client.get("/static/web/jubao.css")
    assert response.status_code == 200
    problems = header_problems(response)
    assert problems in ([], ["X-Frame-Options is None"]), problems


def test_the_checks_catch_a_weak_policy() -> None:
    """The header check itself: each weakening is reported."""

    class Fake(dict):
        def get(self, key: str, default: Any = None) -> Any:
            return super().get(key, default)

    good = Fake(
        {
            "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
            "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
            "frame-ancestors 'none'; form-action 'self'",
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "same-origin",
            "Cross-Origin-Opener-Policy": "same-origin",
            "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
        }
    )
    assert header_problems(good) == []
    weakenings: list[Callable[[Fake], None]] = [
        lambda h: h.update(
            {
                "Content-Security-Policy": h["Content-Security-Policy"].replace(
                    "script-src 'self'", "script-src 'self' 'unsafe-inline'"
                )
            }
        ),
        lambda h: h.update(
            {
                "Content-Security-Policy": h["Content-Security-Policy"].replace(
                    "style-src 'self'", "style-src 'self' 'unsafe-eval'"
                )
            }
        ),
        lambda h: h.update(
            {
                "Content-Security-Policy": h["Content-Security-Policy"].replace(
                    "frame-ancestors 'none'", "frame-ancestors 'self'"
                )
            }
        ),
        lambda h: h.update(
            {
                "Content-Security-Policy": h["Content-Security-Policy"].replace(
                    "; object-src 'none'", ""
                )
            }
        ),
        lambda h: h.update(
            {
                "Content-Security-Policy": h["Content-Security-Policy"].replace(
                    "default-src 'self'", "default-src *"
                )
            }
        ),
        lambda h: h.pop("X-Content-Type-Options"),
        lambda h: h.update({"X-Frame-Options": "SAMEORIGIN"}),
        lambda h: h.update({"Referrer-Policy": "unsafe-url"}),
        lambda h: h.pop("Cross-Origin-Opener-Policy"),
        lambda h: h.update({"Permissions-Policy": "camera=*"}),
        lambda h: h.pop("Permissions-Policy"),
    ]
    for weaken in weakenings:
        headers = Fake(good)
        weaken(headers)
        assert header_problems(headers), headers
