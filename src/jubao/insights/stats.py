"""Statistics of reports and cases (§4, §7): pre-aggregated figures and the dashboards' queries.

The dashboards never scan reports or cases. `DailyFigure` and `MeasureFigure` hold one row per
day and combination of office, report item, channel and platform; the services keep them current
by calling, in the transaction that makes the change:

- `figures_on_report(report)` after a report is created;
- `figures_on_move(case, move, at)` after a case's move is recorded (its `CaseEvent` exists);
- `figures_on_measure(measure)` after a measure is created.

Each adds to one row of the daily figures and to one row of each slice (`SliceFigure`,
`MeasureSlice`: the same figures summed over all but at most two dimensions, one upsert
statement for all the slices). The queries read a slice whenever the dimensions they group and
filter by fit one, so they read a few thousand rows a year however many reports there are, and
fall back to the daily figures otherwise (a city office's scope, three filters at once).
`figures_rebuild()` recomputes every row from the reports, cases, events and measures with grouped
queries (`jubao insights rebuild`); the incremental figures equal a rebuild. The formulas are in
`docs/statistics.md`.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from jubao.accounts.models import Office, Platform
from jubao.cases.clocks import clock_rows, stopped_in_time
from jubao.cases.models import Case, CaseEvent, Offence
from jubao.catalogue import Stage, get_catalogue
from jubao.insights.models import DailyFigure, Grain, MeasureFigure, MeasureSlice, SliceFigure
from jubao.intake.models import Channel, Report
from jubao.measures.models import Measure

# The moves counted, once per case, and the figure each adds to.
COUNTED_MOVES = {"accept": "accepted", "refuse": "not_accepted", "dispose": "disposed"}
ANSWER = "answer"
# Histogram of the time from opening to the first answer: (upper bound in days, field).
BUCKETS: tuple[tuple[int | None, str], ...] = (
    (1, "handled_1d"),
    (3, "handled_3d"),
    (7, "handled_7d"),
    (15, "handled_15d"),
    (30, "handled_30d"),
    (None, "handled_more"),
)
COUNT_FIELDS = (
    "received",
    "opened",
    "accepted",
    "not_accepted",
    "disposed",
    "answered",
    "answered_on_time",
    "handling_seconds_sum",
    "handling_count",
    *(f for _days, f in BUCKETS),
)
MAX_MONTHS = 120

# The dimensions of the slices, as the bits of `Grain`, and their columns.
REGION, ITEM, CHANNEL, PLATFORM = 1, 2, 4, 8
SLICE_DIMS = (
    (REGION, "region"),
    (ITEM, "item_code"),
    (CHANNEL, "channel"),
    (PLATFORM, "platform_id"),
)
GRAINS = frozenset(Grain.values)
MEASURE_GRAINS = frozenset({Grain.TOTAL, Grain.REGION, Grain.ITEM, Grain.PLATFORM})


def region_of(code: str) -> str:
    """The province of a division code: "330106" -> "330000"."""
    return code[:2] + "0000"


def _day(moment: datetime) -> date:
    return timezone.localdate(moment)


# --- keeping the figures current -----------------------------------------------------------


def _add(
    model: type[DailyFigure] | type[MeasureFigure], key: dict[str, Any], **amounts: int
) -> None:
    """Add `amounts` to the row of `key`, creating it if needed (one row per key)."""
    amounts = {name: n for name, n in amounts.items() if n}
    if not amounts:
        return
    with transaction.atomic():
        pk = model.objects.filter(**key).values_list("pk", flat=True).first()
        if pk is None:
            try:
                with transaction.atomic():
                    model.objects.create(**key, **amounts)
                return
            except IntegrityError:  # a concurrent insert of the same key: add to it instead
                pk = model.objects.filter(**key).values_list("pk", flat=True).first()
                if pk is None:
                    raise
        model.objects.filter(pk=pk).update(**{name: F(name) + n for name, n in amounts.items()})


def _slice_value(grain: int, bit: int, column: str, key: dict[str, Any]) -> Any:
    if column == "platform_id":
        return (key["platform_id"] or 0) if grain & bit else 0
    return key[column] if grain & bit else ""


def _upsert(
    model: type[SliceFigure] | type[MeasureSlice],
    unique: tuple[str, ...],
    rows: list[dict[str, Any]],
    amounts: dict[str, int],
    zeros: tuple[str, ...],
) -> None:
    """Add `amounts` to each of `rows` (keyed by `unique`) in one INSERT ... ON CONFLICT."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = (*unique, *zeros)
    values = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(rows))
    update = ", ".join(f"{quote(n)} = {table}.{quote(n)} + excluded.{quote(n)}" for n in amounts)
    # Identifiers come from the models and this module; every value is a parameter.
    into, keys = ", ".join(quote(c) for c in columns), ", ".join(quote(c) for c in unique)
    sql = (
        f"INSERT INTO {table} ({into}) VALUES {values} ON CONFLICT ({keys}) DO UPDATE SET {update}"  # noqa: S608  # nosec B608
    )
    params: list[Any] = []
    for row in rows:
        params += [row[c] for c in unique]
        params += [amounts.get(n, 0) for n in zeros]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _count(key: dict[str, Any], **amounts: int) -> None:
    """Add `amounts` to the daily row of `key` and to the matching row of every slice."""
    amounts = {name: n for name, n in amounts.items() if n}
    if not amounts:
        return
    _add(DailyFigure, key, **amounts)
    day = connection.ops.adapt_datefield_value(key["day"])
    rows = [
        {"grain": g, "day": day, **{c: _slice_value(g, bit, c, key) for bit, c in SLICE_DIMS}}
        for g in sorted(GRAINS)
    ]
    unique = ("grain", "day", "region", "item_code", "channel", "platform_id")
    _upsert(SliceFigure, unique, rows, amounts, COUNT_FIELDS)


