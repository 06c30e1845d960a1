"""Benchmark: the staff case queues over HTTP with a million cases, on SQLite or PostgreSQL.

One run, for the database named by ``--db``:

1. a fresh data folder (``JUBAO_DATA_DIR`` in the temporary directory) and, for PostgreSQL, a
   fresh database ``jubao_bench_queues`` (dropped afterwards); ``jubao migrate``,
   ``jubao offices load``;
2. in this process, through jubao's services: 16 platforms, the users the requests are made as
   (an intake officer of Zhejiang, a supervisor of the central office and a supervisor of
   Zhejiang, each with a confirmed TOTP authenticator), 20 handlers per province (bulk-created,
   cases are assigned to them), and six cases submitted through ``report_submit`` (two accepted
   through ``case_transition``): the rich case pages;
3. the bulk fill: ``--cases`` cases (default 10^6) with one report each, written straight into
   ``cases_case`` and ``intake_report`` (SQLite: ``executemany`` in 20,000-row transactions;
   PostgreSQL: ``COPY``), with a progress line (rows/s). The workflow triggers of migration 0003
   are switched off for the fill and on again afterwards; PostgreSQL then gets ``VACUUM
   ANALYZE`` (what autovacuum does after a bulk load), SQLite gets nothing (jubao never runs
   ``ANALYZE``), unless ``--analyze``;
4. ``jubao serve`` (gunicorn, sync workers, ``--workers``); each user signs in over HTTP through
   the login form and the second-factor form (a TOTP code computed here);
5. every URL (queue with filters, supervision, ``/api/v1/cases``, case pages) is requested
   ``--warmup`` times, then ``--requests`` times, one request at a time, the URLs interleaved
   round-robin so that a change of the machine's load hits all of them alike; latency is measured
   by the client (a new connection per request, as gunicorn's sync workers close each one);
6. each URL once more in this process through Django's test client, counting its SQL statements
   and their time; statements slower than ``--explain-ms`` are shown with their plan
   (``EXPLAIN QUERY PLAN`` on SQLite, ``EXPLAIN (ANALYZE, BUFFERS)`` on PostgreSQL);
7. with ``--try-index``: the candidate indexes of ``TRY_INDEXES`` are created in the bench
   database only, followed by ``ANALYZE``, and steps 4-6 run again: both tables are printed.

``--gc-freeze`` runs gunicorn with a ``post_worker_init`` hook calling ``gc.freeze()`` (a config
file in the data folder, passed through ``GUNICORN_CMD_ARGS``; nothing in src/ changes), to
measure what the garbage collector costs the HTML pages. ``--keep`` keeps the data folder (and
the PostgreSQL database), ``--reuse DIR`` measures a kept one again without filling it.

    .venv/bin/python bench/queues.py --db sqlite [--cases 1000000] [--requests 100]
    .venv/bin/python bench/queues.py --db postgres --try-index --json results.json

The table goes to stdout, progress to stderr, the JSON to ``--json FILE``. The exit status is 1
when any response was not 200 (or a filter expected to find cases found none), else 0.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import io
import json
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
JUBAO = ROOT / ".venv" / "bin" / "jubao"
PG_DB = "jubao_bench_queues"
PYCACHE = Path(tempfile.gettempdir()) / "jubao-bench-pycache"
STATE = "bench-queues.json"  # in the data folder: what --reuse needs
GOAL_MS = 100.0
PAGE_SIZE = 50
BATCH = 20_000
READY_TIMEOUT = 120.0

OFFICER_PROVINCE = "330000"  # Zhejiang, as the demo
# Share of the cases by province (the rest share what is left equally).
PROVINCE_WEIGHTS = {"110000": 0.10, "440000": 0.10, "330000": 0.08, "310000": 0.06}
# Share of the cases by track; within a track the items share equally.
TRACK_WEIGHTS = {
    "normal": 0.35,
    "fast": 0.25,
    "enterprise": 0.25,
    "cyberviolence": 0.10,
    "minors": 0.05,
}
# Status mix: three quarters open, one quarter finished.
STATUS_WEIGHTS = {
    "pending": 0.22,
    "accepted": 0.10,
    "under_review": 0.15,
    "awaiting_proof": 0.05,
    "judged": 0.05,
    "in_discussion": 0.01,
    "disposal_proposed": 0.04,
    "in_approval": 0.03,
    "disposing": 0.03,
    "disposed": 0.03,
    "answered": 0.02,
    "reopened": 0.02,
    "closed": 0.15,
    "evaluated": 0.04,
    "not_accepted": 0.03,
    "transferred": 0.01,
    "merged": 0.01,
    "withdrawn": 0.01,
}
HANDLERS_PER_PROVINCE = 20
DAY = 86_400.0

PLATFORMS = [
    # name, English name, ICP number, registered in, domains (the first four as the demo's)
    ("星河社区", "Xinghe Community", "浙ICP备20260001号", "330106", ["xinghe.example"]),
    ("云帆短视频", "Yunfan Video", "浙ICP备20260002号-1", "330108", ["yunfan.example"]),
    ("知行搜索", "Zhixing Search", "京ICP备20260003号", "110108", ["zhixing.example"]),
    ("南山论坛", "Nanshan Forum", "粤ICP备20260004号", "440305", ["nanshan.example"]),
    *[
        (f"基准平台{i:02d}", f"Bench Platform {i:02d}", f"京ICP备2026{i:04d}号", code, [])
        for i, code in enumerate(
            [
                "110105",
                "310000",
                "440300",
                "440100",
                "330100",
                "330200",
                "320000",
                "510000",
                "420000",
                "370000",
                "610000",
                "500000",
            ],
            start=10,
        )
    ],
]
DESCRIPTION = "有人在论坛上公开了我的家庭住址和手机号，号召大家去我家门口闹事。"

# Candidate indexes for --try-index: created in the bench database only, never in src/.
_TRY = [
    'CREATE INDEX bench_case_item ON cases_case ("item_code", "priority", "opened_at")',
    'CREATE INDEX bench_case_track ON cases_case ("track", "priority", "opened_at")',
    'CREATE INDEX bench_case_platform ON cases_case ("platform_id", "priority", "opened_at")',
]
# Candidate indexes for --try-index: created in the bench database only, never in src/ (followed
# by ANALYZE on both databases).
TRY_INDEXES: dict[str, list[str]] = {"sqlite": _TRY, "postgres": _TRY}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())}Z] {message}", file=sys.stderr, flush=True)


# --- databases, commands and the server -------------------------------------------------------


@dataclass
class Database:
    name: str  # "sqlite" or "postgres"
    data_dir: Path
    url: str = ""  # DATABASE_URL; empty for the embedded SQLite default

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "jubao.sqlite3"

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("JUBAO_")}
        env.pop("DATABASE_URL", None)
        # As in bench/intake.py: installed code has its bytecode; without a cache every worker
        # would compile Django and jubao again on its first request.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
        env.update(
            JUBAO_DATA_DIR=str(self.data_dir),
            JUBAO_POW_REQUIRED="0",
            DJANGO_SETTINGS_MODULE="jubao.settings",
        )
        if self.url:
            env["DATABASE_URL"] = self.url
        env.update(extra)
        return env


def jubao(db: Database, *args: str) -> None:
    done = subprocess.run([str(JUBAO), *args], env=db.env(), cwd=ROOT, capture_output=True)
    if done.returncode:
        tail = done.stderr.decode(errors="replace")[-2000:]
        raise RuntimeError(f"jubao {' '.join(args)} failed ({done.returncode}):\n{tail}")


def pg_admin(base_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{base_url}/postgres", autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


GC_FREEZE_CONF = """\
import gc


