"""Optional citizen accounts: sign up by phone or e-mail with a code, list one's reports."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from jubao.accounts.models import User
from jubao.intake.models import Report
from jubao.notify.backends import MemoryBackend
from jubao.vault.services import vault_open

pytestmark = pytest.mark.django_db
PASSWORD = "a quiet river in spring 7"


@pytest.fixture(autouse=True)
def _memory_backend(settings):
    from jubao.notify.services import backend

    settings.JUBAO_NOTIFY_SMS_BACKEND = "jubao.notify.backends.MemoryBackend"
    settings.JUBAO_NOTIFY_EMAIL_BACKEND = "jubao.notify.backends.MemoryBackend"
    backend.cache_clear()
    MemoryBackend.outbox.clear()
    yield
    backend.cache_clear()


def test_sign_up_by_phone_keeps_the_number_sealed(
    client: Client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/account/signup/", {"identifier": "139 1234 5678", "password": PASSWORD})
    to, _subject, body = MemoryBackend.outbox[-1]
    assert to == "13912345678"
    code = re.search(r"\d{6}", body).group(0)
    assert client.post("/account/verify/", {"code": code}).status_code == 302
    user = User.objects.get(role_grants__role="citizen")
    assert "13912345678" not in user.username
    assert vault_open(table="accounts.user", row=user.pk, field="identifier") == "13912345678"


def test_a_wrong_code_is_refused_and_five_end_the_attempt(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/account/signup/", {"identifier": "someone@example.cn", "password": PASSWORD})
    for _ in range(5):
        assert client.post("/account/verify/", {"code": "000000"}).status_code == 400
    code = re.search(r"\d{6}", MemoryBackend.outbox[-1][2]).group(0)
    response = client.post("/account/verify/", {"code": code}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Too many wrong codes" in response.content.decode()
    assert not User.objects.filter(role_grants__role="citizen").exists()


def test_sign_in_and_see_all_reports(
    client, django_capture_on_commit_callbacks, pow_solution, offices
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/account/signup/", {"identifier": "13800001111", "password": PASSWORD})
    code = re.search(r"\d{6}", MemoryBackend.outbox[-1][2]).group(0)
    client.post("/account/verify/", {"code": code})
    client.post("/accounts/logout/")
    assert (
        client.post(
            "/account/signin/", {"identifier": "138-0000-1111", "password": PASSWORD}
        ).status_code
        == 302
    )
    form = {
        "reporter_role": "victim",
        "description": "有人冒用我的名字和照片开了账号发布广告。",
        "t0_url": "https://xinghe.example/u/fake",
        "t0_platform": "星河社区",
        "t0_excerpt": "假冒账号",
        "truthful": "on",
        "pow": pow_solution(),
    }
    assert client.post("/report/personal.doxxing/", form).status_code == 302
    anonymous = (
        Client()
        .post(
            "/api/v1/reports",
            {
                "item_code": "personal.doxxing",
                "reporter_role": "victim",
                "description": "另一份没有登录时提交的举报，内容也需要处理。",
                "targets": [
                    {"url": "https://xinghe.example/p/1", "platform": "星河社区", "excerpt": "x"}
                ],
                "truthful": True,
                "pow": pow_solution(),
            },
            content_type="application/json",
        )
        .json()
    )
    client.post("/account/reports/", {"code": anonymous["receipt"]})
    page = client.get("/account/reports/").content.decode()
    assert page.count("<tr>") == 3  # header and two reports
    assert Report.objects.filter(account__isnull=False).count() == 2


def test_the_reports_page_needs_a_citizen(client):
    assert client.get("/account/reports/").status_code == 302
