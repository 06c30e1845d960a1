"""Rows of bench/insights.py: the generated reports, cases, case events and measures, and the
peer queries (plain GROUP BY over the raw tables, the same SQL on PostgreSQL and DuckDB).

Everything is generated in chunks with numpy; each chunk yields its rows three ways: tuples for
SQLite ``executemany``, tab-separated text for PostgreSQL ``COPY``, and the slim CSV files the
peers load (only the columns the ten figures read).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

DAY = 86_400
TZ_OFFSET = 8 * 3600  # Asia/Shanghai, no daylight saving time
CHUNK = 50_000

# Share of the reports by channel.
CHANNEL_WEIGHTS = {
    "web": 0.45,
    "mobile": 0.25,
    "api": 0.15,
    "phone": 0.08,
    "letter": 0.04,
    "walk_in": 0.03,
}
# Final status of a case, and the moves written for it (accept / refuse / dispose / answer).
STATUS_WEIGHTS = {
    "pending": 0.12,
    "not_accepted": 0.06,
    "accepted": 0.06,
    "under_review": 0.10,
    "awaiting_proof": 0.03,
    "judged": 0.05,
    "disposing": 0.03,
    "disposed": 0.05,
    "answered": 0.08,
    "evaluated": 0.07,
    "closed": 0.30,
    "reopened": 0.01,
    "transferred": 0.02,
    "merged": 0.01,
    "withdrawn": 0.01,
}
ACCEPTED = {
    "accepted",
    "under_review",
    "awaiting_proof",
    "judged",
    "disposing",
    "disposed",
    "answered",
    "evaluated",
    "closed",
    "reopened",
}
ANSWERED = {"answered", "evaluated", "closed", "reopened"}
# Share of answered cases disposed of before the answer (the others answered without a measure).
DISPOSED_BEFORE_ANSWER = 0.6
# Measure codes by weight; the kind of target follows from the code's prefix.
MEASURE_WEIGHTS = {
    "content.remove": 0.35,
    "content.block": 0.08,
    "link.block": 0.08,
    "fasttrack.remove": 0.10,
    "content.private": 0.05,
    "content.dispute_label": 0.04,
    "search.remove_link": 0.05,
    "search.remove_snippet": 0.02,
    "account.warning": 0.08,
    "account.mute": 0.05,
    "account.suspend": 0.04,
    "account.close": 0.02,
    "blacklist.account": 0.02,
    "blacklist.subject": 0.02,
}
TARGET_KIND = {
    "content": "content",
    "fasttrack": "content",
    "link": "link",
    "search": "search_result",
    "account": "account",
    "blacklist": "account",
}
DESCRIPTION = "有人在论坛上公开了我的家庭住址和手机号。"

CASE_COLUMNS = (
    "id",
    "public_id",
    "reference",
    "item_code",
    "catalogue_version",
    "catalogue_hash",
    "status",
    "track",
    "priority",
    "opened_at",
    "jurisdiction_id",
    "platform_id",
    "clocks",
    "due_at",
    "warn_at",
    "flags",
)
REPORT_COLUMNS = (
    "id",
    "vault_ref",
    "reference",
    "case_id",
    "item_code",
    "catalogue_version",
    "catalogue_hash",
    "channel",
    "reporter_role",
    "for_minor",
    "for_elderly",
    "for_disabled",
    "description",
    "track",
    "priority",
    "jurisdiction_id",
    "platform_id",
    "status",
    "receipt_hash",
    "missing_evidence",
    "analysis",
    "submitted_at",
)
EVENT_COLUMNS = ("id", "case_id", "at", "move", "source", "target", "note", "params")
MEASURE_COLUMNS = (
    "id",
    "public_id",
    "case_id",
    "code",
    "target_kind",
    "target",
    "target_key",
    "platform_id",
    "status",
    "ordered_at",
    "applied_at",
    "extensions_used",
    "response_statement",
    "response_status",
    "response_note",
)
# The slim copies the peers load: table -> (columns, DuckDB types).
SLIM: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "accounts_office": (("id", "code", "level"), ("BIGINT", "VARCHAR", "INTEGER")),
    "intake_report": (
        ("id", "case_id", "item_code", "channel", "jurisdiction_id", "platform_id", "submitted_at"),
        ("BIGINT", "BIGINT", "VARCHAR", "VARCHAR", "BIGINT", "BIGINT", "TIMESTAMPTZ"),
    ),
    "cases_case": (
        ("id", "item_code", "status", "jurisdiction_id", "platform_id", "opened_at", "due_at"),
        ("BIGINT", "VARCHAR", "VARCHAR", "BIGINT", "BIGINT", "TIMESTAMPTZ", "TIMESTAMPTZ"),
    ),
    "cases_caseevent": (
        ("id", "case_id", "at", "move", "source", "target"),
        ("BIGINT", "BIGINT", "TIMESTAMPTZ", "VARCHAR", "VARCHAR", "VARCHAR"),
    ),
    "measures_measure": (
        ("id", "case_id", "code", "status", "platform_id", "ordered_at"),
        ("BIGINT", "BIGINT", "VARCHAR", "VARCHAR", "BIGINT", "TIMESTAMPTZ"),
    ),
}


def _choice(rng: np.random.Generator, weights: dict[str, float], n: int) -> np.ndarray:
    keys = list(weights)
    p = np.array([weights[k] for k in keys], dtype=float)
    return rng.choice(len(keys), size=n, p=p / p.sum())


def window(days: int, end: date) -> tuple[date, date, int, int]:
    """(first day, last day, epoch of the first day's local midnight, epoch after the last)."""
    first = end - timedelta(days=days - 1)
    start_epoch = (first - date(1970, 1, 1)).days * DAY - TZ_OFFSET
    return first, end, start_epoch, start_epoch + days * DAY


@dataclass
class Universe:
    """What the rows refer to: catalogue items, offices, platforms; fixed for one run."""

    codes: list[str]
    tracks: list[str]
    priorities: list[int]
    hours: np.ndarray  # the overall limit of each item in hours, 0 for a limit in days
    deadlines: np.ndarray  # [item, local day of the window]: epoch of the day-based deadline
    limit_json: list[str]
    item_weights: np.ndarray
    version: str
    digest: str
    province_codes: list[str]
    province_weights: np.ndarray
    own_office: list[int]  # office id of each province
    sub_offices: list[np.ndarray]  # office ids below each province
    platform_ids: np.ndarray
    office_rows: list[tuple[int, str, int]] = field(default_factory=list)


@dataclass
class Chunk:
    n: int
    sqlite: dict[str, list[tuple]]
    slim: dict[str, list[tuple]]


def _ts(seconds: np.ndarray, sqlite: bool) -> list[str | None]:
    """Epoch seconds as the column stores them (naive UTC text on SQLite, as Django writes it;
    ISO with a zone for PostgreSQL); NaN is NULL."""
    finite = np.isnan(seconds)
    text = np.datetime_as_string(np.nan_to_num(seconds).astype("int64").astype("datetime64[s]"))
    text = np.char.replace(text, "T", " ") if sqlite else np.char.add(text, "+00:00")
    values: list[str | None] = text.tolist()
    for i in np.flatnonzero(finite).tolist():
        values[i] = None
    return values


def generate(
    universe: Universe, n: int, days: int, end: date, seed: int, sqlite: bool
) -> Iterator[Chunk]:
    """The rows of `n` reports (one case each), their events and measures, in chunks; ids start
    at 1 (a fresh database) and follow time."""
    u = universe
    rng = np.random.default_rng(seed)
    _first, _last, start_epoch, end_epoch = window(days, end)
    span = end_epoch - start_epoch
    statuses = list(STATUS_WEIGHTS)
    channels = list(CHANNEL_WEIGHTS)
    measures = list(MEASURE_WEIGHTS)
    accepted_s = np.array([s in ACCEPTED for s in statuses])
    answered_s = np.array([s in ANSWERED for s in statuses])
    refused_s = np.array([s == "not_accepted" for s in statuses])
    disposed_only_s = np.array([s == "disposed" for s in statuses])
    flags = "[]"
    event_id = 0
    measure_id = 0
    for lo in range(0, n, CHUNK):
        hi = min(n, lo + CHUNK)
        m = hi - lo
        idx = np.arange(lo, hi)
        ids = idx + 1
        submitted = np.floor(start_epoch + (idx + rng.random(m)) * span / n)
        item = rng.choice(len(u.codes), size=m, p=u.item_weights)
        province = rng.choice(len(u.province_codes), size=m, p=u.province_weights)
        to_sub = rng.random(m) < 0.5
        pick = rng.integers(0, 1 << 30, m)
        office = np.array(u.own_office)[province]
        for p, subs in enumerate(u.sub_offices):
            if len(subs):
                mask = (province == p) & to_sub
                office[mask] = subs[pick[mask] % len(subs)]
        platform = u.platform_ids[rng.integers(0, len(u.platform_ids), m)]
        platform[rng.random(m) < 0.15] = 0
        channel = _choice(rng, CHANNEL_WEIGHTS, m)
        status = _choice(rng, STATUS_WEIGHTS, m)
        day_index = ((submitted - start_epoch) // DAY).astype(np.int64)
        hours = u.hours[item]
        due = np.where(hours > 0, submitted + hours * 3600, u.deadlines[item, day_index])
        limit = due - submitted
        cap = end_epoch - 1
        accept_at = np.minimum(submitted + np.floor(rng.exponential(0.4 * DAY, m)) + 60, cap)
        handling = np.floor(limit * rng.lognormal(np.log(0.55), 0.5, m)) + 600
        answer_at = np.minimum(submitted + handling, cap)
        dispose_at = np.minimum(accept_at + np.floor((answer_at - accept_at) * 0.8), cap)
        # disposed (not yet answered): disposed at the same pace
        is_acc = accepted_s[status]
        is_ans = answered_s[status]
        is_ref = refused_s[status]
        dispose_before = is_ans & (rng.random(m) < DISPOSED_BEFORE_ANSWER)
        is_disp = disposed_only_s[status] | dispose_before
        warn = due - 0.25 * limit
        finished_at = np.where(is_ans, answer_at, np.nan)

        # --- cases and reports
        id_list = ids.tolist()
        sub_txt = _ts(submitted, sqlite)
        due_txt = _ts(due, sqlite)
        warn_txt = _ts(warn, sqlite)
        iso = _ts(submitted, False)
        stop_iso = [f'"{b}"' if b else "null" for b in _ts(finished_at, False)]
        codes = [u.codes[k] for k in item.tolist()]
        tracks = [u.tracks[k] for k in item.tolist()]
        prio = [u.priorities[k] for k in item.tolist()]
        st = [statuses[s] for s in status.tolist()]
        ch = [channels[c] for c in channel.tolist()]
        off = office.tolist()
        plat: list[int | None] = [p or None for p in platform.tolist()]
        clocks = [
            f'{{"overall": {{"started_at": "{a}", "limit": {u.limit_json[k]}, '
            f'"pauses": [], "paused_at": null, "stopped_at": {b}}}}}'
            for a, k, b in zip(iso, item.tolist(), stop_iso, strict=True)
        ]
        public = [f"{i:032x}" for i in id_list]
        version, digest = u.version, u.digest
        cases = list(
            zip(
                id_list,
                public,
                [f"A{i:011d}" for i in id_list],
                codes,
                [version] * m,
                [digest] * m,
                st,
                tracks,
                prio,
                sub_txt,
                off,
                plat,
                clocks,
                due_txt,
                warn_txt,
                [flags] * m,
                strict=True,
            )
        )
        reports = list(
            zip(
                id_list,
                public,
                [f"R{i:011d}" for i in id_list],
                id_list,
                codes,
                [version] * m,
                [digest] * m,
                ch,
                ["victim"] * m,
                [False] * m,
                [False] * m,
                [False] * m,
                [DESCRIPTION] * m,
                tracks,
                prio,
                off,
                plat,
                ["received"] * m,
                [f"{i:064x}" for i in id_list],
                ["[]"] * m,
                ["{}"] * m,
                sub_txt,
                strict=True,
            )
        )
        # --- events: accept or refuse, dispose, answer (sources as the workflow has them)
        ev_case: list[np.ndarray] = []
        ev_at: list[np.ndarray] = []
        ev_kind: list[np.ndarray] = []
        for kind, mask, at in (
            (0, is_acc, accept_at),
            (1, is_ref, accept_at),
            (2, is_disp, dispose_at),
            (3, is_ans & dispose_before, answer_at),
            (4, is_ans & ~dispose_before, answer_at),
        ):
            ev_case.append(ids[mask])
            ev_at.append(at[mask])
            ev_kind.append(np.full(int(mask.sum()), kind))
        e_case = np.concatenate(ev_case)
        e_at = np.concatenate(ev_at)
        e_kind = np.concatenate(ev_kind)
        order = np.lexsort((e_kind, e_at))
        e_case, e_at, e_kind = e_case[order], e_at[order], e_kind[order]
        moves = [
            ("accept", "pending", "accepted"),
            ("refuse", "pending", "not_accepted"),
            ("dispose", "disposing", "disposed"),
            ("answer", "disposed", "answered"),
            ("answer", "judged", "answered"),
        ]
        k = len(e_case)
        e_ids = list(range(event_id + 1, event_id + k + 1))
        event_id += k
        e_txt = _ts(e_at, sqlite)
        mv = [moves[x] for x in e_kind.tolist()]
        e_case_l = e_case.tolist()
        events = [
            (i, c, a, x[0], x[1], x[2], "", "{}")
            for i, c, a, x in zip(e_ids, e_case_l, e_txt, mv, strict=True)
        ]
        # --- measures: one per disposal, ordered when the disposal is recorded
        d_idx = np.flatnonzero(is_disp)
        md = len(d_idx)
        m_code = _choice(rng, MEASURE_WEIGHTS, md)
        m_ids = list(range(measure_id + 1, measure_id + md + 1))
        measure_id += md
        m_at = _ts(dispose_at[d_idx], sqlite)
        m_codes = [measures[x] for x in m_code.tolist()]
        m_case = ids[d_idx].tolist()
        m_plat = [plat[x] for x in d_idx.tolist()]
        measure_rows = [
            (
                i,
                f"{i:032x}",
                c,
                code,
                TARGET_KIND[code.split(".", 1)[0]],
                "{}",
                "",
                p,
                "active",
                a,
                a,
                0,
                "",
                "",
                "",
            )
            for i, c, code, p, a in zip(m_ids, m_case, m_codes, m_plat, m_at, strict=True)
        ]
        sub_iso = sub_txt if not sqlite else iso
        due_iso = due_txt if not sqlite else _ts(due, False)
        e_iso = e_txt if not sqlite else _ts(e_at, False)
        m_iso = m_at if not sqlite else _ts(dispose_at[d_idx], False)
        slim = {
            "intake_report": list(
                zip(id_list, id_list, codes, ch, off, plat, sub_iso, strict=True)
            ),
            "cases_case": list(zip(id_list, codes, st, off, plat, sub_iso, due_iso, strict=True)),
            "cases_caseevent": [
                (i, c, a, x[0], x[1], x[2])
                for i, c, a, x in zip(e_ids, e_case_l, e_iso, mv, strict=True)
            ],
            "measures_measure": [
                (i, c, code, "active", p, a)
                for i, c, code, p, a in zip(m_ids, m_case, m_codes, m_plat, m_iso, strict=True)
            ],
        }
        yield Chunk(
            n=m,
            sqlite={
                "cases_case": cases,
                "intake_report": reports,
                "cases_caseevent": events,
                "measures_measure": measure_rows,
            },
            slim=slim,
        )


COLUMNS = {
    "cases_case": CASE_COLUMNS,
    "intake_report": REPORT_COLUMNS,
    "cases_caseevent": EVENT_COLUMNS,
    "measures_measure": MEASURE_COLUMNS,
}
# Insert order: the foreign keys point backwards.
TABLES = ("cases_case", "intake_report", "cases_caseevent", "measures_measure")


def copy_csv(rows: list[tuple]) -> bytes:
    """Rows for COPY ... (FORMAT csv): every value quoted but NULL (an empty unquoted field),
    so that empty strings stay empty strings; the csv module does it in C."""
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_NOTNULL).writerows(rows)
    return out.getvalue().encode()


class SlimWriter:
    """The slim CSV files of the peers, in a folder."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.files = {t: (folder / f"{t}.csv").open("w", newline="") for t in SLIM}
        self.writers = {t: csv.writer(f) for t, f in self.files.items()}
        for t, w in self.writers.items():
            w.writerow(SLIM[t][0])

    def write(self, table: str, rows: list[tuple]) -> None:
        self.writers[table].writerows(rows)

    def close(self) -> None:
        for f in self.files.values():
            f.close()


# --- the peers ------------------------------------------------------------------------------------

QUERY_NAMES = (
    "volume_by_item",
    "volume_by_channel",
    "volume_by_region",
    "volume_by_platform",
    "volume_by_month",
    "acceptance_rate_by_month",
    "disposal_rate_by_month",
    "on_time_rate_by_month",
    "handling_time_histogram",
    "measures_by_code",
)
# Handling time buckets of jubao.insights.stats: (upper bound in days, name).
BUCKETS = ((1, "handled_1d"), (3, "handled_3d"), (7, "handled_7d"), (15, "handled_15d"))
BUCKETS += ((30, "handled_30d"), (None, "handled_more"))


def _day(column: str) -> str:
    """The local (Beijing) day of a timestamptz column, on PostgreSQL and DuckDB alike."""
    return f"CAST(({column}) AT TIME ZONE 'Asia/Shanghai' AS DATE)"


def _month(column: str) -> str:
    return f"CAST(date_trunc('month', {_day(column)}) AS DATE)"


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _where(f: Any, at: str, item: str, platform: str, channel: str | None) -> str:
    """The filters of a stats.Filters on the given columns (`o` is the office)."""
    start, end = _lit(f.start.isoformat()), _lit(f.end.isoformat())
    parts = [f"{_day(at)} BETWEEN DATE {start} AND DATE {end}"]
    if f.region:
        parts.append(f"o.code LIKE {_lit(f.region[:2] + '%')}")
    if f.item:
        parts.append(f"{item} = {_lit(f.item)}")
    if f.platform is not None:
        parts.append(f"{platform} = {int(f.platform)}")
    if f.channel and channel:
        parts.append(f"{channel} = {_lit(f.channel)}")
    return " AND ".join(parts)


def _received(f: Any) -> str:
    where = _where(f, "r.submitted_at", "r.item_code", "r.platform_id", "r.channel")
    return f"FROM intake_report r JOIN accounts_office o ON o.id = r.jurisdiction_id WHERE {where}"


def _cohort(f: Any, joins: str = "") -> str:
    """Cases opened in the period, with their first report (its channel), and `joins`."""
    where = _where(f, "c.opened_at", "c.item_code", "c.platform_id", "r.channel")
    return (
        "FROM cases_case c JOIN accounts_office o ON o.id = c.jurisdiction_id "
        "JOIN intake_report r ON r.case_id = c.id AND NOT EXISTS "
        "(SELECT 1 FROM intake_report r2 WHERE r2.case_id = c.id AND r2.id < r.id) "
        f"{joins} WHERE {where}"
    )


FIRST_ANSWER = (
    'JOIN (SELECT x.case_id, min(x."at") AS answered_at FROM cases_caseevent x '
    "WHERE x.move = 'answer' GROUP BY x.case_id) a ON a.case_id = c.id"
)


def peer_sql(name: str, f: Any) -> str:
    """The counts behind figure `name`, by plain GROUP BY over the raw tables (the same SQL on
    PostgreSQL and DuckDB); `peer_rows` shapes them as `run_query` does."""
    if name in ("volume_by_item", "volume_by_channel", "volume_by_platform"):
        key = {"volume_by_item": "r.item_code", "volume_by_channel": "r.channel"}.get(
            name, "r.platform_id"
        )
        return f"SELECT {key}, count(*) {_received(f)} GROUP BY 1"
    if name == "volume_by_region":
        return f"SELECT substr(o.code, 1, 2) || '0000', count(*) {_received(f)} GROUP BY 1"
    if name == "volume_by_month":
        return (
            f"SELECT 'received', {_month('r.submitted_at')}, count(*) {_received(f)} GROUP BY 2 "
            f"UNION ALL SELECT 'opened', {_month('c.opened_at')}, count(*) {_cohort(f)} GROUP BY 2"
        )
    if name in ("acceptance_rate_by_month", "disposal_rate_by_month"):
        moves = ("accept", "refuse") if name.startswith("acceptance") else ("accept", "dispose")
        joins = f"JOIN cases_caseevent e ON e.case_id = c.id AND e.move IN {moves!r}"
        return (
            f"SELECT {_month('c.opened_at')}, "
            f"count(DISTINCT c.id) FILTER (WHERE e.move = {_lit(moves[0])}), "
            f"count(DISTINCT c.id) FILTER (WHERE e.move = {_lit(moves[1])}) "
            f"{_cohort(f, joins)} GROUP BY 1"
        )
    if name == "on_time_rate_by_month":
        return (
            f"SELECT {_month('c.opened_at')}, count(*), "
            "count(*) FILTER (WHERE a.answered_at <= c.due_at) "
            f"{_cohort(f, FIRST_ANSWER)} GROUP BY 1"
        )
    if name == "handling_time_histogram":
        seconds = "greatest(0, extract(epoch FROM a.answered_at - c.opened_at))"
        bucket = "CASE " + " ".join(
            f"WHEN {seconds} <= {days * DAY} THEN {_lit(label)}"
            for days, label in BUCKETS
            if days is not None
        )
        bucket += f" ELSE {_lit(BUCKETS[-1][1])} END"
        return f"SELECT {bucket}, count(*) {_cohort(f, FIRST_ANSWER)} GROUP BY 1"
    if name == "measures_by_code":
        where = _where(f, "m.ordered_at", "c.item_code", "m.platform_id", None)
        return (
            "SELECT m.code, count(*) FROM measures_measure m JOIN cases_case c ON c.id = m.case_id "
            f"JOIN accounts_office o ON o.id = c.jurisdiction_id WHERE {where} GROUP BY 1"
        )
    raise KeyError(name)


def _months(f: Any) -> list[str]:
    out, month = [], f.start.replace(day=1)
    while month <= f.end:
        out.append(f"{month:%Y-%m}")
        month = (month + timedelta(days=32)).replace(day=1)
    return out


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def peer_rows(name: str, f: Any, rows: list[tuple]) -> list[dict[str, Any]]:
    """The peer's counts in the shape of `run_query`'s rows (without the labels)."""
    if name.startswith("volume_by_") and name != "volume_by_month":
        key = {"item": "item", "channel": "channel", "region": "region"}.get(
            name.removeprefix("volume_by_"), "platform"
        )
        found = sorted(rows, key=lambda r: (-r[1], str(r[0])))
        return [{key: k, "received": n} for k, n in found if n]
    if name == "measures_by_code":
        return [{"code": k, "measures": n} for k, n in sorted(rows, key=lambda r: (-r[1], r[0]))]
    if name == "handling_time_histogram":
        counts = dict(rows)
        return [{"bucket": b, "cases": counts.get(b, 0)} for _d, b in BUCKETS]
    by_month: dict[str, list[int]] = {}
    if name == "volume_by_month":
        for what, month, n in rows:
            by_month.setdefault(f"{month:%Y-%m}", [0, 0])[what == "opened"] = n
        return [
            {"month": m, "received": v[0], "opened": v[1]}
            for m, v in ((m, by_month.get(m, [0, 0])) for m in _months(f))
        ]
    for month, a, b in rows:
        by_month[f"{month:%Y-%m}"] = [a, b]
    out = []
    for m in _months(f):
        a, b = by_month.get(m, [0, 0])
        if name == "acceptance_rate_by_month":
            out.append({"month": m, "accepted": a, "not_accepted": b, "rate": _rate(a, a + b)})
        elif name == "disposal_rate_by_month":
            out.append({"month": m, "accepted": a, "disposed": b, "rate": _rate(b, a)})
        else:
            out.append({"month": m, "answered": a, "answered_on_time": b, "rate": _rate(b, a)})
    return out


def without_labels(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k != "label"} for row in rows]