def post_worker_init(worker):
    # Load the URL configuration and the views now, then freeze: full collections no longer
    # walk the objects of Django, jubao and the catalogue on every request that triggers one.
    from django.urls import get_resolver

    get_resolver().url_patterns
    gc.collect()
    gc.freeze()
"""


class Server:
    """`jubao serve` (gunicorn) as a subprocess; its output goes to a file in the data folder."""

    def __init__(self, db: Database, workers: int, gc_freeze: bool = False) -> None:
        self.port = free_port()
        self.log_path = db.data_dir / f"serve-{self.port}.log"
        extra = {}
        if gc_freeze:
            # A gunicorn config outside src/, through gunicorn's own GUNICORN_CMD_ARGS: each
            # worker moves the objects of its start-up out of the garbage collector's reach.
            conf = db.data_dir / "gunicorn_gc_freeze.py"
            conf.write_text(GC_FREEZE_CONF)
            extra["GUNICORN_CMD_ARGS"] = f"--config {conf}"
        self.log_file = self.log_path.open("wb")
        # --no-control-socket: gunicorn's control socket has one default path for every gunicorn
        # on the machine; it plays no part in serving requests.
        self.proc = subprocess.Popen(
            [str(JUBAO), "serve", "--no-control-socket"],
            env=db.env(JUBAO_BIND=f"127.0.0.1:{self.port}", JUBAO_WORKERS=str(workers), **extra),
            cwd=ROOT,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited; see {self.log_path}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if Client(self.port).get("/healthz")[0] == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"server not ready after {READY_TIMEOUT}s; see {self.log_path}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log_file.close()


# --- HTTP client with a cookie jar ------------------------------------------------------------


class Client:
    """One signed-in browser: cookies, and one new connection per request."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes, float]:
        all_headers = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            start = time.perf_counter()
            conn.request(method, path, body=body, headers=all_headers)
            response = conn.getresponse()
            data = response.read()
            elapsed = time.perf_counter() - start
        finally:
            conn.close()
        for raw in response.msg.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(raw)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value
        return response.status, dict(response.getheaders()), data, elapsed

    def get(self, path: str, accept: str = "text/html") -> tuple[int, bytes, float]:
        status, _headers, body, elapsed = self.request("GET", path, headers={"Accept": accept})
        return status, body, elapsed

    def post_form(self, path: str, data: dict[str, str]) -> tuple[int, dict[str, str]]:
        body = urlencode(data).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        status, response_headers, _body, _elapsed = self.request("POST", path, body, headers)
        return status, response_headers

    def form_token(self, path: str) -> str:
        status, body, _ = self.get(path)
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if status != 200 or not found:
            raise RuntimeError(f"GET {path}: {status}, no form token")
        return found.group(1).decode()


def sign_in(port: int, username: str, password: str, totp_code: Any) -> Client:
    """Sign in as a browser would: the login form, then the second-factor form."""
    client = Client(port)
    token = client.form_token("/accounts/login/")
    status, headers = client.post_form(
        "/accounts/login/",
        {"csrfmiddlewaretoken": token, "username": username, "password": password},
    )
    if status != 302 or "second-factor" not in headers.get("Location", ""):
        raise RuntimeError(f"login of {username}: {status} {headers.get('Location')}")
    for attempt in range(2):
        token = client.form_token("/accounts/second-factor/")
        status, headers = client.post_form(
            "/accounts/second-factor/", {"csrfmiddlewaretoken": token, "token": totp_code()}
        )
        if status == 302:
            return client
        # A code is accepted once: a second sign-in within the same 30 s step must wait.
        if attempt == 0:
            time.sleep(31 - time.time() % 30)
    raise RuntimeError(f"second factor of {username} refused")


# --- Django, in this process --------------------------------------------------------------------


def django_setup(db: Database) -> None:
    os.environ.update(db.env())
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


SIGNED_IN = {
    # label: (username, role, office)
    "officer": ("bench-officer", "intake", OFFICER_PROVINCE),
    "central": ("bench-supervisor", "supervisor", "000000"),
    "prov-sup": ("bench-province-supervisor", "supervisor", OFFICER_PROVINCE),
}


def create_people() -> tuple[dict[str, str], dict[str, list[int]]]:
    """Platforms, the signed-in users (TOTP confirmed), handlers per province.

    Returns the passwords by label and the handler ids by province code.
    """
    from django.contrib.auth.hashers import make_password
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from jubao.accounts.models import Office, OfficeLevel, RoleGrant, User
    from jubao.accounts.services import platform_create, user_create

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
    passwords = {}
    for label, (username, role, code) in SIGNED_IN.items():
        password = secrets.token_urlsafe(16)
        user = user_create(
            actor="system",
            username=username,
            password=password,
            display_name=f"基准 {label}",
            office=offices[code],
            roles={role: 0},
        )
        TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        passwords[label] = password
    unusable = make_password(None)
    provinces = [o for o in offices.values() if o.level == OfficeLevel.PROVINCE]
    roles = ["intake", "reviewer", "disposal", "reviewer"]
    users = [
        User(
            username=f"handler-{p.code}-{i:02d}",
            display_name=f"处理员 {p.code}-{i:02d}",
            office=p,
            password=unusable,
        )
        for p in provinces
        for i in range(HANDLERS_PER_PROVINCE)
    ]
    User.objects.bulk_create(users, batch_size=500)
    created = User.objects.filter(username__startswith="handler-").order_by("pk")
    RoleGrant.objects.bulk_create(
        [RoleGrant(user=u, role=roles[i % len(roles)]) for i, u in enumerate(created)],
        batch_size=500,
    )
    handlers: dict[str, list[int]] = {}
    for user in created.select_related("office"):
        handlers.setdefault(user.office.code, []).append(user.pk)
    officer = User.objects.get(username=SIGNED_IN["officer"][0])
    handlers[OFFICER_PROVINCE].append(officer.pk)
    return passwords, handlers


