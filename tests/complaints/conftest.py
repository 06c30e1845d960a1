"""Complaint fixtures: cheap proof of work, no rate limits, a complaint ready to handle."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from jubao.accounts.models import Platform, Role
from jubao.complaints.services import Contact, Filing, complaint_file


@pytest.fixture(autouse=True)
def _easy(easy_pow_and_no_rate_limits):
    """Every complaint test solves cheap challenges and meets no rate limit."""


@pytest.fixture
def no_pow(settings):
    settings.JUBAO_POW_REQUIRED = False


@pytest.fixture
def file_complaint(no_pow, platform: Platform):
    def make(**overrides) -> Filing:
        fields: dict[str, Any] = {
            "platform": platform,
            "description": "我三天前向平台举报了泄露我住址的帖子，平台一直没有处理。",
            "reported_on": dt.date(2025, 6, 1),
            "platform_reference": "XH-2025-0001",
            "contact": Contact("张三", "13912345678", ""),
        }
        fields.update(overrides)
        return complaint_file(**fields)

    return make


@pytest.fixture
def officer(make_user):
    """An intake officer of the province (Zhejiang) where the platform is registered."""
    return make_user("c_officer", Role.INTAKE, office="330000")


@pytest.fixture
def outsider(make_user):
    """An intake officer of another province (Beijing)."""
    return make_user("c_outsider", Role.INTAKE, office="110000")
