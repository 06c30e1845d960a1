"""Blacklist entries made by blacklist measures, the platforms' yes/no check, and appeals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jubao.analysis.urls import target_key
from jubao.cases.escalation import subject_key
from jubao.cases.models import Offence
from jubao.ledger.models import LedgerEntry
from jubao.ledger.verify import ledger_verify
from jubao.measures.blacklist import (
    blacklist_appeal,
    blacklist_appeal_decide,
    blacklist_check,
)
from jubao.measures.checkhash import check_hash
from jubao.measures.models import BlacklistEntry, MeasureStatus
from jubao.measures.services import measure_applied
from jubao.platforms.webhooks import Webhook
from jubao.vault.blind import blind_index
from tests.measures.conftest import ACCOUNT, refused

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.measures.urls")]
ID_NUMBER = "11010519491231002X"


def account_check() -> str:
    """What the platform sends: the check hash of the account id on its own platform."""
    return check_hash("account", ACCOUNT)


def account_key() -> str:
    raw = target_key(platform="星河社区", account_id=ACCOUNT)
    return blind_index(purpose="cases.account", value=raw)


@pytest.fixture
def listed(order) -> BlacklistEntry:
    measure = order("blacklist.account")
    measure_applied(measure=measure)
    return BlacklistEntry.objects.get()


def test_a_blacklist_measure_lists_the_account(listed, case, settings):
    assert (listed.kind, listed.key) == ("account", account_key())
    assert list(listed.source_cases.all()) == [case]
    assert listed.reason == "多次公开他人住址"
    measure = listed.measures.get()
    # No period in the catalogue: the default length, and the measure ends with the entry.
    days = (listed.expires_at - measure.applied_at).days
    assert days == settings.JUBAO_BLACKLIST_DAYS and measure.ends_at == listed.expires_at


def test_the_platform_learns_yes_or_no_and_every_check_is_recorded(signed, listed, platform):
    yes = signed("/blacklist/check", {"kind": "account", "key": account_check()})
    assert yes.status_code == 200 and yes.json() == {"listed": True}
    no = signed("/blacklist/check", {"kind": "subject", "key": account_check()})
    assert no.json() == {"listed": False}
    other = signed("/blacklist/check", {"kind": "account", "key": "0" * 64})
    assert other.json() == {"listed": False}
    checks = LedgerEntry.objects.filter(action="blacklist.check")
    assert checks.count() == 3 and {e.actor for e in checks} == {f"platform:{platform.pk}"}
    bad = signed("/blacklist/check", {"kind": "account", "key": ACCOUNT})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "key"
    assert checks.count() == 3


def test_checks_beyond_the_rate_are_refused(signed, listed, settings):
    settings.JUBAO_RATE_BLACKLIST_CHECK = "2/m"
    body = {"kind": "account", "key": account_check()}
    assert [signed("/blacklist/check", body).status_code for _ in range(3)] == [200, 200, 429]
    assert LedgerEntry.objects.filter(action="blacklist.check").count() == 2


def test_an_expired_entry_is_not_listed(listed, platform):
    BlacklistEntry.objects.filter(pk=listed.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert blacklist_check(platform=platform, kind="account", key=account_check()) is False


def test_an_upheld_appeal_lifts_the_entry(listed, platform, cast):
    with refused("no_appeal"):
        blacklist_appeal_decide(entry=listed, by=cast["supervisor"], uphold=True)
    blacklist_appeal(entry=listed, text="账号已被他人盗用，附报案回执。", by=cast["supervisor"])
    with refused("appeal_exists"):
        blacklist_appeal(entry=listed, text="again")
    decided = blacklist_appeal_decide(
        entry=listed, by=cast["supervisor"], uphold=True, note="盗号属实"
    )
    assert decided.lifted_at and decided.appeal_status == "upheld"
    assert blacklist_check(platform=platform, kind="account", key=account_check()) is False
    measure = listed.measures.get()
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.ENDED
    assert Webhook.objects.get(event="measure.lifted").body["reason"] == "appeal_upheld"
    assert ledger_verify().ok


def test_a_dismissed_appeal_needs_reasons_and_keeps_the_entry(listed, platform, cast):
    blacklist_appeal(entry=listed, text="不服")
    with refused("required"):
        blacklist_appeal_decide(entry=listed, by=cast["supervisor"], uphold=False)
    blacklist_appeal_decide(entry=listed, by=cast["supervisor"], uphold=False, note="证据充分")
    assert blacklist_check(platform=platform, kind="account", key=account_check()) is True


def test_a_subject_is_listed_by_the_keyed_hash_of_its_id_number(order, case, platform):
    measure = order("blacklist.subject")
    assert not hasattr(measure, "transfer") or measure.transfer is None
    with refused("no_blacklist_target"):
        measure_applied(measure=measure)
    assert not BlacklistEntry.objects.exists()
    judgement = case.judgements.get()
    key = subject_key(ID_NUMBER)
    Offence.objects.create(
        judgement=judgement,
        case=case,
        account_key=account_key(),
        subject_key=key,
        subject_check=check_hash("subject", ID_NUMBER),
        at=timezone.now(),
    )
    measure_applied(measure=measure)
    entry = BlacklistEntry.objects.get()
    assert (entry.kind, entry.key) == ("subject", key) and ID_NUMBER not in entry.key
    assert blacklist_check(platform=platform, kind="subject", key=key) is False
    asked = check_hash("subject", ID_NUMBER.lower())
    assert blacklist_check(platform=platform, kind="subject", key=asked) is True


def test_a_second_case_joins_the_entry_in_force(order, listed):
    again = order("blacklist.account")
    measure_applied(measure=again, at=timezone.now() + dt.timedelta(days=10))
    entry = BlacklistEntry.objects.get()
    assert entry.measures.count() == 2 and entry.expires_at > listed.expires_at


def test_platforms_compute_check_hashes_with_the_published_key(
    client, private_key, platform_key, listed, platform
):
    import base64

    from jubao.accounts.services import platform_create
    from tests.measures.conftest import BASE
    from tests.platforms.conftest import sign

    url = BASE + "/blacklist/key"
    headers = sign(private_key, url=url, method="GET", body=b"", components=SIGNED_GET)
    got = client.get("/api/v1/platform/blacklist/key", headers=headers)
    assert got.status_code == 200 and got["Content-Type"].startswith("application/json")
    key = base64.b64decode(got.json()["key"])
    # The platform computes the hash of its own account id (with or without the "@").
    assert check_hash("account", ACCOUNT.lstrip("@"), key=key) == listed.check_hash
    assert client.get("/api/v1/platform/blacklist/key").status_code == 401
    # Another platform asking about an account id of the same spelling learns "no".
    other = platform_create(
        actor="system",
        name="别家",
        name_en="Other",
        icp_number="浙ICP备20260009号",
        jurisdiction=platform.jurisdiction,
    )
    assert blacklist_check(platform=other, kind="account", key=account_check()) is False


SIGNED_GET = ("@method", "@authority", "@path")