def create_real_cases() -> list[int]:
    """Six cases through the intake service (reports, targets, timeline, ledger); two of them
    accepted by the officer. Their pages are richer than those of the bulk-filled cases."""
    from jubao.accounts.models import User
    from jubao.cases.services import case_transition
    from jubao.intake.drafts import Contact, Draft
    from jubao.intake.services import report_submit

    officer = User.objects.get(username=SIGNED_IN["officer"][0])
    hosts = [
        ("xinghe", "星河社区"),
        ("yunfan", "云帆短视频"),
        ("xinghe", "星河社区"),
        ("zhixing", "知行搜索"),
        ("nanshan", "南山论坛"),
        ("zhixing", "知行搜索"),
    ]
    ids = []
    for i, (host, platform) in enumerate(hosts):
        draft = Draft(
            item_code="personal.doxxing",
            reporter_role="victim",
            description=DESCRIPTION,
            targets=(
                {
                    "url": f"https://{host}.example/p/bench-{i}?utm_source=share",
                    "platform": platform,
                    "excerpt": "她家就住在某小区5栋2单元301",
                },
            ),
            truthful=True,
            contact=Contact(name="金丝雀张三", phone="13912345678", email=""),
        )
        # The console notification backend prints the receipt message: not part of the table.
        with contextlib.redirect_stdout(io.StringIO()):
            done = report_submit(draft=draft, idempotency_key=uuid.uuid4().hex, pow_payload="")
        ids.append(done.report.case_id)
    for case_id in ids[:2]:
        from jubao.cases.models import Case

        with contextlib.redirect_stdout(io.StringIO()):  # the reporter is told: console backend
            case_transition(case=Case.objects.get(pk=case_id), move="accept", actor=officer)
    return ids


# --- the bulk fill --------------------------------------------------------------------------------

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
    "assignee_id",
    "responsible_id",
    "merged_into_id",
    "clocks",
    "due_at",
    "warn_at",
    "overdue_notified_at",
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
    "account_id",
    "entered_by_id",
    "missing_evidence",
    "analysis",
    "submitted_at",
)


def _choice(rng: np.random.Generator, weights: dict[str, float], n: int) -> np.ndarray:
    keys = list(weights)
    p = np.array([weights[k] for k in keys], dtype=float)
    return rng.choice(len(keys), size=n, p=p / p.sum())


def _code(number: int, alphabet: str, width: int = 6) -> str:
    chars = []
    for _ in range(width):
        number, index = divmod(number, len(alphabet))
        chars.append(alphabet[index])
    return "".join(reversed(chars))


@dataclass
class Plan:
    """Every column of the bulk cases, as arrays in the order of opened_at (so ids follow time,
    as they do in production)."""

    n: int
    first_id: int
    statuses: list[str]
    items: list[Any]  # catalogue items
    limits: list[float]  # overall limit of each item, in days
    item: np.ndarray
    status: np.ndarray
    priority: np.ndarray
    office: np.ndarray  # office ids
    platform: np.ndarray  # platform ids, 0 = none
    assignee: np.ndarray  # user ids, 0 = none
    responsible: np.ndarray
    flag: np.ndarray  # 0 none, 1 repeat, 2 malicious, 3 group
    opened: np.ndarray  # epoch seconds
    due: np.ndarray  # epoch seconds, NaN = none
    warn: np.ndarray


def make_plan(n: int, first_id: int, handlers: dict[str, list[int]], seed: int) -> Plan:
    from jubao.accounts.models import Office, OfficeLevel, Platform
    from jubao.cases.models import FINISHED
    from jubao.catalogue import Stage, get_catalogue

    rng = np.random.default_rng(seed)
    now = time.time()
    catalogue = get_catalogue()
    items = list(catalogue.items)
    # Items: the track's share split equally among its items.
    by_track: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        by_track.setdefault(str(item.track), []).append(i)
    item_weights = {
        str(i): TRACK_WEIGHTS.get(track, 0.1) / len(members)
        for track, members in by_track.items()
        for i in members
    }
    item = _choice(rng, item_weights, n)
    base_priority = np.array([it.priority for it in items])
    # Triage lowers the priority number for leaked personal data or a minor: 15 % of reports.
    priority = base_priority[item] - 5 * (rng.random(n) < 0.15)
    priority = np.maximum(priority, 1)
    limits = []
    for it in items:
        limit = it.time_limit(Stage.OVERALL)
        # Working days ("days") as calendar days: 5 in 7.
        unit = str(limit.unit)
        days = {"hours": limit.amount / 24, "calendar_days": limit.amount}.get(
            unit, limit.amount * 7 / 5
        )
        limits.append(float(days))
    statuses = list(STATUS_WEIGHTS)
    status = _choice(rng, STATUS_WEIGHTS, n)
    finished = np.array([s in FINISHED for s in statuses])[status]
    # Offices: provinces by weight; half of a province's cases go to its cities and districts.
    offices = list(Office.objects.all())
    provinces = [o for o in offices if o.level == OfficeLevel.PROVINCE]
    rest = (1 - sum(PROVINCE_WEIGHTS.values())) / (len(provinces) - len(PROVINCE_WEIGHTS))
    weights = {o.code: PROVINCE_WEIGHTS.get(o.code, rest) for o in provinces}
    province = _choice(rng, weights, n)
    codes = list(weights)
    subs = {
        code: [o.pk for o in offices if o.code != code and o.code.startswith(code[:2])]
        for code in codes
    }
    own = {o.code: o.pk for o in offices}
    office = np.empty(n, dtype=np.int64)
    to_sub = rng.random(n) < 0.5
    pick = rng.integers(0, 1 << 30, n)
    handler_ids = np.zeros(n, dtype=np.int64)
    for p, code in enumerate(codes):
        mask = province == p
        office[mask] = own[code]
        if subs[code]:
            sub_mask = mask & to_sub
            office[sub_mask] = np.array(subs[code])[pick[sub_mask] % len(subs[code])]
        pool = np.array(handlers.get(code, [0]))
        handler_ids[mask] = pool[pick[mask] % len(pool)]
    platform_ids = np.array(list(Platform.objects.order_by("pk").values_list("pk", flat=True)))
    platform = platform_ids[rng.integers(0, len(platform_ids), n)]
    platform[rng.random(n) < 0.15] = 0
    # Assigned: 10 % of pending cases, 70 % of the others; a responsible person for 5 % of those.
    pending = status == statuses.index("pending")
    assigned = rng.random(n) < np.where(pending, 0.10, 0.70)
    assignee = np.where(assigned, handler_ids, 0)
    responsible = np.where(assigned & (rng.random(n) < 0.05), handler_ids, 0)
    flag = rng.choice(4, size=n, p=[0.955, 0.03, 0.01, 0.005])
    # Time: an open case's due date is around now (10 % overdue, 12 % past 75 % of its limit,
    # the rest earlier in their time), opened one limit before it; finished cases opened in the
    # last year and have no running clock.
    limit = np.array(limits)[item] * DAY
    u = rng.random(n)
    due = np.where(
        u < 0.10,
        now - rng.random(n) * 10 * DAY,
        np.where(u < 0.22, now + rng.random(n) * 0.25 * limit, now + limit * (0.25 + 0.75 * u)),
    )
    opened = np.where(finished, now - rng.random(n) * 365 * DAY, due - limit)
    due = np.where(finished, np.nan, due)
    warn = due - 0.25 * limit
    order = np.argsort(opened, kind="stable")
    return Plan(
        n=n,
        first_id=first_id,
        statuses=statuses,
        items=items,
        limits=limits,
        item=item[order],
        status=status[order],
        priority=priority[order],
        office=office[order],
        platform=platform[order],
        assignee=assignee[order],
        responsible=responsible[order],
        flag=flag[order],
        opened=opened[order],
        due=due[order],
        warn=warn[order],
    )


