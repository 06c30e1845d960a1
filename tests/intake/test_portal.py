"""The portal: guidance, the generated form, the receipt shown once, following a report."""

from __future__ import annotations

import pytest
from django.test import Client

from jubao.intake.models import Evidence, Report
from jubao.intake.storage import evidence_read
from tests.intake.conftest import ITEM, jpeg_with_gps, png_bytes

pytestmark = pytest.mark.django_db


def test_guidance_finds_the_item_by_words(client: Client):
    html = client.get("/report/", {"q": "人肉"}).content.decode()
    assert f"/report/{ITEM}/" in html
    english = client.get("/report/", {"q": "doxxing"}, HTTP_ACCEPT_LANGUAGE="en")
    assert f"/report/{ITEM}/" in english.content.decode()


@pytest.mark.parametrize("area", ["cyberviolence", "minors", "enterprise"])
def test_each_area_lists_its_items(client: Client, area):
    response = client.get(f"/report/area/{area}/")
    assert response.status_code == 200
    assert "/report/" in response.content.decode()


def test_the_form_asks_for_what_the_catalogue_requires(client: Client):
    html = client.get(f"/report/{ITEM}/").content.decode()
    for name in ("t0_url", "t0_platform", "t0_excerpt", "ev_screenshot", "truthful"):
        assert f'name="{name}"' in html
    assert client.get("/report/no.such.item/").status_code == 404


def _form(pow_solution, **extra) -> dict:
    data = {
        "reporter_role": "victim",
        "description": "有人把我的住址和电话发到了论坛上，还号召别人去骚扰我。",
        "t0_url": "https://xinghe.example/p/777",
        "t0_platform": "星河社区",
        "t0_excerpt": "地址在这里，大家去找她",
        "contact_name": "金丝雀张三",
        "contact_phone": "13912345678",
        "truthful": "on",
        "pow": pow_solution(),
        "submission": "form-token-1",
    }
    data.update(extra)
    return data


def test_a_report_with_two_screenshots_gets_a_receipt_shown_once(client, pow_solution, offices):
    from django.core.files.uploadedfile import SimpleUploadedFile

    files = [
        SimpleUploadedFile("a.png", png_bytes("red"), "image/png"),
        SimpleUploadedFile("b.jpg", jpeg_with_gps(), "image/jpeg"),
    ]
    response = client.post(f"/report/{ITEM}/", {**_form(pow_solution), "ev_screenshot": files})
    assert response.status_code == 302, response.content.decode()[:2000]
    done = client.get("/report/done/").content.decode()
    assert "data-receipt" in done
    report = Report.objects.get()
    assert report.evidence.count() == 2
    assert report.missing_evidence == []
    download = client.get("/report/done/receipt.txt")
    assert download["Content-Disposition"].startswith("attachment")
    assert report.reference in download.content.decode()


def test_the_staff_copy_of_an_image_has_no_location_data(client, pow_solution, offices):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("gps.jpg", jpeg_with_gps(), "image/jpeg")
    client.post(f"/report/{ITEM}/", {**_form(pow_solution), "ev_screenshot": [upload]})
    evidence = Evidence.objects.get()
    original = evidence_read(ref=evidence.vault_ref, variant="original")
    staff = evidence_read(ref=evidence.vault_ref, variant="staff")
    assert original == jpeg_with_gps() or b"Exif" in original
    assert b"Exif" not in staff and b"PhoneMaker" not in staff
    assert "gps" in " ".join(evidence.metadata_removed).lower()


def test_form_errors_are_shown_on_their_fields_and_nothing_is_stored(client, pow_solution):
    response = client.post(
        f"/report/{ITEM}/", _form(pow_solution, t0_url="nonsense"), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "Enter a full web address" in response.content.decode()
    assert Report.objects.count() == 0


def test_a_double_submit_of_the_form_makes_one_report(client, pow_solution, offices):
    data = _form(pow_solution)
    client.post(f"/report/{ITEM}/", data)
    client.post(f"/report/{ITEM}/", data)
    assert Report.objects.count() == 1


def _file_report(client, pow_solution) -> str:
    response = client.post(
        "/api/v1/reports",
        {
            "item_code": ITEM,
            "reporter_role": "victim",
            "description": "有人公开了我的住址并号召网友去骚扰，已经持续三天了。",
            "targets": [
                {"url": "https://xinghe.example/p/42", "platform": "星河社区", "excerpt": "就是她"}
            ],
            "truthful": True,
            "pow": pow_solution(),
        },
        content_type="application/json",
    )
    return response.json()["receipt"]


def test_with_the_receipt_alone_the_reporter_follows_and_adds_a_file(client, pow_solution, offices):
    code = _file_report(client, pow_solution)
    visitor = Client()
    assert visitor.get("/receipt/status/").status_code == 302
    response = visitor.post("/receipt/", {"code": code.lower()})
    assert response.status_code == 302
    page = visitor.get("/receipt/status/").content.decode()
    assert "data-evidence-count>0<" in page
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("later.png", png_bytes("green"), "image/png")
    response = visitor.post("/receipt/evidence/", {"kind": "screenshot", "upload": [upload]})
    assert response.status_code == 302
    assert "data-evidence-count>1<" in visitor.get("/receipt/status/").content.decode()
    assert Report.objects.get().missing_evidence == []


def test_messages_and_withdrawal_with_the_receipt(client, pow_solution, offices):
    code = _file_report(client, pow_solution)
    client.post("/receipt/", {"code": code})
    client.post("/receipt/message/", {"body": "帖子已经被转发了很多次，请尽快处理。"})
    client.post("/receipt/withdraw/", {"confirm": "on", "reason": "已和解"})
    report = Report.objects.get()
    assert report.status == "withdrawn"
    assert report.case.status == "withdrawn"
    assert report.events.filter(kind="message_in").exists()


def test_a_wrong_receipt_code_opens_nothing(client):
    response = client.post(
        "/receipt/", {"code": "ABCD-EFGH-JKLM-NPQR-STUV"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "No report matches" in response.content.decode()


def test_evaluation_waits_for_an_answer(client, pow_solution, offices):
    code = _file_report(client, pow_solution)
    response = client.post(
        "/api/v1/reports/evaluation",
        {"score": 5},
        content_type="application/json",
        HTTP_X_RECEIPT_CODE=code,
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "not_answered"
