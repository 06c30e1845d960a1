"""Early warning (§7) and cyber-violence alerts (§9): surges of reports per target, report item,
region and platform, found by `jubao.analysis.spikes`.

`warnings_scan()` counts reports per key and hour in the database (`TruncHour`, `Count`), adds
the hours up into intervals, feeds each dimension's counts over the lookback to a fresh
`SpikeDetector`, and stores every alert of the recent intervals once (unique on dimension, key
and interval start, so running it again creates nothing). A surge about one target whose reports
are about a person (catalogue areas `cyberviolence` and `personal`) is a cyber-violence alert: the
platform where the content is gets one webhook recommending protective measures.

Supervisors acknowledge and close alerts; each step is in the ledger with ids and codes only.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, IntegerField, QuerySet, Value, When
from django.db.models.functions import Substr, TruncHour
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jubao.accounts.models import Office, OfficeLevel, Platform, Role, User
from jubao.accounts.policies import has_role, policy
from jubao.analysis.spikes import Alert, SpikeDetector
from jubao.catalogue import Area, get_catalogue
from jubao.errors import DomainError, Forbidden, NotFound
from jubao.insights.models import EarlyWarning, WarningDimension, WarningKind, WarningStatus
from jubao.intake.models import Report, Target
from jubao.ledger.services import actor_ref, ledger_append, obj_ref
from jubao.platforms.webhooks import webhook_enqueue

SUPERVISE = "cases.supervise"
NOTE_MAX_LENGTH = 2000
PERSON_AREAS = frozenset({Area.CYBERVIOLENCE, Area.PERSONAL})
# The protective measures recommended to a platform for a person under a surge of reports.
PROTECT_MEASURES = ("limit_stranger_comments", "limit_stranger_messages")
PROTECT_MEASURE_LABELS = {
    "limit_stranger_comments": gettext_lazy("Limit comments from strangers"),
    "limit_stranger_messages": gettext_lazy("Limit private messages from strangers"),
}
PROTECT_EVENT = "warning.protect"


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, f"JUBAO_WARNING_{name}", default)


def configured_interval_hours() -> int:
    return max(1, int(_setting("INTERVAL_HOURS", 1)))


def lookback_days() -> int:
    return max(1, int(_setting("LOOKBACK_DAYS", 14)))


def recent_hours() -> int:
    """Only alerts of intervals that ended this recently are stored: older intervals are scored
    with less history at the start of the lookback, and were scored already when they were new."""
    return max(1, int(_setting("RECENT_HOURS", 24)))


def detector_params() -> dict[str, Any]:
    """Parameters of the spike detector (see docs/analysis-spikes.md)."""
    return {
        "threshold": float(_setting("THRESHOLD", 4.0)),
        "min_count": int(_setting("MIN_COUNT", 5)),
        "warmup": int(_setting("WARMUP", 8)),
        "alpha": float(_setting("ALPHA", 0.05)),
    }


# --- counting ------------------------------------------------------------------------------


def _floor(moment: dt.datetime, hours: int) -> dt.datetime:
    """The start of the interval of `hours` hours (counted from the epoch, UTC) holding `moment`."""
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    step = dt.timedelta(hours=hours)
    return epoch + ((moment.astimezone(dt.UTC) - epoch) // step) * step


def _hourly(
    queryset: QuerySet[Any], time_field: str, key_field: str, count: Count
) -> Iterable[dict[str, Any]]:
    return (
        queryset.annotate(hour=TruncHour(time_field, tzinfo=dt.UTC))
        .values(key_field, "hour")
        .annotate(n=count)
        .order_by()
    )


def _series(
    rows: Iterable[dict[str, Any]], key_field: str, hours: int
) -> dict[str, dict[dt.datetime, int]]:
    """Hourly rows added up into intervals: key -> interval start -> count."""
    series: dict[str, dict[dt.datetime, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        key = row[key_field]
        if key is None or key == "":
            continue
        series[str(key)][_floor(row["hour"], hours)] += row["n"]
    return series


def counts(start: dt.datetime, end: dt.datetime, hours: int) -> dict[str, dict[str, Any]]:
    """Reports per dimension, key and interval submitted in [start, end), four grouped queries."""
    reports = Report.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
    targets = Target.objects.filter(report__submitted_at__gte=start, report__submitted_at__lt=end)
    one = Count("pk")
    return {
        WarningDimension.TARGET: _series(
            _hourly(
                targets, "report__submitted_at", "target_key", Count("report_id", distinct=True)
            ),
            "target_key",
            hours,
        ),
        WarningDimension.ITEM: _series(
            _hourly(reports, "submitted_at", "item_code", one), "item_code", hours
        ),
        WarningDimension.REGION: _series(
            _hourly(
                reports.annotate(region=Substr("jurisdiction__code", 1, 2)),
                "submitted_at",
                "region",
                one,
            ),
            "region",
            hours,
        ),
        WarningDimension.PLATFORM: _series(
            _hourly(reports, "submitted_at", "platform_id", one), "platform_id", hours
        ),
    }


def detect_surges(
    series: dict[str, dict[dt.datetime, int]], hours: int, params: dict[str, Any]
) -> list[Alert]:
    """Feed each key's intervals, in time order, to one fresh detector; skipped intervals are
    zeros for the detector."""
    detector = SpikeDetector(interval=dt.timedelta(hours=hours), **params)
    alerts: list[Alert] = []
    for key in sorted(series):
        for start, count in sorted(series[key].items()):
            alert = detector.update(key, start, count)
            if alert is not None:
                alerts.append(alert)
    return alerts


# --- storing alerts ------------------------------------------------------------------------


def _evidence(dimension: str, key: str, start: dt.datetime, hours: int) -> QuerySet[Report]:
    reports = Report.objects.filter(
        submitted_at__gte=start, submitted_at__lt=start + dt.timedelta(hours=hours)
    )
    if dimension == WarningDimension.TARGET:
        return reports.filter(targets__target_key=key).distinct()
    if dimension == WarningDimension.ITEM:
        return reports.filter(item_code=key)
    if dimension == WarningDimension.REGION:
        return reports.filter(jurisdiction__code__startswith=key)
    return reports.filter(platform_id=int(key))


def _central() -> Office:
    return Office.objects.get(level=OfficeLevel.CENTRAL)


def _office_for(dimension: str, key: str, offices: list[Office]) -> Office:
    """The office that sees the alert: the one office of all the reports, else their province,
    else the central office. A region's alert goes to the province's office."""
    if dimension == WarningDimension.REGION:
        found = Office.objects.filter(code__startswith=key, level=OfficeLevel.PROVINCE).first()
        return found or _central()
    unique = {office.pk: office for office in offices}
    if len(unique) == 1:
        return next(iter(unique.values()))
    provinces = {office.code[:2] for office in offices}
    if len(provinces) == 1:
        found = Office.objects.filter(
            code__startswith=provinces.pop(), level=OfficeLevel.PROVINCE
        ).first()
        if found is not None:
            return found
    return _central()


def _about_a_person(item_codes: list[str]) -> bool:
    """True if at least half of the reports are of items about a person."""
    catalogue = get_catalogue()
    personal = 0
    for code in item_codes:
        try:
            if catalogue.item(code).area in PERSON_AREAS:
                personal += 1
        except KeyError:
            continue
    return bool(item_codes) and 2 * personal >= len(item_codes)


@dataclass
class ScanResult:
    created: list[int] = field(default_factory=list)  # ids of the alerts created
    advised: list[int] = field(default_factory=list)  # ids of the alerts that queued a webhook
    intervals: int = 0


def _advise(warning: EarlyWarning, now: dt.datetime) -> bool:
    """Queue the protective measures' recommendation to the platform, once per alert. Ids,
    times, counts and measure codes only: no report text, no person, no URL."""
    if warning.platform is None:
        return False
    body = {
        "warning": warning.pk,
        "interval_start": warning.interval_start.isoformat(),
        "interval_hours": warning.interval_hours,
        "count": warning.count,
        "measures": list(PROTECT_MEASURES),
    }
    webhook_enqueue(
        platform=warning.platform,
        event=PROTECT_EVENT,
        body=body,
        key=f"{PROTECT_EVENT}:{warning.pk}",
    )
    warning.advised_at = now
    warning.save(update_fields=["advised_at"])
    return True


def _store(alert: Alert, dimension: str, hours: int, now: dt.datetime) -> EarlyWarning | None:
    key = str(alert.key)
    start = alert.start
    assert isinstance(start, dt.datetime)
    if EarlyWarning.objects.filter(dimension=dimension, key=key, interval_start=start).exists():
        return None
    rows = list(
        _evidence(dimension, key, start, hours)
        .order_by("submitted_at", "pk")
        .values_list("pk", "item_code", "platform_id", "jurisdiction_id")
    )
    offices_by_pk = Office.objects.in_bulk({row[3] for row in rows})
    office = _office_for(dimension, key, [offices_by_pk[row[3]] for row in rows])
    kind = WarningKind.SURGE
    platform: Platform | None = None
    if dimension == WarningDimension.PLATFORM:
        platform = Platform.objects.filter(pk=int(key)).first()
    elif dimension == WarningDimension.TARGET:
        if _about_a_person([row[1] for row in rows]):
            kind = WarningKind.CYBERVIOLENCE
        named = Counter(row[2] for row in rows if row[2] is not None).most_common(1)
        if named:
            platform = Platform.objects.filter(pk=named[0][0]).first()
    try:
        with transaction.atomic():
            warning = EarlyWarning.objects.create(
                dimension=dimension,
                key=key,
                kind=kind,
                interval_start=start,
                interval_hours=hours,
                count=alert.count,
                baseline=round(alert.baseline, 3),
                score=round(alert.score, 3),
                report_ids=[row[0] for row in rows],
                office=office,
                platform=platform,
            )
            ledger_append(
                actor="system",
                action="warning.raise",
                ref=obj_ref(warning),
                payload={"dimension": dimension, "kind": kind, "office": office.pk},
            )
            if kind == WarningKind.CYBERVIOLENCE:
                _advise(warning, now)
    except IntegrityError:  # another scan stored it first
        return None
    return warning


def warnings_scan(now: dt.datetime | None = None, interval_hours: int | None = None) -> ScanResult:
    """Count the reports of the lookback per dimension, key and interval, run the detector and
    store the alerts of the recent intervals once. Only complete intervals are scanned. Safe to
    run as often as wanted."""
    now = now or timezone.now()
    hours = interval_hours or configured_interval_hours()
    end = _floor(now, hours)
    start = _floor(end - dt.timedelta(days=lookback_days()), hours)
    recent = end - dt.timedelta(hours=max(recent_hours(), hours))
    params = detector_params()
    result = ScanResult(intervals=int((end - start) / dt.timedelta(hours=hours)))
    for dimension, series in counts(start, end, hours).items():
        for alert in detect_surges(series, hours, params):
            assert isinstance(alert.start, dt.datetime)
            if alert.start < recent:
                continue
            warning = _store(alert, dimension, hours, now)
            if warning is not None:
                result.created.append(warning.pk)
                if warning.advised_at is not None:
                    result.advised.append(warning.pk)
    return result


_last_scanned: dict[str, dt.datetime] = {}


def warnings_watch(now: dt.datetime | None = None) -> ScanResult | None:
    """The worker's job: scan once per completed interval (the process remembers the last one;
    a repeated scan would create nothing anyway)."""
    now = now or timezone.now()
    end = _floor(now, configured_interval_hours())
    if _last_scanned.get("end") == end:
        return None
    result = warnings_scan(now=now)
    _last_scanned["end"] = end
    return result


# --- reading -------------------------------------------------------------------------------


def warnings_for(user: User) -> QuerySet[EarlyWarning]:
    """Alerts of the user's jurisdiction: open first, then acknowledged, then closed; newest
    first within each."""
    base = EarlyWarning.objects.select_related("office", "platform")
    order = {WarningStatus.OPEN: 0, WarningStatus.ACKNOWLEDGED: 1, WarningStatus.CLOSED: 2}
    rank = Case(
        *[When(status=status, then=Value(n)) for status, n in order.items()],
        output_field=IntegerField(),
    )
    return (
        policy(SUPERVISE)
        .scope(user, base, "office")
        .annotate(rank=rank)
        .order_by("rank", "-interval_start", "-pk")
    )


def warning_get(user: User, pk: int) -> EarlyWarning:
    found = warnings_for(user).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def warning_evidence(warning: EarlyWarning) -> QuerySet[Report]:
    """The reports counted in the alert's interval, oldest first, with their cases."""
    return (
        Report.objects.filter(pk__in=warning.report_ids)
        .select_related("case")
        .order_by("submitted_at", "pk")
    )