def _timestamps(seconds: np.ndarray, vendor: str) -> list[str | None]:
    """Epoch seconds as the database column stores them: naive UTC text on SQLite (Django's
    format), ISO with a zone on PostgreSQL; NaN is NULL."""
    micro = np.nan_to_num(seconds * 1e6).astype("int64").astype("datetime64[us]")
    text = np.datetime_as_string(micro, unit="us")
    text = np.char.replace(text, "T", " ") if vendor == "sqlite" else np.char.add(text, "+00:00")
    values: list[str | None] = text.tolist()
    for i in np.flatnonzero(np.isnan(seconds)).tolist():
        values[i] = None
    return values


def _local_dates(seconds: np.ndarray) -> list[str]:
    """yymmdd in Asia/Shanghai (UTC+8), as references are stamped."""
    days = ((seconds + 8 * 3600) // DAY).astype("int64").astype("datetime64[D]")
    return [s[2:4] + s[5:7] + s[8:10] for s in np.datetime_as_string(days).tolist()]


def rows(plan: Plan, vendor: str, taken: set[str]) -> Iterator[tuple[tuple, tuple]]:
    """(case row, report row) for each bulk case, in id order."""
    from jubao.cases.models import FINISHED
    from jubao.catalogue import Stage, get_catalogue
    from jubao.intake.receipts import ALPHABET

    stamp = get_catalogue().stamp()
    version, digest = stamp["catalogue_version"], stamp["catalogue_hash"]
    run = secrets.token_hex(4)
    limit_json = []
    for it in plan.items:
        limit = it.time_limit(Stage.OVERALL)
        limit_json.append(json.dumps({"amount": limit.amount, "unit": str(limit.unit)}))
    finished = [s in FINISHED for s in plan.statuses]
    flags = ["[]", '["repeat"]', '["malicious"]', '["group"]']
    opened = _timestamps(plan.opened, vendor)
    iso = _timestamps(plan.opened, "postgres")  # for the clocks JSON (datetime.fromisoformat)
    due = _timestamps(plan.due, vendor)
    warn = _timestamps(plan.warn, vendor)
    dates = _local_dates(plan.opened)
    item, status, priority = plan.item.tolist(), plan.status.tolist(), plan.priority.tolist()
    office, platform = plan.office.tolist(), plan.platform.tolist()
    assignee, responsible = plan.assignee.tolist(), plan.responsible.tolist()
    flag = plan.flag.tolist()
    codes, tracks = [it.code for it in plan.items], [str(it.track) for it in plan.items]
    seq = 0
    for i in range(plan.n):
        pk = plan.first_id + i
        while True:
            tail = _code(seq, ALPHABET)
            seq += 1
            reference = f"A{dates[i]}{tail}"
            if reference not in taken:
                break
        k, s = item[i], status[i]
        stopped = f'"{iso[i]}"' if finished[s] else "null"
        clocks = (
            f'{{"overall": {{"started_at": "{iso[i]}", "limit": {limit_json[k]}, '
            f'"pauses": [], "paused_at": null, "stopped_at": {stopped}}}}}'
        )
        plat = platform[i] or None
        case = (
            pk,
            f"{run}{pk:024x}",
            reference,
            codes[k],
            version,
            digest,
            plan.statuses[s],
            tracks[k],
            priority[i],
            opened[i],
            office[i],
            plat,
            assignee[i] or None,
            responsible[i] or None,
            None,
            clocks,
            due[i],
            warn[i],
            None,
            flags[flag[i]],
        )
        report = (
            pk,
            f"{run}{pk:024x}",
            f"R{dates[i]}{tail}",
            pk,
            codes[k],
            version,
            digest,
            "web",
            "victim",
            False,
            False,
            False,
            DESCRIPTION,
            tracks[k],
            priority[i],
            office[i],
            plat,
            "received",
            f"{run}{pk:056x}",
            None,
            None,
            "[]",
            "{}",
            opened[i],
        )
        yield case, report


class Progress:
    def __init__(self, total: int, what: str) -> None:
        self.total, self.what = total, what
        self.start = self.last = time.perf_counter()
        self.done = 0

    def add(self, count: int) -> None:
        self.done += count
        now = time.perf_counter()
        if now - self.last >= 2.0 or self.done == self.total:
            self.last = now
            rate = self.done / (now - self.start)
            left = (self.total - self.done) / rate if rate else 0
            log(
                f"  {self.what}: {self.done:>9,} / {self.total:,}  {rate:>9,.0f} rows/s"
                f"  ~{left:.0f} s left"
            )


def _batches(plan: Plan, vendor: str, taken: set[str]) -> Iterator[tuple[list, list]]:
    cases: list[tuple] = []
    reports: list[tuple] = []
    for case, report in rows(plan, vendor, taken):
        cases.append(case)
        reports.append(report)
        if len(cases) == BATCH:
            yield cases, reports
            cases, reports = [], []
    if cases:
        yield cases, reports


def fill_sqlite(db: Database, plan: Plan, taken: set[str]) -> float:
    """The bulk fill with the sqlite3 module; the workflow triggers are dropped meanwhile and
    created again from their own SQL. synchronous=OFF for this connection only."""
    conn = sqlite3.connect(db.sqlite_path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-262144")  # 256 MiB for the index pages of the fill
        triggers = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type='trigger' AND tbl_name='cases_case'"
        ).fetchall()
        for name, _sql in triggers:
            conn.execute(f'DROP TRIGGER "{name}"')
        insert_case = (
            f"INSERT INTO cases_case ({', '.join(CASE_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(CASE_COLUMNS))})"
        )
        insert_report = (
            f"INSERT INTO intake_report ({', '.join(REPORT_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(REPORT_COLUMNS))})"
        )
        progress = Progress(plan.n, "cases+reports")
        start = time.perf_counter()
        for cases, reports in _batches(plan, "sqlite", taken):
            conn.execute("BEGIN")
            conn.executemany(insert_case, cases)
            conn.executemany(insert_report, reports)
            conn.execute("COMMIT")
            progress.add(len(cases))
        for _name, sql in triggers:
            conn.execute(sql)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return time.perf_counter() - start
    finally:
        conn.close()


def fill_postgres(db: Database, plan: Plan, taken: set[str]) -> float:
    """The bulk fill with COPY; the workflow trigger is disabled meanwhile (DISABLE TRIGGER
    USER: the foreign-key triggers stay on), then VACUUM ANALYZE."""
    import psycopg

    progress = Progress(plan.n, "cases+reports")
    start = time.perf_counter()
    with psycopg.connect(db.url, autocommit=True) as conn:
        conn.execute("ALTER TABLE cases_case DISABLE TRIGGER USER")
        try:
            for cases, reports in _batches(plan, "postgres", taken):
                with conn.transaction(), conn.cursor() as cur:
                    with cur.copy(
                        f"COPY cases_case ({', '.join(CASE_COLUMNS)}) FROM STDIN"  # type: ignore[arg-type]
                    ) as copy:
                        for row in cases:
                            copy.write_row(row)
                    with cur.copy(
                        f"COPY intake_report ({', '.join(REPORT_COLUMNS)}) FROM STDIN"  # type: ignore[arg-type]
                    ) as copy:
                        for row in reports:
                            copy.write_row(row)
                progress.add(len(cases))
        finally:
            conn.execute("ALTER TABLE cases_case ENABLE TRIGGER USER")
        for table in ("cases_case", "intake_report"):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # type: ignore[arg-type]
                f"(SELECT max(id) FROM {table}))"
            )
        filled = time.perf_counter() - start
        log("  VACUUM ANALYZE (what autovacuum does after a bulk load)")
        t = time.perf_counter()
        conn.execute("VACUUM ANALYZE")
        log(f"  VACUUM ANALYZE took {time.perf_counter() - t:.1f} s")
    return filled


