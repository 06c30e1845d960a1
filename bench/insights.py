"""Benchmark: the ten statistics dashboard queries over 10^7 reports, on SQLite or PostgreSQL,
side by side with the same figures by plain GROUP BY on PostgreSQL and in DuckDB.

One run, for the database named by ``--db``:

1. a fresh data folder (``JUBAO_DATA_DIR`` in the temporary directory) and, for PostgreSQL, a
   fresh database ``jubao_bench_insights`` (dropped afterwards); ``jubao migrate``,
   ``jubao offices load``, 16 platforms through ``platform_create``;
2. the bulk fill: ``--reports`` reports (default 10^7) over the last ``--days`` days, one case
   each, the case events of the moves the figures count (accept, refuse, dispose, answer) and one
   measure per disposal, written straight into the tables (SQLite: ``executemany`` in big
   transactions; PostgreSQL: ``COPY``) with the workflow triggers of cases migration 0003
   switched off as bench/queues.py does; the overall clock of each case is the real deadline of
   its item (jubao's holiday calendar), stopped at the first answer. The same rows go to slim CSV
   files (the columns the figures read) for the peers;
3. ``figures_rebuild()`` once (timed), then each of the ten queries through ``run_query`` over
   four filter sets (the whole period, one province, one item, one month), ``--requests`` times
   each after one warm-up: p50 / p95 per query over all its runs;
4. the peers, over the same rows: plain GROUP BY queries over the raw tables on PostgreSQL (on a
   PostgreSQL run, the bench database itself; on a SQLite run, a second database
   ``jubao_bench_insights_peer`` loaded from the CSV files with the same table and column names)
   and the same SQL in an in-memory DuckDB loaded from the CSV files (built-in CSV reader only).
   Each peer's figures are compared with ``run_query``'s (labels left out): "identical";
5. a table: p50 / p95 per query for jubao and each peer, the ratios of the p95s, and the goal
   (jubao's p95 under 1 s).

    .venv/bin/python bench/insights.py --db sqlite [--reports 10000000] [--requests 20]
    .venv/bin/python bench/insights.py --db postgres --json results.json

The table goes to stdout, progress to stderr, the JSON to ``--json FILE``. ``--keep`` keeps the
data folder (and the databases), ``--reuse DIR`` measures a kept one again without filling it;
``--fill-only`` fills, keeps and stops (a big fill once, then measured with ``--reuse``), and
``--skip-rebuild`` measures a reused folder's figures as a previous run built them.
The exit status is 1 when a peer's figures differ from jubao's, else 0.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import shutil
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _insights_data as data
from queues import (
    JUBAO,
    PLATFORMS,
    PROVINCE_WEIGHTS,
    TRACK_WEIGHTS,
    Database,
    Progress,
    django_setup,
    jubao,
    log,
    pct,
    pg_admin,
)

PG_DB = "jubao_bench_insights"
PG_PEER_DB = "jubao_bench_insights_peer"
STATE = "bench-insights.json"  # in the data folder: what --reuse needs
SLIM_DIR = "peers"
GOAL_MS = 1000.0
SQLITE_BATCH_CHUNKS = 4  # 4 chunks of 50,000 reports (and their rows) per transaction
PROVINCE = "330000"  # Zhejiang
FIGURE_TABLES = (
    "insights_dailyfigure",
    "insights_measurefigure",
    "insights_slicefigure",
    "insights_measureslice",
)
ITEM = "personal.doxxing"


# --- the universe: catalogue, offices, platforms --------------------------------------------------


def create_platforms() -> None:
    from jubao.accounts.models import Office
    from jubao.accounts.services import platform_create

    offices = {o.code: o for o in Office.objects.all()}
    for name, name_en, icp, code, domains in PLATFORMS:
        platform_create(
            actor="system",
            name=name,
            name_en=name_en,
            icp_number=icp,
            jurisdiction=offices[code],
            domains=domains,
        )


def make_universe(days: int, end: date) -> data.Universe:
    from jubao.accounts.models import Office, OfficeLevel, Platform
    from jubao.cases.deadlines import TZ, due_at
    from jubao.catalogue import Stage, TimeUnit, get_catalogue

    catalogue = get_catalogue()
    items = list(catalogue.items)
    by_track: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        by_track.setdefault(str(item.track), []).append(i)
    weights = np.zeros(len(items))
    for track, members in by_track.items():
        for i in members:
            weights[i] = TRACK_WEIGHTS.get(track, 0.1) / len(members)
    first, _last, _start, _end = data.window(days, end)
    hours = np.zeros(len(items))
    deadlines = np.zeros((len(items), days))
    limit_json = []
    for i, item in enumerate(items):
        limit = item.time_limit(Stage.OVERALL)
        limit_json.append(json.dumps({"amount": limit.amount, "unit": str(limit.unit)}))
        if limit.unit is TimeUnit.HOURS:
            hours[i] = limit.amount
            continue
        for d in range(days):  # day-based: the deadline depends on the local day only
            noon = datetime.combine(first + timedelta(days=d), datetime.min.time(), TZ)
            deadlines[i, d] = np.floor(due_at(noon + timedelta(hours=12), limit).at.timestamp())
    offices = list(Office.objects.all())
    provinces = [o for o in offices if o.level == OfficeLevel.PROVINCE]
    rest = (1 - sum(PROVINCE_WEIGHTS.values())) / (len(provinces) - len(PROVINCE_WEIGHTS))
    pw = np.array([PROVINCE_WEIGHTS.get(o.code, rest) for o in provinces])
    stamp = catalogue.stamp()
    return data.Universe(
        codes=[it.code for it in items],
        tracks=[str(it.track) for it in items],
        priorities=[it.priority for it in items],
        hours=hours,
        deadlines=deadlines,
        limit_json=limit_json,
        item_weights=weights / weights.sum(),
        version=stamp["catalogue_version"],
        digest=stamp["catalogue_hash"],
        province_codes=[o.code for o in provinces],
        province_weights=pw / pw.sum(),
        own_office=[o.pk for o in provinces],
        sub_offices=[
            np.array([o.pk for o in offices if o.code != p.code and o.code[:2] == p.code[:2]])
            for p in provinces
        ],
        platform_ids=np.array(list(Platform.objects.order_by("pk").values_list("pk", flat=True))),
        office_rows=[(o.pk, o.code, o.level) for o in offices],
    )


# --- the bulk fill --------------------------------------------------------------------------------


@dataclass
class Filled:
    seconds: float = 0.0  # writing to the database (the CSV files of the peers not included)
    csv_seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)


def _insert(table: str) -> str:
    columns = data.COLUMNS[table]
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def fill(db: Database, universe: data.Universe, opts: argparse.Namespace, end: date) -> Filled:
    """Generate the rows and write them to the database and to the peers' CSV files."""
    slim = data.SlimWriter(db.data_dir / SLIM_DIR)
    slim.write("accounts_office", universe.office_rows)
    done = Filled(rows=dict.fromkeys(data.TABLES, 0))
    progress = Progress(opts.reports, "reports (+ cases, events, measures)")
    chunks = data.generate(universe, opts.reports, opts.days, end, opts.seed, db.name == "sqlite")

    def to_csv(chunk: data.Chunk) -> None:
        t = time.perf_counter()
        for table, rows in chunk.slim.items():
            slim.write(table, rows)
        done.csv_seconds += time.perf_counter() - t
        for table, rows in chunk.sqlite.items():
            done.rows[table] += len(rows)
        progress.add(chunk.n)

    start = time.perf_counter()
    try:
        if db.name == "sqlite":
            fill_sqlite(db, chunks, to_csv)
        else:
            fill_postgres(db, chunks, to_csv)
    finally:
        slim.close()
    done.seconds = time.perf_counter() - start - done.csv_seconds
    return done