def _office_region(office_id: int) -> str:
    return region_of(Office.objects.values_list("code", flat=True).get(pk=office_id))


def _first_channel(case_id: int) -> str:
    channel = (
        Report.objects.filter(case_id=case_id).order_by("pk").values_list("channel", flat=True)
    ).first()
    return channel or ""


def _case_key(case: Case, channel: str | None = None) -> dict[str, Any]:
    return {
        "day": _day(case.opened_at),
        "office_id": case.jurisdiction_id,
        "region": _office_region(case.jurisdiction_id),
        "item_code": case.item_code,
        "channel": _first_channel(case.pk) if channel is None else channel,
        "platform_id": case.platform_id,
    }


def figures_on_report(report: Report) -> None:
    """Count a new report, and its case as opened if it is the case's first report."""
    key = {
        "day": _day(report.submitted_at),
        "office_id": report.jurisdiction_id,
        "region": _office_region(report.jurisdiction_id),
        "item_code": report.item_code,
        "channel": report.channel,
        "platform_id": report.platform_id,
    }
    _count(key, received=1)
    if not Report.objects.filter(case_id=report.case_id, pk__lt=report.pk).exists():
        case = Case.objects.get(pk=report.case_id)
        _count(_case_key(case, report.channel), opened=1)


def _answer_amounts(
    opened_at: datetime, clocks: dict[str, Any], answered_at: datetime
) -> dict[str, int]:
    """What the first answer of a case adds: on time or not, and its handling time."""
    seconds = max(0, int((answered_at - opened_at).total_seconds()))
    days = seconds / 86400
    bucket = next(f for bound, f in BUCKETS if bound is None or days <= bound)
    return {
        "answered": 1,
        "answered_on_time": int(_clocks_on_time(clocks, answered_at)),
        "handling_seconds_sum": seconds,
        "handling_count": 1,
        bucket: 1,
    }


def answered_on_time(case: Case, at: datetime) -> bool:
    """True when the overall clock stopped within its limit (without an overall clock: when no
    stopped clock was late)."""
    return _clocks_on_time(case.clocks, at)


def _clocks_on_time(clocks: dict[str, Any], at: datetime) -> bool:
    overall = clocks.get(str(Stage.OVERALL))
    if overall:
        return bool(stopped_in_time(overall))
    return all(r.state != "late" for r in clock_rows(Case(clocks=clocks), at))


