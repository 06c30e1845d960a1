"""Intake officers enter telephone, letter and walk-in reports, marked with their channel."""

from __future__ import annotations

import pytest

from jubao.accounts.models import Role
from jubao.intake.models import Report
from tests.conftest import ITEM

pytestmark = pytest.mark.django_db


def _form(channel: str) -> dict:
    return {
        "channel": channel,
        "reporter_role": "victim",
        "description": "来电反映：有人在论坛公开了她的住址和电话，要求尽快处理。",
        "t0_url": "https://xinghe.example/p/31",
        "t0_platform": "星河社区",
        "t0_excerpt": "地址电话都在这",
        "contact_phone": "13700001111",
        "truthful": "on",
    }


@pytest.mark.parametrize("channel", ["phone", "letter", "walk_in"])
def test_an_intake_officer_enters_an_offline_report(verified_client, clerk, channel):
    client = verified_client(clerk)
    response = client.post(f"/workbench/intake/{ITEM}/", _form(channel))
    assert response.status_code == 200
    assert "data-receipt" in response.content.decode()
    report = Report.objects.get()
    assert report.channel == channel
    assert report.entered_by == clerk


def test_only_intake_officers_enter_reports(verified_client, make_user):
    reviewer = verified_client(make_user("rv", Role.REVIEWER))
    assert reviewer.get(f"/workbench/intake/{ITEM}/").status_code == 403
    assert reviewer.post(f"/workbench/intake/{ITEM}/", _form("phone")).status_code == 403
    assert Report.objects.count() == 0


def test_the_web_channel_cannot_be_claimed_by_staff_entry(verified_client, clerk):
    client = verified_client(clerk)
    response = client.post(f"/workbench/intake/{ITEM}/", _form("web"))
    assert response.status_code == 400
    assert Report.objects.count() == 0