def fill_sqlite(db: Database, chunks: Any, to_csv: Any) -> None:
    """executemany in transactions of SQLITE_BATCH_CHUNKS chunks; the workflow triggers are
    dropped meanwhile and created again from their own SQL (as bench/queues.py)."""
    conn = sqlite3.connect(db.sqlite_path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-262144")
        triggers = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type='trigger' AND tbl_name IN "
            f"({', '.join(repr(t) for t in data.TABLES)})"
        ).fetchall()
        for name, _sql in triggers:
            conn.execute(f'DROP TRIGGER "{name}"')
        statements = {t: _insert(t) for t in data.TABLES}
        try:
            pending = 0
            conn.execute("BEGIN")
            for chunk in chunks:
                for table in data.TABLES:
                    conn.executemany(statements[table], chunk.sqlite[table])
                pending += 1
                if pending == SQLITE_BATCH_CHUNKS:
                    conn.execute("COMMIT")
                    conn.execute("BEGIN")
                    pending = 0
                to_csv(chunk)
            conn.execute("COMMIT")
        finally:
            for _name, sql in triggers:
                conn.execute(sql)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def fill_postgres(db: Database, chunks: Any, to_csv: Any) -> None:
    """COPY (CSV format) per chunk; user triggers disabled meanwhile (the foreign-key triggers
    stay on), sequences moved past the ids, then VACUUM ANALYZE (as bench/queues.py)."""
    import psycopg

    with psycopg.connect(db.url, autocommit=True) as conn:
        for table in data.TABLES:
            conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")  # type: ignore[arg-type]
        try:
            for chunk in chunks:
                with conn.transaction(), conn.cursor() as cur:
                    for table in data.TABLES:
                        columns = ", ".join(data.COLUMNS[table])
                        sql = f"COPY {table} ({columns}) FROM STDIN (FORMAT csv)"
                        with cur.copy(sql) as copy:  # type: ignore[arg-type]
                            copy.write(data.copy_csv(chunk.sqlite[table]))
                to_csv(chunk)
        finally:
            for table in data.TABLES:
                conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")  # type: ignore[arg-type]
        for table in data.TABLES:
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # type: ignore[arg-type]
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        log("  VACUUM ANALYZE")
        t = time.perf_counter()
        conn.execute("VACUUM ANALYZE")
        log(f"  VACUUM ANALYZE took {time.perf_counter() - t:.1f} s")