def analyze(db: Database) -> float:
    t = time.perf_counter()
    if db.name == "sqlite":
        conn = sqlite3.connect(db.sqlite_path)
        conn.execute("ANALYZE")
        conn.close()
    else:
        import psycopg

        with psycopg.connect(db.url, autocommit=True) as conn:
            conn.execute("ANALYZE")
    return time.perf_counter() - t


def create_indexes(db: Database, statements: list[str]) -> float:
    t = time.perf_counter()
    if db.name == "sqlite":
        conn = sqlite3.connect(db.sqlite_path, isolation_level=None)
        for sql in statements:
            log(f"  {sql}")
            conn.execute(sql)
        conn.close()
    else:
        import psycopg

        with psycopg.connect(db.url, autocommit=True) as conn:
            for sql in statements:
                log(f"  {sql}")
                conn.execute(sql)  # type: ignore[arg-type]
    log("  ANALYZE")
    analyze(db)
    return time.perf_counter() - t


def table_sizes(db: Database) -> dict[str, int]:
    if db.name == "sqlite":
        conn = sqlite3.connect(db.sqlite_path)
        try:
            out = {}
            for table in ("cases_case", "intake_report"):
                out[table] = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            out["file_mb"] = db.sqlite_path.stat().st_size // 2**20
            return out
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(db.url) as conn:
        out = {}
        for table in ("cases_case", "intake_report"):
            row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()  # type: ignore[arg-type]
            out[table] = row[0] if row else 0
        row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        out["file_mb"] = (row[0] if row else 0) // 2**20
        return out


# --- the URLs -------------------------------------------------------------------------------------


@dataclass
class Url:
    user: str  # label in SIGNED_IN
    name: str
    path: str
    api: bool = False
    expect_rows: bool = True  # a list that must not be empty
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    rows: int = -1
    queries: int = 0
    sql_ms: float = 0.0
    inprocess_ms: float = 0.0
    slowest: tuple[float, str] = (0.0, "")


