"""Early warning (§7) and cyber-violence alerts (§9): surges found by the spike detector over
report counts per target, item, region and platform, stored once with their evidence."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from jubao.accounts.models import Office, Platform, Role
from jubao.cases.models import Case
from jubao.errors import DomainError, Forbidden
from jubao.insights import early_warning
from jubao.insights.early_warning import warning_acknowledge, warning_close, warnings_scan
from jubao.insights.models import EarlyWarning, WarningDimension, WarningKind, WarningStatus
from jubao.intake.models import Report, Target
from jubao.ledger.models import LedgerEntry
from jubao.platforms.models import Webhook

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 12, 30, tzinfo=dt.UTC)
SURGE_HOUR = dt.datetime(2026, 3, 10, 11, 0, tzinfo=dt.UTC)  # the last complete hour
_numbers = itertools.count(1)


def make_reports(
    count: int,
    at: dt.datetime,
    *,
    office: Office,
    item: str = "personal.doxxing",
    platform: Platform | None = None,
    target: str | None = None,
) -> list[Report]:
    """`count` reports submitted at `at`, each on a case of its own, about `target` (a distinct
    target each when None)."""
    reports = []
    for _ in range(count):
        n = next(_numbers)
        case = Case.objects.create(
            reference=f"A-W{n}",
            item_code=item,
            catalogue_version="test",
            catalogue_hash="test",
            track="normal",
            priority=2,
            jurisdiction=office,
            platform=platform,
        )
        reports.append(
            Report(
                reference=f"R-W{n}",
                case=case,
                item_code=item,
                catalogue_version="test",
                catalogue_hash="test",
                channel="web",
                reporter_role="victim",
                description="test",
                track="normal",
                priority=2,
                jurisdiction=office,
                platform=platform,
                receipt_hash=f"w{n:063d}",
            )
        )
    created = Report.objects.bulk_create(reports)
    Target.objects.bulk_create(
        Target(
            report=report,
            position=0,
            fields={"url": "https://example.test/x"},
            target_key=target or f"distinct-{report.reference}",
        )
        for report in created
    )
    Report.objects.filter(pk__in=[r.pk for r in created]).update(submitted_at=at)
    return created


def _hours_ago(hours: int) -> dt.datetime:
    return SURGE_HOUR - dt.timedelta(hours=hours) + dt.timedelta(minutes=10)


@pytest.fixture
def person_surge(offices: dict[str, Office], platform: Platform) -> dict[str, Any]:
    """One report about a target three days ago, then ten in one hour on the platform."""
    office = offices["330106"]
    make_reports(1, _hours_ago(72), office=office, platform=platform, target="tk-person")
    surge = make_reports(
        10,
        SURGE_HOUR + dt.timedelta(minutes=5),
        office=office,
        platform=platform,
        target="tk-person",
    )
    return {"office": office, "surge": surge}


def test_a_surge_about_a_person_opens_one_cyberviolence_alert(person_surge, platform):
    result = warnings_scan(now=NOW)
    alerts = EarlyWarning.objects.filter(dimension=WarningDimension.TARGET)
    assert alerts.count() == 1
    alert = alerts.get()
    assert alert.kind == WarningKind.CYBERVIOLENCE
    assert alert.key == "tk-person"
    assert alert.interval_start == SURGE_HOUR
    assert alert.count == 10 and alert.baseline < 1 and alert.score >= 4
    assert sorted(alert.report_ids) == sorted(r.pk for r in person_surge["surge"])
    assert alert.office == person_surge["office"]
    assert alert.platform == platform and alert.advised_at is not None
    assert alert.status == WarningStatus.OPEN
    assert EarlyWarning.objects.filter(kind=WarningKind.CYBERVIOLENCE).count() == 1
    assert alert.pk in result.created and result.advised == [alert.pk]

    webhook = Webhook.objects.get(event=early_warning.PROTECT_EVENT)
    assert webhook.platform == platform
    assert webhook.idempotency_key == f"warning.protect:{alert.pk}"
    assert webhook.body["warning"] == alert.pk and webhook.body["count"] == 10
    assert webhook.body["measures"] == ["limit_stranger_comments", "limit_stranger_messages"]
    assert set(webhook.body) == {"warning", "interval_start", "interval_hours", "count", "measures"}
    assert LedgerEntry.objects.filter(
        action="warning.raise", ref=f"insights.earlywarning:{alert.pk}"
    )

    # Scanning again, also later within the hour, creates nothing and sends nothing.
    total = EarlyWarning.objects.count()
    again = warnings_scan(now=NOW + dt.timedelta(minutes=20))
    assert again.created == [] and EarlyWarning.objects.count() == total
    assert Webhook.objects.filter(event=early_warning.PROTECT_EVENT).count() == 1


def test_the_scan_uses_a_few_grouped_queries(person_surge, django_assert_max_num_queries):
    # Four counting queries; the rest is per alert (evidence, office, storing, the webhook).
    with django_assert_max_num_queries(4 + 4 * 25):
        warnings_scan(now=NOW)
    EarlyWarning.objects.all().delete()
    make_reports(200, _hours_ago(30), office=person_surge["office"])
    with django_assert_max_num_queries(4):
        early_warning.counts(NOW - dt.timedelta(days=14), SURGE_HOUR, 1)


def test_a_surge_about_an_enterprise_target_is_no_cyberviolence(offices, platform):
    office = offices["330106"]
    make_reports(1, _hours_ago(50), office=office, item="enterprise.counterfeit", target="tk-co")
    make_reports(
        8,
        SURGE_HOUR,
        office=office,
        item="enterprise.counterfeit",
        platform=platform,
        target="tk-co",
    )
    warnings_scan(now=NOW)
    alert = EarlyWarning.objects.get(dimension=WarningDimension.TARGET)
    assert alert.kind == WarningKind.SURGE and alert.advised_at is None
    assert not Webhook.objects.filter(event=early_warning.PROTECT_EVENT).exists()


def test_a_quiet_key_and_an_incomplete_hour_raise_nothing(offices, platform):
    office = offices["330106"]
    for hours in range(2, 200, 7):
        make_reports(1, _hours_ago(hours), office=office, platform=platform, target="tk-quiet")
    # A surge in the hour still running is not scanned yet.
    make_reports(9, NOW - dt.timedelta(minutes=5), office=office, target="tk-later")
    make_reports(1, _hours_ago(60), office=office, target="tk-later")
    assert warnings_scan(now=NOW).created == []
    assert not EarlyWarning.objects.exists()
    assert warnings_scan(now=NOW + dt.timedelta(hours=1)).created != []


def test_item_platform_and_region_surges(offices, platform):
    county = offices["330106"]
    # Busy background elsewhere (another province, another item), distinct targets.
    for hours in range(1, 300, 5):
        make_reports(2, _hours_ago(hours), office=offices["440000"], item="personal.portrait")
    make_reports(1, _hours_ago(100), office=county, item="personal.info.address", platform=platform)
    surge = make_reports(
        9, SURGE_HOUR, office=county, item="personal.info.address", platform=platform
    )
    warnings_scan(now=NOW)
    found = {w.dimension: w for w in EarlyWarning.objects.all()}
    assert set(found) == {WarningDimension.ITEM, WarningDimension.PLATFORM, WarningDimension.REGION}
    assert found[WarningDimension.ITEM].key == "personal.info.address"
    assert found[WarningDimension.PLATFORM].key == str(platform.pk)
    assert found[WarningDimension.PLATFORM].platform == platform
    assert found[WarningDimension.REGION].key == "33"
    assert found[WarningDimension.REGION].office == offices["330000"]
    for warning in found.values():
        assert warning.kind == WarningKind.SURGE and warning.count == 9
        assert sorted(warning.report_ids) == sorted(r.pk for r in surge)
    assert not Webhook.objects.exists()


def test_longer_intervals(offices, platform):
    office = offices["330106"]
    make_reports(1, _hours_ago(80), office=office, target="tk-slow")
    # Six reports spread over a six-hour interval: no single hour is a surge.
    start = dt.datetime(2026, 3, 10, 6, 0, tzinfo=dt.UTC)
    for hour in range(6):
        make_reports(1, start + dt.timedelta(hours=hour), office=office, target="tk-slow")
    assert warnings_scan(now=NOW).created == []
    warnings_scan(now=NOW, interval_hours=6)
    alert = EarlyWarning.objects.get(dimension=WarningDimension.TARGET)
    assert alert.interval_start == start and alert.interval_hours == 6 and alert.count == 6


def test_cross_region_keys_go_to_the_central_office(offices, platform):
    make_reports(1, _hours_ago(40), office=offices["330106"], target="tk-wide")
    make_reports(3, SURGE_HOUR, office=offices["330106"], target="tk-wide")
    make_reports(3, SURGE_HOUR, office=offices["440000"], target="tk-wide")
    warnings_scan(now=NOW)
    alert = EarlyWarning.objects.get(dimension=WarningDimension.TARGET)
    assert alert.office.code == "000000"


# --- staff pages ---------------------------------------------------------------------------


@pytest.fixture
def alert(person_surge) -> EarlyWarning:
    warnings_scan(now=NOW)
    return EarlyWarning.objects.get(dimension=WarningDimension.TARGET)


def test_the_list_is_scoped_by_jurisdiction(alert, make_user, staff_client):
    here = staff_client(make_user("sup_zj", Role.SUPERVISOR, office="330000"))
    away = staff_client(make_user("sup_gd", Role.SUPERVISOR, office="440000"))
    central = staff_client(make_user("aud_c", Role.AUDITOR, office="000000"))
    page = here.get("/workbench/transparency/warnings/")
    assert page.status_code == 200 and f'data-warning="{alert.pk}"' in page.content.decode()
    assert (
        f'data-warning="{alert.pk}"'
        in central.get("/workbench/transparency/warnings/").content.decode()
    )
    assert (
        f'data-warning="{alert.pk}"'
        not in away.get("/workbench/transparency/warnings/").content.decode()
    )
    assert away.get(f"/workbench/transparency/warnings/{alert.pk}/").status_code == 404

    detail = here.get(f"/workbench/transparency/warnings/{alert.pk}/").content.decode()
    for pk in alert.report_ids:
        report = Report.objects.select_related("case").get(pk=pk)
        assert report.reference in detail and f"/cases/{report.case_id}/" in detail
    filtered = here.get("/workbench/transparency/warnings/?dimension=item&status=open")
    assert f'data-warning="{alert.pk}"' not in filtered.content.decode()
    filtered = here.get("/workbench/transparency/warnings/?dimension=target&status=open")
    assert f'data-warning="{alert.pk}"' in filtered.content.decode()


def test_others_may_not_see_the_list(make_user, staff_client, offices):
    reviewer = staff_client(make_user("rev", Role.REVIEWER))
    assert reviewer.get("/workbench/transparency/warnings/").status_code == 403
    assert reviewer.get("/workbench/transparency/satisfaction/").status_code == 403


def test_open_alerts_come_first(alert, make_user):
    supervisor = make_user("sup_zj", Role.SUPERVISOR, office="330000")
    others = EarlyWarning.objects.exclude(pk=alert.pk)
    assert others.exists()
    EarlyWarning.objects.filter(pk=alert.pk).update(status=WarningStatus.CLOSED)
    listed = list(early_warning.warnings_for(supervisor))
    assert listed[-1].pk == alert.pk


def test_acknowledge_and_close_with_ledger_entries(alert, make_user, staff_client):
    supervisor = make_user("sup_zj", Role.SUPERVISOR, office="330000")
    client = staff_client(supervisor)
    url = f"/workbench/transparency/warnings/{alert.pk}/"
    assert client.post(url + "acknowledge/", {"note": "已联系平台"}).status_code == 302
    alert.refresh_from_db()
    assert alert.status == WarningStatus.ACKNOWLEDGED and alert.acknowledged_by == supervisor
    assert alert.acknowledge_note == "已联系平台"
    entry = LedgerEntry.objects.get(action="warning.acknowledge")
    assert (
        entry.ref == f"insights.earlywarning:{alert.pk}" and entry.actor == f"user:{supervisor.pk}"
    )

    # Closing needs a note.
    client.post(url + "close/", {"note": " "})
    alert.refresh_from_db()
    assert alert.status == WarningStatus.ACKNOWLEDGED
    client.post(url + "close/", {"note": "平台已开启防护"})
    alert.refresh_from_db()
    assert alert.status == WarningStatus.CLOSED and alert.close_note == "平台已开启防护"
    assert LedgerEntry.objects.get(action="warning.close").actor == f"user:{supervisor.pk}"
    with pytest.raises(DomainError):
        warning_close(user=supervisor, warning=alert, note="again")
    with pytest.raises(DomainError):
        warning_acknowledge(user=supervisor, warning=alert)


def test_only_supervisors_of_the_jurisdiction_act(alert, make_user):
    auditor = make_user("aud", Role.AUDITOR, office="330000")
    with pytest.raises(Forbidden):
        warning_acknowledge(user=auditor, warning=alert)
    away = make_user("sup_gd", Role.SUPERVISOR, office="440000")
    with pytest.raises(DomainError):
        warning_close(user=away, warning=alert, note="not mine")
    alert.refresh_from_db()
    assert alert.status == WarningStatus.OPEN
    assert not LedgerEntry.objects.filter(action__in=["warning.acknowledge", "warning.close"])


def test_the_worker_job_scans_once_per_interval(person_surge, monkeypatch):
    early_warning._last_scanned.clear()
    assert early_warning.warnings_watch(now=NOW) is not None
    assert early_warning.warnings_watch(now=NOW + dt.timedelta(minutes=5)) is None
    assert early_warning.warnings_watch(now=NOW + dt.timedelta(hours=1)) is not None