# --- jubao's queries ------------------------------------------------------------------------------


def load_stats() -> Any:
    try:
        from jubao.insights import stats
    except ImportError as exc:
        sys.exit(
            f"jubao.insights.stats cannot be imported ({exc}): the dashboard backend is not "
            "there yet; nothing to measure"
        )
    missing = [
        n for n in ("Filters", "QUERIES", "run_query", "figures_rebuild") if not hasattr(stats, n)
    ]
    if missing:
        sys.exit(f"jubao.insights.stats lacks {', '.join(missing)}")
    unknown = [n for n in data.QUERY_NAMES if n not in stats.QUERIES]
    if unknown:
        sys.exit(f"jubao.insights.stats.QUERIES lacks {', '.join(unknown)}")
    return stats


def filter_sets(stats: Any, first: date, last: date) -> dict[str, Any]:
    month_end = last.replace(day=1) - timedelta(days=1)  # the last whole month of the period
    return {
        "year": stats.Filters(start=first, end=last),
        "province": stats.Filters(start=first, end=last, region=PROVINCE),
        "item": stats.Filters(start=first, end=last, item=ITEM),
        "month": stats.Filters(start=month_end.replace(day=1), end=month_end),
    }


@dataclass
class Timed:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    by_filter: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    results: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)


def timed_runs(run: Any, filters: dict[str, Any], requests: int, what: str) -> Timed:
    """Each query over each filter set: one warm-up (its result kept), then `requests` timed
    runs; the filter sets interleaved round-robin."""
    out = Timed()
    for name in data.QUERY_NAMES:
        out.latencies[name] = []
        out.by_filter[name] = {label: [] for label in filters}
        for label, f in filters.items():
            out.results[(name, label)] = run(name, f)
    last = time.perf_counter()
    for round_ in range(requests):
        for name in data.QUERY_NAMES:
            for label, f in filters.items():
                t = time.perf_counter()
                run(name, f)
                elapsed = time.perf_counter() - t
                out.latencies[name].append(elapsed)
                out.by_filter[name][label].append(elapsed)
        if time.perf_counter() - last > 10:
            last = time.perf_counter()
            log(f"  {what}: round {round_ + 1} / {requests}")
    return out


