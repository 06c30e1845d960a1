"""Personal information in a report is highlighted for staff, escaped, with its kind named."""

from __future__ import annotations

import pytest
from django.utils import translation

from jubao.cases.models import Case
from jubao.cases.templatetags.pii_marks import pii_marks
from jubao.intake.models import Report

ID_MINOR = "110101201501010011"  # born 2015: a minor


def test_findings_are_marked_and_everything_else_escaped():
    with translation.override("en"):
        html = str(pii_marks("<b>x</b> 她家住在杭州市西湖区文三路90号5栋2单元301，电话13912345678"))
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>" not in html
    assert '<mark class="pii" data-pii="phone" title="phone number">13912345678' in html
    assert 'data-pii="address"' in html
    assert '<span class="visually-hidden"> (phone number)</span>' in html


def test_a_minors_id_says_so_and_text_without_findings_is_only_escaped():
    with translation.override("en"):
        html = str(pii_marks(f"身份证号{ID_MINOR}"))
        assert "ID card number of a minor" in html
        assert str(pii_marks('没有个人信息 & 引号"')) == "没有个人信息 &amp; 引号&quot;"
        assert str(pii_marks(None)) == ""


@pytest.mark.django_db
def test_the_case_page_highlights_the_report(client, report_body, cast, verified_client, offices):
    body = report_body(
        description="有人在论坛上公开了我的手机号13912345678，号召大家打电话骚扰我。"
    )
    response = client.post("/api/v1/reports", body, content_type="application/json")
    assert response.status_code == 201
    case = Report.objects.get().case
    Case.objects.filter(pk=case.pk).update(jurisdiction=offices["330000"])
    page = verified_client(cast["intake"]).get(f"/workbench/cases/{case.pk}/").content.decode()
    assert 'data-pii="phone"' in page