def choose_urls(state: dict[str, Any]) -> list[Url]:
    """The URLs of the run, from cases of the fill that each user may see."""
    filters = [
        ("default", {}),
        ("page 2", {"page": "2"}),
        ("status=under_review", {"status": "under_review"}),
        ("track=minors", {"track": "minors"}),
        ("track=normal", {"track": "normal"}),
        ("clock=overdue", {"clock": "overdue"}),
        ("clock=warning", {"clock": "warning"}),
        ("assigned=me", {"assigned": "me"}),
        ("assigned=none", {"assigned": "none"}),
        ("item=enterprise.false_info", {"item": "enterprise.false_info"}),
        ("platform=<id>", {"platform": str(state["platform_id"])}),
    ]
    urls = []
    for user in ("officer", "central"):
        mine = [(n, dict(q)) for n, q in filters]
        mine.append(("q=<case reference>", {"q": state["references"][user]}))
        for name, query in mine:
            suffix = f"?{urlencode(query)}" if query else ""
            # The supervisor of the central office is assigned nothing: the list is empty.
            expect = not (user == "central" and name == "assigned=me")
            urls.append(Url(user, f"queue {name}", f"/workbench/cases/{suffix}", False, expect))
            urls.append(Url(user, f"api {name}", f"/api/v1/cases{suffix}", True, expect))
        # The "waiting for my role" tab: the HTML queue only.
        urls.append(Url(user, "queue todo=1", "/workbench/cases/?todo=1"))
        for label, pk in state["case_pages"][user]:
            urls.append(Url(user, f"case ({label})", f"/workbench/cases/{pk}/", False, False))
    for user in ("central", "prov-sup"):
        urls.append(Url(user, "supervision", "/workbench/cases/supervision/"))
        urls.append(Url(user, "supervision page 2", "/workbench/cases/supervision/?page=2"))
        urls.append(Url(user, "api supervision", "/api/v1/cases/supervision", True))
    return urls


def count_rows(url: Url, body: bytes) -> int:
    """Cases listed in a response; -1 for a case page."""
    if re.search(r"/cases/\d+/$", url.path):
        return -1
    if url.api:
        return len(json.loads(body).get("items", []))
    return body.count(b"<tr data-case=")


class Served:
    """The server of a measurement; started again if something else stops it (the machine is
    shared, and a stray `kill` by name would otherwise end the run)."""

    def __init__(self, db: Database, workers: int, gc_freeze: bool = False) -> None:
        self.db, self.workers, self.gc_freeze = db, workers, gc_freeze
        self.server: Server | None = None
        self.restarts = 0

    def start(self) -> None:
        self.server = Server(self.db, self.workers, self.gc_freeze)
        self.server.ready()

    @property
    def port(self) -> int:
        assert self.server is not None
        return self.server.port

    def alive(self) -> bool:
        return self.server is not None and self.server.proc.poll() is None

    def healthy(self, wait: float) -> bool:
        """Whether the server answers /healthz, trying for up to `wait` seconds while it runs."""
        deadline = time.monotonic() + wait
        while self.alive() and time.monotonic() < deadline:
            with contextlib.suppress(OSError, http.client.HTTPException):
                if Client(self.port).get("/healthz")[0] == 200:
                    return True
            time.sleep(0.5)
        return False

    def restart(self) -> None:
        self.stop()
        self.restarts += 1
        self.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()


def measure(
    served: Served, state: dict[str, Any], urls: list[Url], opts: argparse.Namespace
) -> None:
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    def code_for(username: str) -> Any:
        def code() -> str:
            device = TOTPDevice.objects.get(user__username=username, confirmed=True)
            value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
            return f"{value:0{device.digits}d}"

        return code

    clients = {}
    for label, (username, _role, _office) in SIGNED_IN.items():
        password = state["passwords"][label]
        clients[label] = sign_in(served.port, username, password, code_for(username))
    from django.db import connections

    connections.close_all()

    def fetch(url: Url) -> tuple[int, bytes, float]:
        for _attempt in range(3):
            try:
                return clients[url.user].get(url.path, _accept(url))
            except (OSError, http.client.HTTPException) as exc:
                if served.healthy(wait=30.0):
                    continue  # a passing error: the same server answers again
                log(f"  the server stopped ({type(exc).__name__}); starting a new one")
                served.restart()
                for client in clients.values():
                    client.port = served.port  # the sessions are in the database: still valid
                for other in urls:  # warm the new workers; not measured
                    clients[other.user].get(other.path, _accept(other))
        raise RuntimeError(f"{url.path}: no answer after restarts")

    for url in urls:
        url.latencies.clear()
        url.statuses.clear()
    log(f"warm-up: {opts.warmup} rounds of {len(urls)} URLs")
    for _ in range(opts.warmup):
        for url in urls:
            status, body, _ = fetch(url)
            if status == 200:
                url.rows = count_rows(url, body)
            else:
                url.statuses[status] = url.statuses.get(status, 0) + 1
    log(f"measuring: {opts.requests} rounds of {len(urls)} URLs, one request at a time")
    last = time.perf_counter()
    for round_ in range(opts.requests):
        for url in urls:
            status, _body, elapsed = fetch(url)
            url.statuses[status] = url.statuses.get(status, 0) + 1
            url.latencies.append(elapsed)
        if time.perf_counter() - last > 10:
            last = time.perf_counter()
            log(f"  round {round_ + 1} / {opts.requests}, load {os.getloadavg()[0]:.2f}")


def _accept(url: Url) -> str:
    return "application/json" if url.api else "text/html"


def inprocess(db: Database, state: dict[str, Any], urls: list[Url], explain_ms: float) -> list:
    """Each URL through Django's test client here: statements, their time, the slowest one and,
    above `explain_ms`, its plan."""
    from django.db import connection, connections
    from django.test import Client as DjangoClient
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from jubao.accounts.models import User

    connections.close_all()
    clients = {}
    for label, (username, _role, _office) in SIGNED_IN.items():
        client = DjangoClient()
        user = User.objects.get(username=username)
        client.force_login(user)
        session = client.session
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        clients[label] = client
    statements: list[tuple[float, str, Any]] = []

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append(((time.perf_counter() - t) * 1000, sql, params))

    plans = []
    explained: set[str] = set()
    for url in urls:
        client = clients[url.user]
        headers = {"HTTP_ACCEPT": _accept(url)}
        client.get(url.path, **headers)  # warm
        samples = []
        for _ in range(3):
            statements = []
            with connection.execute_wrapper(timed):
                t = time.perf_counter()
                response = client.get(url.path, **headers)
                elapsed = time.perf_counter() - t
            if response.status_code != 200:
                raise RuntimeError(f"in-process {url.path}: {response.status_code}")
            samples.append((elapsed * 1000, statements))
        samples.sort(key=lambda s: s[0])
        elapsed_ms, found = samples[1]  # the median of three
        url.inprocess_ms = elapsed_ms
        url.queries = len(found)
        url.sql_ms = sum(ms for ms, _sql, _params in found)
        ms, sql, params = max(found, key=lambda s: s[0], default=(0.0, "", None))
        url.slowest = (ms, sql)
        if ms >= explain_ms and sql not in explained:
            explained.add(sql)
            plans.append(
                {
                    "url": f"{url.user} {url.name}",
                    "ms": round(ms, 1),
                    "sql": sql,
                    "params": [str(p) for p in params or ()],
                    "plan": plan(sql, params),
                }
            )
    return plans