def figures_on_move(case: Case, move: str, at: datetime | None = None) -> None:
    """Count a move of a case the first time the case makes it (accept, refuse, dispose,
    answer); later repeats of the same move (after a reopening) are not counted again.
    Call it after the move's CaseEvent is saved; `at` is used only if there is none."""
    move = str(move)
    if move not in COUNTED_MOVES and move != ANSWER:
        return
    events = CaseEvent.objects.filter(case_id=case.pk, move=move).order_by("at", "pk")
    first = events.values_list("pk", "at").first()
    if first is not None and events.count() > 1:
        return  # counted when the case first made this move
    when = first[1] if first is not None else (at or timezone.now())
    key = _case_key(case)
    if move == ANSWER:
        _count(key, **_answer_amounts(case.opened_at, case.clocks, when))
    else:
        _count(key, **{COUNTED_MOVES[move]: 1})


def figures_on_measure(measure: Measure) -> None:
    """Count a measure ordered (a conversion's removal measure counts as a new one)."""
    case = Case.objects.only("jurisdiction_id", "item_code").get(pk=measure.case_id)
    key: dict[str, Any] = {
        "day": _day(measure.ordered_at),
        "office_id": case.jurisdiction_id,
        "region": _office_region(case.jurisdiction_id),
        "code": measure.code,
        "item_code": case.item_code,
        "platform_id": measure.platform_id,
    }
    _add(MeasureFigure, key, ordered=1)
    day = connection.ops.adapt_datefield_value(key["day"])
    rows = [
        {
            "grain": g,
            "day": day,
            "code": measure.code,
            **{c: _slice_value(g, bit, c, key) for bit, c in SLICE_DIMS if bit != CHANNEL},
        }
        for g in sorted(MEASURE_GRAINS)
    ]
    unique = ("grain", "day", "code", "region", "item_code", "platform_id")
    _upsert(MeasureSlice, unique, rows, {"ordered": 1}, ("ordered",))


# --- rebuilding -----------------------------------------------------------------------------


