"""Guidance and training material: written and published by staff, read by everyone on the
portal."""

from __future__ import annotations

import pytest

from jubao.enterprises.counsel import guidance_create, guidance_publish
from jubao.enterprises.models import Guidance
from jubao.ledger.models import LedgerEntry
from tests.enterprises.counsel_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
BODY = "第一段：准备营业执照。\n\n第二段：<script>alert(1)</script>\n同一段的第二行。"


def _piece(user, *, kind="guidance", title="企业如何举报仿冒账号", publish=True) -> Guidance:
    piece = guidance_create(user=user, kind=kind, title=title, summary="准备哪些材料。", body=BODY)
    if publish:
        piece = guidance_publish(user=user, guidance=piece)
    return piece


def test_staff_write_a_draft_and_publish_it(staff_client, staff, client):
    writer = staff_client(staff["intake"])
    assert writer.get("/workbench/enterprises/guidance/new/").status_code == 200
    response = writer.post(
        "/workbench/enterprises/guidance/new/",
        {"kind": "training", "title": "培训：证据保全", "summary": "如何截图取证。", "body": BODY},
    )
    assert response.status_code == 302
    draft = Guidance.objects.get()
    assert response["Location"] == f"/workbench/enterprises/guidance/{draft.pk}/"
    assert (draft.kind, draft.author, draft.published_at) == ("training", staff["intake"], None)
    listing = writer.get("/workbench/enterprises/guidance/").content.decode()
    assert f'data-guidance="{draft.pk}"' in listing and 'data-status="draft"' in listing

    # A draft is not on the portal.
    assert "培训：证据保全" not in client.get("/enterprise/guidance/").content.decode()
    assert client.get(f"/enterprise/guidance/{draft.pk}/").status_code == 404

    response = writer.post(f"/workbench/enterprises/guidance/{draft.pk}/publish/")
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.published_at is not None
    assert "培训：证据保全" in client.get("/enterprise/guidance/").content.decode()
    assert client.get(f"/enterprise/guidance/{draft.pk}/").status_code == 200

    response = writer.post(f"/workbench/enterprises/guidance/{draft.pk}/unpublish/")
    assert response.status_code == 302
    assert client.get(f"/enterprise/guidance/{draft.pk}/").status_code == 404
    actions = LedgerEntry.objects.filter(action__startswith="guidance.").values_list(
        "action", flat=True
    )
    assert list(actions.order_by("index")) == [
        "guidance.create",
        "guidance.publish",
        "guidance.unpublish",
    ]


def test_a_bad_draft_is_shown_again_with_its_errors(staff_client, staff):
    writer = staff_client(staff["intake"])
    response = writer.post(
        "/workbench/enterprises/guidance/new/", {"kind": "guidance", "title": "标题"}
    )
    assert response.status_code == 400 and 'class="error"' in response.content.decode()
    assert not Guidance.objects.exists()


def test_publishing_twice_says_so(staff_client, staff):
    piece = _piece(staff["intake"])
    writer = staff_client(staff["intake"])
    response = writer.post(
        f"/workbench/enterprises/guidance/{piece.pk}/publish/", follow=True, **EN
    )
    assert "This is already published." in response.content.decode()


def test_the_portal_escapes_the_text_and_keeps_its_paragraphs(client, staff):
    piece = _piece(staff["intake"])
    page = client.get(f"/enterprise/guidance/{piece.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<p>第一段：准备营业执照。</p>" in page
    assert "<br>同一段的第二行。" in page


def test_the_portal_lists_the_newest_first_and_filters_by_kind(client, staff):
    first = _piece(staff["intake"], title="第一篇指导")
    second = _piece(staff["intake"], kind="training", title="第二篇培训")
    _piece(staff["intake"], title="草稿不公开", publish=False)
    page = client.get("/enterprise/guidance/").content.decode()
    assert page.index("第二篇培训") < page.index("第一篇指导")
    assert "草稿不公开" not in page
    assert f'href="/enterprise/guidance/{first.pk}/"' in page
    training = client.get("/enterprise/guidance/?kind=training").content.decode()
    assert "第二篇培训" in training and "第一篇指导" not in training
    assert f'data-guidance="{second.pk}"' in training
    unknown = client.get("/enterprise/guidance/?kind=nonsense").content.decode()
    assert "第二篇培训" in unknown and "第一篇指导" in unknown


def test_staff_pages_keep_to_the_jurisdiction(staff_client, staff, client):
    piece = _piece(staff["xihu_intake"], publish=False)
    far = staff_client(staff["gd_intake"])
    assert far.get(f"/workbench/enterprises/guidance/{piece.pk}/").status_code == 404
    assert far.post(f"/workbench/enterprises/guidance/{piece.pk}/publish/").status_code == 404
    assert (
        "企业如何举报仿冒账号" not in far.get("/workbench/enterprises/guidance/").content.decode()
    )
    reviewer = staff_client(staff["reviewer"])
    assert reviewer.get("/workbench/enterprises/guidance/").status_code == 403
    assert reviewer.post(f"/workbench/enterprises/guidance/{piece.pk}/publish/").status_code == 403
    response = client.post(f"/workbench/enterprises/guidance/{piece.pk}/publish/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    piece.refresh_from_db()
    assert piece.published_at is None
    # The province's staff see and publish the county's draft.
    province = staff_client(staff["supervisor"])
    assert province.post(f"/workbench/enterprises/guidance/{piece.pk}/publish/").status_code == 302
