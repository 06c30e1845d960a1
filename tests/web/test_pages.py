"""Portal pages in both languages, the language switch and the security headers."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_home_is_in_simplified_chinese_by_default(client: Client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="zh-Hans"' in html
    assert "举报" in html


def test_home_in_english(client: Client):
    client.cookies["django_language"] = "en"
    html = client.get("/").content.decode()
    assert 'lang="en"' in html
    assert "Report online content that infringes your rights" in html


def test_the_language_switch_sets_the_language_and_returns(client: Client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/guidelines/"})
    assert response.status_code == 302
    assert response["Location"] == "/guidelines/"
    assert 'lang="en"' in client.get("/").content.decode()


def test_every_page_has_the_switch(client: Client):
    for url in ["/", "/guidelines/", "/accounts/login/"]:
        html = client.get(url).content.decode()
        assert 'name="language"' in html, url


def test_strict_security_headers(client: Client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_health_endpoint(client: Client):
    assert client.get("/healthz").json() == {"status": "ok"}
