"""The reporting guidelines pages and the catalogue API, through HTTP."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from jubao.catalogue import get_catalogue

pytestmark = pytest.mark.django_db


def _english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def test_the_index_lists_every_item_in_chinese(client: Client):
    response = client.get(reverse("catalogue:guidelines"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    page = response.content.decode()
    assert "举报指南" in page
    for item in get_catalogue().items:
        assert reverse("catalogue:item", args=[item.code]) in page
        assert item.name.zh in page.replace("&quot;", '"')


def test_the_index_in_english(client: Client):
    page = _english(client).get(reverse("catalogue:guidelines")).content.decode()
    assert "Reporting guidelines" in page
    assert "Cyber-violence" in page
    assert "举报指南" not in page


def test_an_item_page_in_english(client: Client):
    page = _english(client).get(reverse("catalogue:item", args=["enterprise.fake_site"]))
    text = page.content.decode()
    assert page.status_code == 200
    for expected in (
        "Who may report",
        "What to provide",
        "Proof requirements",
        "Counterfeit site without filing",
        "Public service query result",
        "Acceptance conditions",
        "Time limits",
        "working day",
        "Possible results and measures",
    ):
        assert expected in text, expected


def test_an_item_page_in_chinese_shows_scope_and_referrals(client: Client):
    url = reverse("catalogue:item", args=["enterprise.false_info"])
    text = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    for expected in (
        "谁可以举报",
        "证明要求",
        "劳动争议",
        "劳动人事争议仲裁",
        "正当舆论监督",
        "办理时限",
    ):
        assert expected in text, expected


def test_an_unknown_item_is_404(client: Client):
    assert client.get("/guidelines/personal.nothing/").status_code == 404


def test_measures_page(client: Client):
    zh = client.get(reverse("catalogue:measures"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "限时私密" in zh.content.decode()
    text = _english(client).get(reverse("catalogue:measures")).content.decode()
    assert "Time-limited private" in text and "Account-subject blacklist" in text
    assert 'id="measure-account.close"' in text


def test_referrals_page(client: Client):
    text = _english(client).get(reverse("catalogue:referrals")).content.decode()
    assert "Legal consultation" in text and "Labour dispute arbitration" in text
    assert 'id="referral-online_mediation"' in text


def test_pages_have_no_inline_script_or_style(client: Client):
    for name, args in (("guidelines", []), ("item", ["personal.doxxing"]), ("measures", [])):
        text = client.get(reverse(f"catalogue:{name}", args=args)).content.decode()
        assert "<script>" not in text and "style=" not in text and "<style" not in text


def test_the_api_returns_the_whole_catalogue(client: Client):
    catalogue = get_catalogue()
    body = client.get("/api/v1/catalogue").json()
    assert body["version"] == catalogue.version
    assert body["content_hash"] == catalogue.content_hash
    assert len(body["items"]) == len(catalogue.items)
    assert {m["code"] for m in body["measures"]} == {m.code for m in catalogue.measures}
    assert body["referrals"] and body["refusals"]
    doxxing = next(i for i in body["items"] if i["code"] == "personal.doxxing")
    assert doxxing["name"]["en"].startswith('"Human flesh search"')
    assert doxxing["time_limits"]["acceptance"] == {"amount": 12, "unit": "hours"}
    assert "anyone" in doxxing["reporters"]


def test_the_api_returns_one_item(client: Client):
    body = client.get("/api/v1/catalogue/items/minors.identity").json()
    assert body["item"]["code"] == "minors.identity"
    assert body["content_hash"] == get_catalogue().content_hash


def test_the_api_404s_unknown_codes_with_json(client: Client):
    response = client.get("/api/v1/catalogue/items/personal.nothing")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_found"


def test_the_api_is_in_the_openapi_document(client: Client):
    document = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/catalogue" in document["paths"]
    assert "/api/v1/catalogue/items/{code}" in document["paths"]
    assert "CatalogueOut" in document["components"]["schemas"]