def key_label(warning: EarlyWarning) -> str:
    """What the key is, as staff read it (a target stays a hash: it may name a person)."""
    if warning.dimension == WarningDimension.ITEM:
        try:
            return str(get_catalogue().item(warning.key).name)
        except KeyError:
            return warning.key
    if warning.dimension == WarningDimension.PLATFORM:
        return str(warning.platform) if warning.platform else warning.key
    if warning.dimension == WarningDimension.REGION:
        office = Office.objects.filter(
            code__startswith=warning.key, level=OfficeLevel.PROVINCE
        ).first()
        return office.name if office else warning.key
    return warning.key[:12]


# --- acknowledging and closing -------------------------------------------------------------


def _note(note: str | None, *, required: bool) -> str:
    note = (note or "").strip()
    if required and not note:
        raise DomainError(_("Write a note."), code="required", field="note")
    if len(note) > NOTE_MAX_LENGTH:
        raise DomainError(
            _("Keep this under %(count)d characters.") % {"count": NOTE_MAX_LENGTH},
            code="too_long",
            field="note",
        )
    return note


def _lock(user: User, warning: EarlyWarning) -> EarlyWarning:
    if not has_role(user, Role.SUPERVISOR):
        raise Forbidden(_("Only supervisors acknowledge or close early warnings."))
    scoped = policy(SUPERVISE).scope(user, EarlyWarning.objects.all(), "office")
    locked = scoped.select_for_update().filter(pk=warning.pk).first()
    if locked is None:
        raise NotFound()
    return locked