def plan(sql: str, params: Any) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            found = cursor.fetchall()
            depth = {0: 0}
            lines = []
            for node, parent, _unused, detail in found:
                depth[node] = depth.get(parent, 0) + 1
                lines.append("  " * (depth[node] - 1) + detail)
            return "\n".join(lines)
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


# --- statistics and the table ---------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile, in milliseconds."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(np.ceil(q / 100 * len(ordered))) - 1))
    return ordered[index] * 1000


def summarise(urls: list[Url]) -> dict[str, Any]:
    everything = [v for u in urls for v in u.latencies]
    out = []
    for u in urls:
        p95 = pct(u.latencies, 95)
        out.append(
            {
                "user": u.user,
                "url": u.name,
                "path": u.path,
                "rows": u.rows,
                "requests": len(u.latencies),
                "statuses": {str(k): v for k, v in u.statuses.items()},
                "p50_ms": round(pct(u.latencies, 50), 1),
                "p95_ms": round(p95, 1),
                "p99_ms": round(pct(u.latencies, 99), 1),
                "max_ms": round(max(u.latencies, default=0) * 1000, 1),
                "goal_met": p95 < GOAL_MS,
                "queries": u.queries,
                "sql_ms": round(u.sql_ms, 1),
                "slowest_sql_ms": round(u.slowest[0], 1),
                "inprocess_ms": round(u.inprocess_ms, 1),
            }
        )
    return {
        "urls": out,
        "overall_p50_ms": round(pct(everything, 50), 1),
        "overall_p95_ms": round(pct(everything, 95), 1),
        "overall_p99_ms": round(pct(everything, 99), 1),
        "urls_over_goal": sum(not u["goal_met"] for u in out),
        "mean_ms": round(statistics.fmean(everything) * 1000, 1) if everything else None,
    }


def table(title: str, summary: dict[str, Any]) -> str:
    lines = [
        title,
        f"{'user':<8} {'url':<32} {'rows':>4} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7} "
        f"{'q':>3} {'sql':>7} {'slowest':>7} {'django':>7}  goal",
    ]
    for u in summary["urls"]:
        bad = {k: v for k, v in u["statuses"].items() if k != "200"}
        goal = "met" if u["goal_met"] else "MISSED"
        rows = "-" if u["rows"] < 0 else str(u["rows"])
        lines.append(
            f"{u['user']:<8} {u['url']:<32} {rows:>4} {u['p50_ms']:>7.1f} {u['p95_ms']:>7.1f} "
            f"{u['p99_ms']:>7.1f} {u['max_ms']:>7.1f} {u['queries']:>3} {u['sql_ms']:>7.1f} "
            f"{u['slowest_sql_ms']:>7.1f} {u['inprocess_ms']:>7.1f}  {goal}"
            + (f"  statuses {bad}" if bad else "")
        )
    lines.append(
        f"overall: p50 {summary['overall_p50_ms']} ms, p95 {summary['overall_p95_ms']} ms, "
        f"p99 {summary['overall_p99_ms']} ms; {summary['urls_over_goal']} of "
        f"{len(summary['urls'])} URLs have p95 >= {GOAL_MS:g} ms"
    )
    lines.append(
        "ms over HTTP, client-side; rows: cases on the page (HTML rows or API items); q, sql, "
        "slowest: SQL statements of one in-process request, their total and slowest ms; django: "
        "that request's time in-process (no HTTP, no gunicorn)"
    )
    return "\n".join(lines)


def failures(urls: list[Url]) -> list[str]:
    found = []
    for u in urls:
        bad = {k: v for k, v in u.statuses.items() if k != 200}
        if bad:
            found.append(f"{u.user} {u.path}: statuses {bad}")
        if u.expect_rows and u.rows == 0:
            found.append(f"{u.user} {u.path}: no cases")
    return found


# --- the run --------------------------------------------------------------------------------------


