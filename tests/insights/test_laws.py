"""The laws and regulations library: staff with `transparency.edit` write and publish entries;
the public lists published ones, searchable by title or issuing body and filtered by status."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from jubao.accounts.models import Role
from jubao.errors import DomainError, Forbidden, NotFound
from jubao.insights.models import LawEntry, LawStatus
from jubao.insights.services import law_create, law_publish, law_update, laws_published
from jubao.ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db


def _law(user, **overrides):
    values = {
        "title": "中华人民共和国个人信息保护法",
        "issuing_body": "全国人民代表大会常务委员会",
        "document_number": "主席令第91号",
        "issued_on": dt.date(2021, 8, 20),
        "effective_on": dt.date(2021, 11, 1),
        "status": LawStatus.IN_FORCE,
        "articles": "第十条 任何组织、个人不得非法收集、使用、加工、传输他人个人信息。",
        "summary": "公开他人的住址和电话属于非法处理个人信息，可以举报。",
        "link": "https://www.npc.gov.cn/",
    }
    values.update(overrides)
    return law_create(user=user, **values)


def test_staff_write_and_publish_the_public_sees_published_entries(cast, client: Client):
    law = _law(cast["supervisor"])
    assert client.get(f"/transparency/laws/{law.pk}/").status_code == 404
    assert law.title not in client.get("/transparency/laws/").content.decode()
    law_publish(user=cast["supervisor"], law=law)
    page = client.get(f"/transparency/laws/{law.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "主席令第91号" in body and "第十条" in body and "可以举报" in body
    law = law_update(
        user=cast["supervisor"],
        law=law,
        **{f: getattr(law, f) for f in ("title", "issuing_body", "document_number", "articles")},
        summary="新的摘要",
        status=LawStatus.AMENDED,
        issued_on=law.issued_on,
        effective_on=law.effective_on,
        link=law.link,
    )
    assert law.status == LawStatus.AMENDED
    law_publish(user=cast["supervisor"], law=law, publish=False)
    assert client.get(f"/transparency/laws/{law.pk}/").status_code == 404
    actions = list(
        LedgerEntry.objects.filter(action__startswith="transparency.law").values_list(
            "action", flat=True
        )
    )
    assert actions == [
        "transparency.law_create",
        "transparency.law_publish",
        "transparency.law_update",
        "transparency.law_unpublish",
    ]


def test_search_by_title_or_body_and_filter_by_status(cast, client: Client):
    editor = cast["supervisor"]
    pipl = _law(editor)
    rules = _law(
        editor,
        title="网络信息内容生态治理规定",
        issuing_body="国家互联网信息办公室",
        status=LawStatus.IN_FORCE,
    )
    old = _law(editor, title="旧的管理办法", issuing_body="某部门", status=LawStatus.REPEALED)
    for law in (pipl, rules, old):
        law_publish(user=editor, law=law)
    assert list(laws_published("互联网信息办公室")) == [rules]
    assert list(laws_published("个人信息")) == [pipl]
    assert set(laws_published(status=LawStatus.REPEALED)) == {old}
    page = client.get("/transparency/laws/", {"q": "生态治理"}).content.decode()
    assert f'data-law="{rules.pk}"' in page and f'data-law="{pipl.pk}"' not in page
    page = client.get("/transparency/laws/", {"status": "repealed"}).content.decode()
    assert f'data-law="{old.pk}"' in page and f'data-law="{rules.pk}"' not in page


def test_who_may_edit_and_what_is_refused(cast, make_user):
    with pytest.raises(Forbidden):
        _law(cast["reviewer"])
    with pytest.raises(DomainError) as refused:
        _law(cast["supervisor"], title=" ")
    assert refused.value.field == "title"
    with pytest.raises(DomainError) as refused:
        _law(cast["supervisor"], effective_on=dt.date(2020, 1, 1))
    assert refused.value.field == "effective_on"
    law = _law(cast["supervisor"])
    elsewhere = make_user("sup_bj", Role.SUPERVISOR, office="110000")
    with pytest.raises(NotFound):
        law_publish(user=elsewhere, law=law)
    assert LawEntry.objects.count() == 1


def test_workbench_pages(cast, staff_client):
    browser = staff_client(cast["supervisor"])
    assert browser.get("/workbench/transparency/laws/new/").status_code == 200
    created = browser.post(
        "/workbench/transparency/laws/new/",
        {
            "title": "网络信息内容生态治理规定",
            "issuing_body": "国家互联网信息办公室",
            "status": "in_force",
            "summary": "网络信息内容的治理规则。",
            "effective_on": "2020-03-01",
        },
    )
    assert created.status_code == 302, created.content.decode()
    law = LawEntry.objects.get()
    assert law.office == cast["supervisor"].office
    assert browser.get("/workbench/transparency/laws/").status_code == 200
    assert browser.post(f"/workbench/transparency/laws/{law.pk}/publish/", {"publish": "1"})
    law.refresh_from_db()
    assert law.published_at is not None
    assert staff_client(cast["reviewer"]).get("/workbench/transparency/laws/").status_code == 403
