"""Real-browser tests: Playwright driving the system Chromium against the live test server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by fixtures in
# the same thread are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def _chromium() -> str | None:
    return os.environ.get("JUBAO_CHROMIUM") or shutil.which("chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    path = _chromium()
    if not path:
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI (Debian package chromium)")
        pytest.skip("Chromium is not installed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(params=["desktop", "mobile"])
def page(request, browser):
    # bypass_csp only so that axe-core can be injected; a Chinese browser asks for zh-CN.
    options = {"bypass_csp": True, "locale": "zh-CN"}
    if request.param == "mobile":
        options |= {
            "viewport": {"width": 390, "height": 844},
            "is_mobile": True,
            "has_touch": True,
            "device_scale_factor": 2,
        }
    context = browser.new_context(**options)
    page = context.new_page()
    yield page
    context.close()


def axe_violations(page) -> list[dict]:
    """Serious and critical accessibility violations on the current page (axe-core)."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `make assets` (npm ci)")
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def new_page(browser, *, mobile: bool = False):
    """A page in a fresh context (no cookies, no session), as a zh-CN browser; close its context."""
    options: dict = {"bypass_csp": True, "locale": "zh-CN"}
    if mobile:
        options |= {
            "viewport": {"width": 390, "height": 844},
            "is_mobile": True,
            "has_touch": True,
            "device_scale_factor": 2,
        }
    return browser.new_context(**options).new_page()


def staff_page(browser, base_url: str, user, password: str):
    """A fresh page signed in through the real login page: password, then a TOTP code.

    The user gets a confirmed authenticator whose current code the test computes, as the app on
    their phone would. Sign each user in once per test: django-otp refuses a code used twice.
    """
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="e2e", confirmed=True)
    page = new_page(browser)
    page.goto(base_url + "/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(base_url + "/accounts/second-factor/")
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    page.fill("#id_token", f"{code:0{device.digits}d}")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(base_url + "/workbench/")
    return page


@pytest.fixture
def opened() -> Iterator[list]:
    """Track the pages a test opens; close their contexts afterwards, pass or fail."""
    pages: list = []
    yield pages
    for page in pages:
        page.context.close()


def zh(text: object) -> str:
    """A source string (or lazy label) as the zh-CN browser sees it."""
    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override("zh-hans"):
        return str(gettext(text) if isinstance(text, str) else text)


def assert_clean(page: object) -> None:
    """No serious or critical accessibility violation on the page."""
    violations = axe_violations(page)
    assert not violations, [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations]