def warning_acknowledge(*, user: User, warning: EarlyWarning, note: str = "") -> EarlyWarning:
    """A supervisor takes note of an open alert (the note is optional)."""
    text = _note(note, required=False)
    with transaction.atomic():
        locked = _lock(user, warning)
        if locked.status != WarningStatus.OPEN:
            raise DomainError(_("Only an open early warning can be acknowledged."), code="state")
        locked.status = WarningStatus.ACKNOWLEDGED
        locked.acknowledged_by = user
        locked.acknowledged_at = timezone.now()
        locked.acknowledge_note = text
        locked.save(
            update_fields=["status", "acknowledged_by", "acknowledged_at", "acknowledge_note"]
        )
        ledger_append(
            actor=actor_ref(user),
            action="warning.acknowledge",
            ref=obj_ref(locked),
            payload={"warning": locked.pk},
        )
    return locked


def warning_close(*, user: User, warning: EarlyWarning, note: str) -> EarlyWarning:
    """A supervisor closes an open or acknowledged alert with a note saying what was done."""
    text = _note(note, required=True)
    with transaction.atomic():
        locked = _lock(user, warning)
        if locked.status == WarningStatus.CLOSED:
            raise DomainError(_("This early warning is already closed."), code="state")
        previous = locked.status
        locked.status = WarningStatus.CLOSED
        locked.closed_by = user
        locked.closed_at = timezone.now()
        locked.close_note = text
        locked.save(update_fields=["status", "closed_by", "closed_at", "close_note"])
        ledger_append(
            actor=actor_ref(user),
            action="warning.close",
            ref=obj_ref(locked),
            payload={"warning": locked.pk, "previous": previous},
        )
    return locked