def prepare(db: Database, opts: argparse.Namespace) -> dict[str, Any]:
    """Migrate, create people and platforms, real cases, then the bulk fill; returns the state
    the measurement needs (also written to the data folder for --reuse)."""
    t0 = time.perf_counter()
    jubao(db, "migrate", "--verbosity", "0")
    jubao(db, "offices", "load")
    jubao(db, "collectstatic", "--no-input", "-v", "0")  # as `make run` does before serving
    log(f"migrated, offices loaded, static files collected in {time.perf_counter() - t0:.1f} s")
    django_setup(db)
    from django.db import connections

    from jubao.accounts.models import Office, Platform
    from jubao.cases.models import Case

    passwords, handlers = create_people()
    real = create_real_cases()
    log(f"users, platforms and {len(real)} cases through the services: {len(real)} case ids {real}")
    first_id = (Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    taken = set(Case.objects.values_list("reference", flat=True))
    t = time.perf_counter()
    plan_ = make_plan(opts.cases, first_id, handlers, opts.seed)
    log(f"planned {opts.cases:,} cases in {time.perf_counter() - t:.1f} s")
    connections.close_all()
    fill = fill_sqlite if db.name == "sqlite" else fill_postgres
    seconds = fill(db, plan_, taken)
    log(f"filled {opts.cases:,} cases and reports in {seconds:.1f} s")
    # Cases for the URLs: in the officer's province, and anywhere for the central supervisor.
    zhejiang = list(Office.objects.filter(code__startswith="33").values_list("pk", flat=True))
    officer_cases = Case.objects.filter(jurisdiction__in=zhejiang, pk__gte=first_id)
    other_cases = Case.objects.filter(pk__gte=first_id).exclude(jurisdiction__in=zhejiang)
    middle = first_id + opts.cases // 2
    pick_officer = officer_cases.filter(pk__gte=middle).order_by("pk")
    pick_other = other_cases.filter(pk__gte=middle).order_by("pk")
    officer_real = [pk for pk in real if Case.objects.get(pk=pk).jurisdiction.code[:2] == "33"]
    other_real = [pk for pk in real if pk not in officer_real]
    state = {
        "database": db.name,
        "cases": opts.cases,
        "fill_seconds": round(seconds, 1),
        "passwords": passwords,
        "platform_id": Platform.objects.get(name="星河社区").pk,
        "references": {
            "officer": pick_officer.values_list("reference", flat=True)[7],
            "central": pick_other.values_list("reference", flat=True)[11],
        },
        "case_pages": {
            "officer": [
                ("service, accepted", officer_real[0]),
                ("bulk", pick_officer.values_list("pk", flat=True)[3]),
                ("bulk", pick_officer.values_list("pk", flat=True)[40]),
            ],
            "central": [
                ("service", other_real[0]),
                ("bulk", pick_other.values_list("pk", flat=True)[5]),
                ("bulk", pick_other.values_list("pk", flat=True)[60]),
            ],
        },
    }
    connections.close_all()
    (db.data_dir / STATE).write_text(json.dumps(state, indent=2))
    return state


def run_measurement(
    db: Database, state: dict[str, Any], opts: argparse.Namespace, label: str
) -> dict[str, Any]:
    urls = choose_urls(state)
    served = Served(db, opts.workers, opts.gc_freeze)
    try:
        served.start()
        measure(served, state, urls, opts)
    finally:
        served.stop()
    log("in-process: statements and plans")
    error = ""
    try:
        plans = inprocess(db, state, urls, opts.explain_ms)
    except Exception as exc:  # e.g. the source tree changed under the run: keep the HTTP figures
        error = f"{type(exc).__name__}: {exc}"
        log(f"in-process step failed, its columns are empty: {error}")
        plans = []
    summary = summarise(urls)
    summary["label"] = label
    summary["plans"] = plans
    summary["inprocess_error"] = error
    summary["server_restarts"] = served.restarts
    summary["failures"] = failures(urls)
    summary["loadavg_after"] = [round(v, 2) for v in os.getloadavg()]
    return summary


def save(
    opts: argparse.Namespace,
    started: float,
    state: dict[str, Any],
    sizes: dict[str, int],
    runs: list[dict[str, Any]],
) -> None:
    """The JSON results so far (written after each measurement, so a late failure keeps them)."""
    if not opts.json:
        return
    results = {
        "benchmark": "queues",
        "started": datetime.fromtimestamp(started, UTC).isoformat(timespec="seconds"),
        "seconds": round(time.time() - started, 1),
        "cpus": os.cpu_count(),
        "loadavg": [round(v, 2) for v in os.getloadavg()],
        "command": " ".join(["python", "bench/queues.py", *sys.argv[1:]]),
        "database": opts.db,
        "cases": state["cases"],
        "fill_seconds": state["fill_seconds"],
        "sizes": sizes,
        "workers": opts.workers,
        "gc_freeze": opts.gc_freeze,
        "requests_per_url": opts.requests,
        "runs": runs,
    }
    opts.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=100, help="measured requests per URL")
    parser.add_argument("--warmup", type=int, default=3, help="warm-up requests per URL")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument(
        "--analyze", action="store_true", help="run ANALYZE after the fill (SQLite; PG always)"
    )
    parser.add_argument(
        "--try-index",
        action="store_true",
        help="after the run, create TRY_INDEXES in the bench database, ANALYZE, measure again",
    )
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="run gunicorn with a post_worker_init hook that calls gc.freeze() (a config file "
        "in the data folder, through GUNICORN_CMD_ARGS; src/ unchanged)",
    )
    parser.add_argument(
        "--explain-ms", type=float, default=20.0, help="show the plan of statements this slow"
    )
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true", help="keep the data folder and database")
    parser.add_argument(
        "--reuse", type=Path, metavar="DIR", help="a data folder kept by --keep: skip the fill"
    )
    parser.add_argument("--json", type=Path, help="write the results here")
    opts = parser.parse_args()
    if not JUBAO.exists():
        sys.exit(f"{JUBAO} not found: create the virtualenv first (see docs/development.md)")
    pg_url = opts.pg_url.rstrip("/")
    started = time.time()
    tmp = opts.reuse or Path(tempfile.mkdtemp(prefix=f"jubao-bench-queues-{opts.db}-"))
    db = Database(opts.db, tmp, f"{pg_url}/{PG_DB}" if opts.db == "postgres" else "")
    keep = opts.keep or bool(opts.reuse)
    try:
        if opts.reuse:
            state = json.loads((tmp / STATE).read_text())
            jubao(db, "migrate", "--verbosity", "0")  # the code may have new migrations since
            jubao(db, "collectstatic", "--no-input", "-v", "0")
            django_setup(db)
        else:
            if opts.db == "postgres":
                pg_admin(pg_url, f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
                pg_admin(pg_url, f"CREATE DATABASE {PG_DB}")
            state = prepare(db, opts)
        if opts.analyze and opts.db == "sqlite":
            log(f"ANALYZE: {analyze(db):.1f} s")
        sizes = table_sizes(db)
        log(f"database: {sizes}")
        runs = [run_measurement(db, state, opts, "as migrated")]
        save(opts, started, state, sizes, runs)
        if opts.try_index:
            log("--try-index: creating candidate indexes in the bench database")
            seconds = create_indexes(db, TRY_INDEXES[opts.db])
            log(f"  created in {seconds:.1f} s")
            runs.append(run_measurement(db, state, opts, "with TRY_INDEXES"))
            runs[-1]["indexes"] = TRY_INDEXES[opts.db]
            runs[-1]["index_seconds"] = round(seconds, 1)
            save(opts, started, state, sizes, runs)
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
    fill_rate = state["cases"] * 2 / state["fill_seconds"] if state["fill_seconds"] else 0
    out = []
    for summary in runs:
        title = (
            f"jubao case queues, {opts.db} ({summary['label']}): {state['cases']:,} cases + "
            f"as many reports filled in {state['fill_seconds']:.0f} s ({fill_rate:,.0f} rows/s); "
            f"{opts.workers} gunicorn workers, {opts.requests} requests per URL one at a time; "
            f"{os.cpu_count()} CPUs, load after {summary['loadavg_after']}"
        )
        if opts.gc_freeze:
            title += "; gunicorn workers call gc.freeze() after start-up (--gc-freeze)"
        if summary["server_restarts"]:
            title += "; the server was stopped by something else and restarted "
            title += f"{summary['server_restarts']} times"
        out.append(table(title, summary))
        for p in summary["plans"]:
            sql = re.sub(r"^SELECT .*? FROM ", "SELECT <columns> FROM ", p["sql"], count=1)
            out.append(
                f"\n-- {p['url']}: {p['ms']} ms\n{sql}\n   params {p['params']}\n{p['plan']}"
            )
        out.append("")
    print("\n".join(out))
    problems = [f for summary in runs for f in summary["failures"]]
    if problems:
        print("FAILED:\n  " + "\n  ".join(problems), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