class LocalDay(TruncDate):
    """The local date of a moment, as `TruncDate`; on SQLite with SQLite's own `date()` and the
    zone's fixed offset instead of Django's Python function (a rebuild reads millions of rows).
    Only for a zone without daylight saving time now (Asia/Shanghai); others keep `TruncDate`."""

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        zone = timezone.get_current_timezone()
        now = timezone.now()
        offsets = {
            (now + timedelta(days=d)).astimezone(zone).utcoffset() for d in range(0, 366, 30)
        }
        if len(offsets) != 1:
            return super().as_sqlite(compiler, connection, **extra)
        minutes = int(next(iter(offsets)).total_seconds() // 60)  # type: ignore[union-attr]
        sql, params = compiler.compile(self.lhs)
        return f"date({sql}, '{minutes:+d} minutes')", params


DAILY_KEY = ("day", "office_id", "item_code", "channel", "platform_id")


def _cases_with_channel() -> QuerySet[Case]:
    first = Report.objects.filter(case_id=OuterRef("pk")).order_by("pk").values("channel")[:1]
    return Case.objects.annotate(first_channel=Subquery(first), opened_day=LocalDay("opened_at"))


def figures_rebuild(progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Recompute every figure from the reports, cases, events and measures; return row counts.

    Grouped queries do the counting; only answered cases are read one by one (in chunks), since
    whether an answer was on time is decided by the case's clocks."""
    say = progress or (lambda _line: None)
    regions = {pk: region_of(code) for pk, code in Office.objects.values_list("pk", "code")}
    rows: dict[tuple[Any, ...], dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(COUNT_FIELDS, 0)
    )

    reports = (
        Report.objects.annotate(d=LocalDay("submitted_at"))
        .values("d", "jurisdiction_id", "item_code", "channel", "platform_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for r in reports:
        key = (r["d"], r["jurisdiction_id"], r["item_code"], r["channel"], r["platform_id"])
        rows[key]["received"] += r["n"]
    say(_("reports counted: %(rows)d groups") % {"rows": len(rows)})

    dims = ("opened_day", "jurisdiction_id", "item_code", "first_channel", "platform_id")

    def case_key(r: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(r[d] or ("" if d == "first_channel" else r[d]) for d in dims)

    # One pass over the cases: each group of cases with the same keys and the same moves made.
    made = {
        field: Exists(CaseEvent.objects.filter(case_id=OuterRef("pk"), move=move))
        for move, field in COUNTED_MOVES.items()
    }
    cases = (
        _cases_with_channel()
        .filter(Exists(Report.objects.filter(case_id=OuterRef("pk"))))
        .annotate(**made)
        .values(*dims, *made)
        .annotate(n=Count("pk"))
        .order_by()
    )
    for r in cases:
        row = rows[case_key(r)]
        row["opened"] += r["n"]
        for field in made:
            if r[field]:
                row[field] += r["n"]
    say(_("cases counted"))

    first_answer = (
        CaseEvent.objects.filter(case_id=OuterRef("pk"), move=ANSWER)
        .order_by("at", "pk")
        .values("at")[:1]
    )
    answered = (
        _cases_with_channel()
        .annotate(answered_at=Subquery(first_answer))
        .filter(answered_at__isnull=False)
        .values(*dims, "opened_at", "clocks", "answered_at")
        .order_by()
    )
    done = 0
    for r in answered.iterator(chunk_size=5000):
        row = rows[case_key(r)]
        for name, n in _answer_amounts(r["opened_at"], r["clocks"], r["answered_at"]).items():
            row[name] += n
        done += 1
        if done % 100_000 == 0:
            say(_("answered cases read: %(count)d") % {"count": done})
    say(_("answered cases read: %(count)d") % {"count": done})

    measures = (
        Measure.objects.annotate(d=LocalDay("ordered_at"))
        .values("d", "case__jurisdiction_id", "code", "case__item_code", "platform_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    with transaction.atomic():
        DailyFigure.objects.all().delete()
        MeasureFigure.objects.all().delete()
        _insert_rows(
            DailyFigure,
            ("day", "office_id", "region", "item_code", "channel", "platform_id", *COUNT_FIELDS),
            (
                (k[0], k[1], regions[k[1]], k[2], k[3], k[4], *(v[n] for n in COUNT_FIELDS))
                for k, v in rows.items()
            ),
        )
        _insert_rows(
            MeasureFigure,
            ("day", "office_id", "region", "code", "item_code", "platform_id", "ordered"),
            (
                (
                    m["d"],
                    m["case__jurisdiction_id"],
                    regions[m["case__jurisdiction_id"]],
                    m["code"],
                    m["case__item_code"],
                    m["platform_id"],
                    m["n"],
                )
                for m in measures
            ),
        )
        slices_rebuild()
    counts = {
        "daily": DailyFigure.objects.count(),
        "measures": MeasureFigure.objects.count(),
        "slices": SliceFigure.objects.count(),
        "measure_slices": MeasureSlice.objects.count(),
    }
    say(
        _(
            "figures rebuilt: %(daily)d daily rows, %(measures)d measure rows, "
            "%(slices)d and %(measure_slices)d slice rows"
        )
        % counts
    )
    return counts


def _insert_rows(
    model: type[DailyFigure] | type[MeasureFigure],
    columns: tuple[str, ...],
    rows: Iterator[tuple[Any, ...]],
    batch: int = 5000,
) -> None:
    """Plain INSERTs in batches of `executemany` (the model's own bulk_create spends most of a
    rebuild building SQL); the first column is the day."""
    quote = connection.ops.quote_name
    into = ", ".join(quote(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({into}) VALUES ({marks})"  # noqa: S608  # nosec B608
    day = connection.ops.adapt_datefield_value
    with connection.cursor() as cursor:
        chunk: list[tuple[Any, ...]] = []
        for row in rows:
            chunk.append((day(row[0]), *row[1:]))
            if len(chunk) >= batch:
                cursor.executemany(sql, chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)


def slices_rebuild() -> None:
    """Recompute the slices from the daily and measure figures (one INSERT ... SELECT each)."""
    quote = connection.ops.quote_name

    def insert_select(
        target: type[SliceFigure] | type[MeasureSlice],
        source: type[DailyFigure] | type[MeasureFigure],
        grain: int,
        dims: tuple[tuple[int, str], ...],
        fixed: tuple[str, ...],
        sums: tuple[str, ...],
    ) -> str:
        kept = [c for bit, c in dims if grain & bit]
        chosen = [
            (f"COALESCE({quote(c)}, 0)" if c == "platform_id" else quote(c))
            if grain & bit
            else ("0" if c == "platform_id" else "''")
            for bit, c in dims
        ]
        columns = ["grain", "day", *fixed, *(c for _bit, c in dims), *sums]
        group = ["day", *fixed, *kept]
        target_table, source_table = quote(target._meta.db_table), quote(source._meta.db_table)
        into = ", ".join(quote(c) for c in columns)
        select = ", ".join(
            [str(grain), "day", *(quote(c) for c in fixed), *chosen]
            + [f"SUM({quote(n)})" for n in sums]
        )
        by = ", ".join(quote(c) for c in group)
        # Identifiers and the grain come from the models and this module, not from input.
        return (
            f"INSERT INTO {target_table} ({into}) SELECT {select} FROM {source_table} GROUP BY {by}"  # noqa: S608  # nosec B608
        )

    measure_dims = tuple((bit, c) for bit, c in SLICE_DIMS if bit != CHANNEL)
    with transaction.atomic(), connection.cursor() as cursor:
        SliceFigure.objects.all().delete()
        MeasureSlice.objects.all().delete()
        for grain in sorted(GRAINS):
            cursor.execute(
                insert_select(SliceFigure, DailyFigure, grain, SLICE_DIMS, (), COUNT_FIELDS)
            )
        for grain in sorted(MEASURE_GRAINS):
            cursor.execute(
                insert_select(
                    MeasureSlice, MeasureFigure, grain, measure_dims, ("code",), ("ordered",)
                )
            )


# --- queries --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the statistics are narrowed to: a period (both days included) and optional keys."""

    start: date
    end: date
    region: str = ""  # a province code, "330000"
    item: str = ""
    platform: int | None = None
    channel: str = ""

    @classmethod
    def months(cls, first: date, last: date, **keys: Any) -> Filters:
        """From the first day of `first`'s month to the last day of `last`'s month."""
        end = last.replace(day=calendar.monthrange(last.year, last.month)[1])
        return cls(start=first.replace(day=1), end=end, **keys)


Scope = QuerySet[Office] | None
Query = Callable[[Scope, Filters], list[dict[str, Any]]]


REPORT_DIMS = frozenset({REGION, ITEM, CHANNEL, PLATFORM})
MEASURE_DIMS = frozenset({REGION, ITEM, PLATFORM})


def _rows(
    offices: Scope,
    f: Filters,
    *,
    group: int,
    dims: frozenset[int],
    sliced: type[SliceFigure] | type[MeasureSlice],
    grains: frozenset[int],
    fine: type[DailyFigure] | type[MeasureFigure],
) -> QuerySet[Any]:
    """The rows to sum: the slice whose grain is the dimension grouped by plus those filtered by,
    when there is one and the scope is the whole country; else the fine figures."""
    wanted = {
        REGION: ("region", region_of(f.region) if f.region else None),
        ITEM: ("item_code", f.item or None),
        CHANNEL: ("channel", f.channel or None),
        PLATFORM: ("platform_id", f.platform),
    }
    narrow = {bit: pair for bit, pair in wanted.items() if bit in dims and pair[1] is not None}
    grain = group | sum(narrow)
    rows: QuerySet[Any]
    if offices is None and grain in grains:
        rows = sliced.objects.filter(grain=grain, day__gte=f.start, day__lte=f.end)
    else:
        rows = fine.objects.filter(day__gte=f.start, day__lte=f.end)
        if offices is not None:
            rows = rows.filter(office__in=offices.values("pk"))
    return rows.filter(**dict(narrow.values()))


def _daily(offices: Scope, f: Filters, group: int = 0) -> QuerySet[Any]:
    return _rows(
        offices,
        f,
        group=group,
        dims=REPORT_DIMS,
        sliced=SliceFigure,
        grains=GRAINS,
        fine=DailyFigure,
    )


def _measures(offices: Scope, f: Filters) -> QuerySet[Any]:
    return _rows(
        offices,
        f,
        group=0,
        dims=MEASURE_DIMS,
        sliced=MeasureSlice,
        grains=MEASURE_GRAINS,
        fine=MeasureFigure,
    )


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def item_label(code: str) -> str:
    try:
        return str(get_catalogue().item(code).name)
    except KeyError:
        return code


def measure_label(code: str) -> str:
    try:
        return str(get_catalogue().measure(code).name)
    except KeyError:
        return code


def region_label(code: str) -> str:
    office = Office.objects.filter(code=code).first()
    return office.name if office else code


def _month_list(f: Filters) -> Iterator[date]:
    month = f.start.replace(day=1)
    for _n in range(MAX_MONTHS):
        if month > f.end:
            return
        yield month
        month = (month + timedelta(days=32)).replace(day=1)


def _by_month(offices: Scope, f: Filters, *fields: str) -> dict[date, dict[str, int]]:
    rows = (
        _daily(offices, f)
        .annotate(m=TruncMonth("day"))
        .values("m")
        .annotate(**{name: Sum(name) for name in fields})
        .order_by("m")
    )
    found: dict[date, dict[str, int]] = {}
    for r in rows:
        values: dict[str, Any] = dict(r)
        found[_as_date(values["m"])] = {n: values[n] or 0 for n in fields}
    return {m: found.get(m, dict.fromkeys(fields, 0)) for m in _month_list(f)}


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _received_by(offices: Scope, f: Filters, field: str) -> list[dict[str, Any]]:
    """Reports received per value of `field`, most first (values with none left out)."""
    group = next(bit for bit, column in SLICE_DIMS if column == field)
    rows = (
        _daily(offices, f, group)
        .values(field)
        .annotate(received=Sum("received"))
        .filter(received__gt=0)
        .order_by("-received", field)
    )
    if field == "platform_id":  # a slice's "no platform" is 0
        return [{**r, "platform_id": r["platform_id"] or None} for r in rows]
    return list(rows)


def volume_by_item(offices: Scope, f: Filters) -> list[dict[str, Any]]:
    return [
        {"item": r["item_code"], "label": item_label(r["item_code"]), "received": r["received"]}
        for r in _received_by(offices, f, "item_code")
    ]


def volume_by_channel(offices: Scope, f: Filters) -> list[dict[str, Any]]:
    labels = dict(Channel.choices)
    return [
        {
            "channel": r["channel"],
            "label": str(labels.get(r["channel"], r["channel"])),
            "received": r["received"],
        }
        for r in _received_by(offices, f, "channel")
        if r["channel"]
    ]


def volume_by_region(offices: Scope, f: Filters) -> list[dict[str, Any]]:
    rows = _received_by(offices, f, "region")
    names = {o.code: o.name for o in Office.objects.filter(code__in=[r["region"] for r in rows])}
    return [
        {
            "region": r["region"],
            "label": names.get(r["region"], r["region"]),
            "received": r["received"],
        }
        for r in rows
    ]


def volume_by_platform(offices: Scope, f: Filters) -> list[dict[str, Any]]:
    names = dict(Platform.objects.values_list("pk", "name"))
    return [
        {
            "platform": r["platform_id"],
            "label": names.get(r["platform_id"], "") if r["platform_id"] else _("No platform"),
            "received": r["received"],
        }
        for r in _received_by(offices, f, "platform_id")
    ]


def volume_by_month(offices: Scope, f: Filters) -> list[dict[str, Any]]:
    return [
        {"month": f"{m:%Y-%m}", "received": v["received"], "opened": v["opened"]}
        for m, v in _by_month(offices, f, "received", "opened").items()
    ]


def acceptance_rate_by_month(offices: Scope, f: Filters) -> list[dict[str, Any]]:
    return [
        {
            "month": f"{m:%Y-%m}",
            "accepted": v["accepted"],
            "not_accepted": v["not_accepted"],
            "rate": _rate(v["accepted"], v["accepted"] + v["not_accepted"]),
        }
        for m, v in _by_month(offices, f, "accepted", "not_accepted").items()
    ]


def disposal_rate_by_month(offices: Scope, f: Filters) -> list[dict[str, Any]]:
    return [
        {
            "month": f"{m:%Y-%m}",
            "accepted": v["accepted"],
            "disposed": v["disposed"],
            "rate": _rate(v["disposed"], v["accepted"]),
        }
        for m, v in _by_month(offices, f, "accepted", "disposed").items()
    ]


def on_time_rate_by_month(offices: Scope, f: Filters) -> list[dict[str, Any]]:
    return [
        {
            "month": f"{m:%Y-%m}",
            "answered": v["answered"],
            "answered_on_time": v["answered_on_time"],
            "rate": _rate(v["answered_on_time"], v["answered"]),
        }
        for m, v in _by_month(offices, f, "answered", "answered_on_time").items()
    ]


def bucket_labels() -> dict[str, str]:
    return {
        "handled_1d": _("Up to 1 day"),
        "handled_3d": _("1 to 3 days"),
        "handled_7d": _("3 to 7 days"),
        "handled_15d": _("7 to 15 days"),
        "handled_30d": _("15 to 30 days"),
        "handled_more": _("Over 30 days"),
    }


def handling_time_histogram(offices: Scope, f: Filters) -> list[dict[str, Any]]:
    sums = _daily(offices, f).aggregate(**{name: Sum(name) for _b, name in BUCKETS})
    labels = bucket_labels()
    return [
        {"bucket": name, "label": labels[name], "cases": sums[name] or 0} for _b, name in BUCKETS
    ]


def measures_by_code(offices: Scope, f: Filters) -> list[dict[str, Any]]:
    rows = (
        _measures(offices, f)
        .values("code")
        .annotate(measures=Sum("ordered"))
        .filter(measures__gt=0)
        .order_by("-measures", "code")
    )
    return [
        {"code": r["code"], "label": measure_label(r["code"]), "measures": r["measures"]}
        for r in rows
    ]


QUERIES: dict[str, Query] = {
    "volume_by_item": volume_by_item,
    "volume_by_channel": volume_by_channel,
    "volume_by_region": volume_by_region,
    "volume_by_platform": volume_by_platform,
    "volume_by_month": volume_by_month,
    "acceptance_rate_by_month": acceptance_rate_by_month,
    "disposal_rate_by_month": disposal_rate_by_month,
    "on_time_rate_by_month": on_time_rate_by_month,
    "handling_time_histogram": handling_time_histogram,
    "measures_by_code": measures_by_code,
}


def run_query(
    name: str, filters: Filters, *, offices: QuerySet[Office] | None = None
) -> list[dict]:
    """The rows of query `name` (one of `QUERIES`) for the filters, within `offices` (None: the
    whole country); raises KeyError for an unknown name."""
    return QUERIES[name](offices, filters)


def totals(filters: Filters, *, offices: QuerySet[Office] | None = None) -> dict[str, Any]:
    """The period's totals and rates, for the summary and the monthly report."""
    sums = _daily(offices, filters).aggregate(
        **{name: Sum(name) for name in COUNT_FIELDS if not name.startswith("handled_")}
    )
    t = {name: value or 0 for name, value in sums.items()}
    t["measures"] = _measures(offices, filters).aggregate(n=Sum("ordered"))["n"] or 0
    t["acceptance_rate"] = _rate(t["accepted"], t["accepted"] + t["not_accepted"])
    t["disposal_rate"] = _rate(t["disposed"], t["accepted"])
    t["on_time_rate"] = _rate(t["answered_on_time"], t["answered"])
    count = t["handling_count"]
    t["mean_handling_days"] = round(t["handling_seconds_sum"] / count / 86400, 1) if count else None
    return t


def repeat_offenders(
    filters: Filters, limit: int = 20, *, offices: QuerySet[Office] | None = None
) -> list[dict[str, Any]]:
    """Accounts and subjects with two offences or more in the period, the most offences first.
    Keys are keyed hashes; only their first 12 characters are shown."""
    start = timezone.make_aware(datetime.combine(filters.start, datetime.min.time()))
    end = timezone.make_aware(
        datetime.combine(filters.end + timedelta(days=1), datetime.min.time())
    )
    found = Offence.objects.filter(at__gte=start, at__lt=end)
    if offices is not None:
        found = found.filter(case__jurisdiction__in=offices.values("pk"))
    if filters.region:
        found = found.filter(case__jurisdiction__code__startswith=filters.region[:2])
    if filters.item:
        found = found.filter(case__item_code=filters.item)
    if filters.platform is not None:
        found = found.filter(case__platform_id=filters.platform)
    rows: list[dict[str, Any]] = []
    for kind, field in (("account", "account_key"), ("subject", "subject_key")):
        grouped = (
            found.exclude(**{field: ""})
            .values(field)
            .annotate(
                offences=Count("pk"),
                cases=Count("case", distinct=True),
                malicious=Count("pk", filter=Q(malicious=True)),
                first=Min("at"),
                last=Max("at"),
            )
            .filter(offences__gte=2)
            .order_by("-offences", "-last")[:limit]
        )
        rows += [
            {
                "kind": kind,
                "key": r[field][:12],
                "offences": r["offences"],
                "cases": r["cases"],
                "malicious": r["malicious"],
                "last": timezone.localdate(r["last"]).isoformat(),
            }
            for r in grouped
        ]
    rows.sort(key=lambda r: (-r["offences"], r["kind"], r["key"]))
    return rows[:limit]