def measure_jubao(
    stats: Any, filters: dict[str, Any], requests: int, rebuild_first: bool = True
) -> tuple[float, Timed]:
    from django.db import connection
    from django.utils import translation

    rebuild = 0.0
    if rebuild_first:
        log("figures_rebuild()")
        t = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()), translation.override("en"):
            counts = stats.figures_rebuild(progress=lambda line: log(f"  {line}"))
        rebuild = time.perf_counter() - t
        log(f"figures_rebuild(): {rebuild:.1f} s, {counts}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in FIGURE_TABLES:
                cursor.execute(f"ANALYZE {table}")
    log(f"jubao run_query: {requests} rounds of 10 queries x {len(filters)} filter sets")
    return rebuild, timed_runs(stats.run_query, filters, requests, "jubao")


# --- the peers ------------------------------------------------------------------------------------


def _slim_ddl(table: str) -> str:
    columns, types = data.SLIM[table]
    body = ", ".join(f"{c} {t}" for c, t in zip(columns, types, strict=True))
    return f"CREATE TABLE {table} ({body})"


def peer_postgres_load(url: str, folder: Path) -> float:
    """The slim tables in the peer database, from the CSV files; the indexes jubao's tables have
    on the columns the queries join on; ANALYZE."""
    import psycopg

    t = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        for table in data.SLIM:
            conn.execute(_slim_ddl(table))  # type: ignore[arg-type]
            with conn.cursor() as cur, (folder / f"{table}.csv").open("rb") as src:
                sql = f"COPY {table} FROM STDIN (FORMAT csv, HEADER true)"
                with cur.copy(sql) as copy:  # type: ignore[arg-type]
                    while block := src.read(1 << 20):
                        copy.write(block)
            conn.execute(f"ALTER TABLE {table} ADD PRIMARY KEY (id)")  # type: ignore[arg-type]
        for table in ("intake_report", "cases_caseevent", "measures_measure"):
            conn.execute(f"CREATE INDEX ON {table} (case_id)")  # type: ignore[arg-type]
        conn.execute("VACUUM ANALYZE")
    return time.perf_counter() - t


def peer_postgres(url: str, filters: dict[str, Any], requests: int) -> Timed:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:

        def run(name: str, f: Any) -> list[dict[str, Any]]:
            rows = conn.execute(data.peer_sql(name, f)).fetchall()  # type: ignore[arg-type]
            return data.peer_rows(name, f, rows)

        return timed_runs(run, filters, requests, "PostgreSQL GROUP BY")


def peer_duckdb(folder: Path, filters: dict[str, Any], requests: int) -> tuple[float, Timed]:
    import duckdb

    conn = duckdb.connect()
    conn.execute("SET TimeZone = 'UTC'")
    t = time.perf_counter()
    for table, (columns, types) in data.SLIM.items():
        spec = ", ".join(f"'{c}': '{ty}'" for c, ty in zip(columns, types, strict=True))
        path = str(folder / f"{table}.csv")
        conn.execute(
            f"CREATE TABLE {table} AS SELECT * FROM read_csv('{path}', header = true, "
            f"columns = {{{spec}}})"
        )
    load = time.perf_counter() - t
    log(f"DuckDB: loaded the CSV files in {load:.1f} s")

    def run(name: str, f: Any) -> list[dict[str, Any]]:
        rows = conn.execute(data.peer_sql(name, f)).fetchall()
        return data.peer_rows(name, f, rows)

    try:
        return load, timed_runs(run, filters, requests, "DuckDB")
    finally:
        conn.close()


def _plain(rows: list[dict[str, Any]]) -> list[tuple]:
    """Rows without labels, as sorted tuples: the order of equal counts may differ."""
    out = [tuple(sorted(r.items())) for r in data.without_labels(rows)]
    return sorted(out, key=repr)


def identical(ours: Timed, peer: Timed) -> dict[str, list[str]]:
    """For each query, the filter sets whose figures differ (empty: identical)."""
    return {
        name: [
            label
            for (n, label), rows in ours.results.items()
            if n == name and _plain(rows) != _plain(peer.results[(n, label)])
        ]
        for name in data.QUERY_NAMES
    }


# --- the table ------------------------------------------------------------------------------------


def summarise(timed: Timed) -> dict[str, dict[str, float]]:
    return {
        name: {
            "p50_ms": round(pct(values, 50), 2),
            "p95_ms": round(pct(values, 95), 2),
            "runs": len(values),
            "p50_ms_by_filter": {
                label: round(pct(found, 50), 2) for label, found in timed.by_filter[name].items()
            },
        }
        for name, values in timed.latencies.items()
    }


def table(results: dict[str, Any]) -> str:
    ours = results["jubao"]
    peers = results["peers"]
    head = f"{'query':<26} {'jubao p50':>9} {'p95':>8}"
    for label in peers:
        head += f" | {label + ' p50':>16} {'p95':>8} {'ratio':>6} same"
    lines = [head + " | goal"]
    for name in data.QUERY_NAMES:
        o = ours[name]
        line = f"{name:<26} {o['p50_ms']:>9.1f} {o['p95_ms']:>8.1f}"
        for peer in peers.values():
            p = peer["summary"][name]
            ratio = o["p95_ms"] / p["p95_ms"] if p["p95_ms"] else float("nan")
            same = "yes" if not peer["differs"][name] else "NO " + ",".join(peer["differs"][name])
            line += f" | {p['p50_ms']:>16.1f} {p['p95_ms']:>8.1f} {ratio:>6.3f} {same}"
        goal = "met" if o["p95_ms"] < GOAL_MS else "MISSED"
        lines.append(f"{line} | {goal}")
    lines.append(
        "ms per query call (in-process: run_query; peers: the SQL through the driver, then the "
        "same shaping); p50/p95 over all filter sets and runs; ratio: jubao p95 / peer p95; "
        "same: the peer's figures equal run_query's (labels left out) for every filter set"
    )
    return "\n".join(lines)


# --- the run --------------------------------------------------------------------------------------


def prepare(db: Database, opts: argparse.Namespace, end: date) -> dict[str, Any]:
    t0 = time.perf_counter()
    jubao(db, "migrate", "--verbosity", "0")
    jubao(db, "offices", "load")
    log(f"migrated, offices loaded in {time.perf_counter() - t0:.1f} s")
    django_setup(db)
    from django.db import connections

    create_platforms()
    t = time.perf_counter()
    universe = make_universe(opts.days, end)
    log(f"items, offices, platforms and deadlines in {time.perf_counter() - t:.1f} s")
    connections.close_all()
    filled = fill(db, universe, opts, end)
    total = sum(filled.rows.values())
    log(
        f"filled {filled.rows} ({total:,} rows) in {filled.seconds:.1f} s "
        f"({total / filled.seconds:,.0f} rows/s); the peers' CSV files: {filled.csv_seconds:.1f} s"
    )
    state = {
        "database": db.name,
        "reports": opts.reports,
        "days": opts.days,
        "end": end.isoformat(),
        "fill_seconds": round(filled.seconds, 1),
        "csv_seconds": round(filled.csv_seconds, 1),
        "rows": filled.rows,
    }
    (db.data_dir / STATE).write_text(json.dumps(state, indent=2))
    return state


def size_mb(db: Database) -> int:
    if db.name == "sqlite":
        return db.sqlite_path.stat().st_size // 2**20
    import psycopg

    with psycopg.connect(db.url) as conn:
        row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        return (row[0] if row else 0) // 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--reports", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--requests", type=int, default=20, help="measured runs per query")
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--no-peers", action="store_true", help="measure jubao only")
    parser.add_argument(
        "--peers",
        default="pg,duckdb",
        help="the peers to run, comma-separated: pg (PostgreSQL GROUP BY), duckdb",
    )
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true", help="keep the data folder and databases")
    parser.add_argument(
        "--reuse", type=Path, metavar="DIR", help="a data folder kept by --keep: skip the fill"
    )
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument(
        "--skip-rebuild",
        action="store_true",
        help="with --reuse: measure the figures a previous run built (no figures_rebuild())",
    )
    parser.add_argument(
        "--fill-only",
        action="store_true",
        help="fill, keep the data folder (and database) and stop: measure later with --reuse",
    )
    opts = parser.parse_args()
    if not JUBAO.exists():
        sys.exit(f"{JUBAO} not found: create the virtualenv first (see docs/development.md)")
    pg_url = opts.pg_url.rstrip("/")
    started = time.time()
    tmp = opts.reuse or Path(tempfile.mkdtemp(prefix=f"jubao-bench-insights-{opts.db}-"))
    db = Database(opts.db, tmp, f"{pg_url}/{PG_DB}" if opts.db == "postgres" else "")
    peer_db = f"{pg_url}/{PG_PEER_DB}"
    keep = opts.keep or bool(opts.reuse)
    results: dict[str, Any] = {}
    try:
        if opts.reuse:
            state = json.loads((tmp / STATE).read_text())
            jubao(db, "migrate", "--verbosity", "0")
            django_setup(db)
        else:
            if opts.db == "postgres":
                pg_admin(pg_url, f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
                pg_admin(pg_url, f"CREATE DATABASE {PG_DB}")
            # Yesterday in Beijing: the last whole day.
            end = (datetime.now(UTC) + timedelta(hours=8)).date() - timedelta(days=1)
            state = prepare(db, opts, end)
            if opts.fill_only:
                keep = True
                return
        end = date.fromisoformat(state["end"])
        first = end - timedelta(days=state["days"] - 1)
        stats = load_stats()
        filters = filter_sets(stats, first, end)
        rebuild_first = not (opts.reuse and opts.skip_rebuild)
        rebuild, ours = measure_jubao(stats, filters, opts.requests, rebuild_first)
        from django.db import connections

        connections.close_all()
        results = {
            "benchmark": "insights",
            "started": datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
            "command": " ".join(["python", "bench/insights.py", *sys.argv[1:]]),
            "cpus": __import__("os").cpu_count(),
            "database": opts.db,
            "state": state,
            "size_mb": size_mb(db),
            "filters": {k: str(v) for k, v in filters.items()},
            "rebuild_seconds": round(rebuild, 1),
            "requests": opts.requests,
            "jubao": summarise(ours),
            "peers": {},
        }
        folder = tmp / SLIM_DIR
        if not opts.no_peers and "pg" in opts.peers:
            if opts.db == "postgres":
                pg_url_peer, pg_label = db.url, "PostgreSQL GROUP BY (bench database)"
                pg_load = 0.0
            else:
                pg_admin(pg_url, f"DROP DATABASE IF EXISTS {PG_PEER_DB} WITH (FORCE)")
                pg_admin(pg_url, f"CREATE DATABASE {PG_PEER_DB}")
                log("PostgreSQL peer: loading the CSV files")
                pg_load = peer_postgres_load(peer_db, folder)
                log(f"PostgreSQL peer: loaded in {pg_load:.1f} s")
                pg_url_peer, pg_label = peer_db, "PostgreSQL GROUP BY (peer database, same rows)"
            timed = peer_postgres(pg_url_peer, filters, opts.requests)
            results["peers"]["pg"] = {
                "what": pg_label,
                "load_seconds": round(pg_load, 1),
                "summary": summarise(timed),
                "differs": identical(ours, timed),
            }
        if not opts.no_peers and "duckdb" in opts.peers:
            try:
                import duckdb  # noqa: F401
            except ImportError as exc:
                log(f"DuckDB peer not run: {exc} (install the bench group: requirements/bench.txt)")
                results["duckdb_missing"] = str(exc)
            else:
                load, timed = peer_duckdb(folder, filters, opts.requests)
                results["peers"]["duckdb"] = {
                    "what": "DuckDB in memory, loaded from the CSV files",
                    "load_seconds": round(load, 1),
                    "summary": summarise(timed),
                    "differs": identical(ours, timed),
                }
        results["seconds"] = round(time.time() - started, 1)
        if opts.json:
            opts.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    except BaseException:
        keep = True
        raise
    finally:
        if keep:
            log(f"data folder kept at {tmp}" + (f", database {PG_DB}" if db.url else ""))
        else:
            from django.db import connections

            with contextlib.suppress(Exception):
                connections.close_all()
            if opts.db == "postgres":
                pg_admin(pg_url, f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            shutil.rmtree(tmp, ignore_errors=True)
        if not opts.reuse and not opts.keep:
            with contextlib.suppress(Exception):
                pg_admin(pg_url, f"DROP DATABASE IF EXISTS {PG_PEER_DB} WITH (FORCE)")
    rows = sum(state["rows"].values())
    rebuilt = f"{results['rebuild_seconds']} s" if results["rebuild_seconds"] else "not run"
    title = (
        f"jubao dashboards, {opts.db}: {state['reports']:,} reports over {state['days']} days "
        f"({rows:,} rows: {state['rows']}) filled in {state['fill_seconds']:.0f} s "
        f"({rows / max(state['fill_seconds'], 0.001):,.0f} rows/s), {results['size_mb']} MB; "
        f"figures_rebuild() {rebuilt}; {opts.requests} runs per query and "
        f"filter set ({', '.join(results['filters'])})"
    )
    print(title)
    for label, peer in results["peers"].items():
        print(f"  peer {label}: {peer['what']}, loaded in {peer['load_seconds']} s")
    if "duckdb_missing" in results:
        print(f"  peer duckdb: NOT RUN, {results['duckdb_missing']}")
    print(table(results))
    if any(any(v for v in p["differs"].values()) for p in results["peers"].values()):
        print("FAILED: a peer's figures differ from run_query's", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
