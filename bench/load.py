"""Load test: a mixed load against the production server for a long stretch, with no error.

One run:

1. a fresh data folder (``JUBAO_DATA_DIR`` in the temporary directory) and, on PostgreSQL (the
   default), a fresh database ``jubao_bench_load`` (dropped afterwards unless ``--keep``);
   ``jubao migrate``, ``jubao offices load``, ``jubao collectstatic`` (as ``make run``);
2. in this process, through jubao's services: the platform the reports name, one staff member
   per workbench client (alternately an intake officer of Zhejiang and a supervisor of the
   central office, each with a confirmed TOTP authenticator) and ``--prefill`` reports through
   ``report_submit`` (their receipts and cases are what the first look-ups and case pages read);
3. ``jubao serve`` (gunicorn, sync workers, ``--workers``) with the proof of work on (a small
   ``JUBAO_POW_MAX_NUMBER``: the client solves each challenge) and the rate limits raised (every
   request comes from one address); each staff client signs in through the login form and the
   second-factor form;
4. for ``--duration`` seconds (default 600), closed-loop client threads, each sending its next
   request when the answer came (``--think`` seconds between, default 0):

   - ``--submitters`` threads: ``GET /api/v1/challenge``, solve, ``POST /api/v1/reports`` with a
     new ``Idempotency-Key`` (two kinds: ``challenge`` and ``submit``);
   - ``--lookups`` threads: ``GET /api/v1/reports/status`` with a receipt code, drawn from the
     prefill's and the load's receipts (``lookup``);
   - ``--staff`` threads, each signed in as its own user: the case queue ``/workbench/cases/``
     (``queue``), a case page ``/workbench/cases/<id>/`` (``case``) and the statistics dashboard
     ``/workbench/transparency/statistics/`` (``dashboard``), in the proportions 4 : 4 : 1;

   any answer but the expected one (201 for a submission, 200 otherwise), and any network error or
   timeout (``--timeout``, 60 s) is an error;
5. afterwards: every receipt the server gave opens its report (``/api/v1/reports/status``), the
   reports in the database are the prefill plus the acknowledged submissions (none twice), and
   ``jubao ledger verify`` passes.

Printed: per kind the count, errors, p50/p95/p99/max latency and throughput; the same per minute
of the run (so a slow drift shows); the load average, and the CPU used by the server, PostgreSQL
(all its processes, other databases included: the machine may be shared) and this client. The
exit status is 1 when there was any error or a check failed.

    .venv/bin/python bench/load.py [--duration 600] [--db postgres|sqlite] [--workers 4]
        [--submitters 4] [--lookups 2] [--staff 2] [--prefill 300] [--json results.json]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import http.client
import io
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
JUBAO = ROOT / ".venv" / "bin" / "jubao"
PG_DB = "jubao_bench_load"
PYCACHE = Path(tempfile.gettempdir()) / "jubao-bench-pycache"
ITEM = "personal.doxxing"
PLATFORM = ("星河社区", "Xinghe Community", "浙ICP备20260001号", "330106")
STAFF = [("intake", "330000"), ("supervisor", "000000")]  # alternately
KINDS = ("challenge", "submit", "lookup", "queue", "case", "dashboard")
EXPECTED = {"submit": 201}
STAFF_MIX = ("queue",) * 4 + ("case",) * 4 + ("dashboard",)
READY_TIMEOUT = 180.0
POW_MAX_NUMBER = "200"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())}Z] {message}", file=sys.stderr, flush=True)


# --- the database, commands and the server ------------------------------------------------------


@dataclass
class Database:
    vendor: str  # "postgres" or "sqlite"
    data_dir: Path
    url: str = ""  # DATABASE_URL; empty for the embedded SQLite default

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("JUBAO_")}
        env.pop("DATABASE_URL", None)
        # Installed code has its bytecode; this environment may forbid writing it, and without a
        # cache every worker compiles Django and jubao again on its first request.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
        env.update(JUBAO_DATA_DIR=str(self.data_dir), DJANGO_SETTINGS_MODULE="jubao.settings")
        if self.url:
            env["DATABASE_URL"] = self.url
        env.update(extra)
        return env


def jubao(db: Database, *args: str) -> str:
    done = subprocess.run([str(JUBAO), *args], env=db.env(), cwd=ROOT, capture_output=True)
    if done.returncode:
        tail = (done.stdout + done.stderr).decode(errors="replace")[-3000:]
        raise RuntimeError(f"jubao {' '.join(args)} failed ({done.returncode}):\n{tail}")
    return done.stdout.decode(errors="replace")


def pg_admin(base_url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{base_url.rstrip('/')}/postgres", autocommit=True) as conn:
        conn.execute(statement)  # type: ignore[arg-type]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """`jubao serve` as a subprocess group; its output goes to a file in the data folder."""

    def __init__(self, db: Database, workers: int) -> None:
        self.port = free_port()
        self.log_path = db.data_dir / "serve.log"
        self.log_file = self.log_path.open("wb")
        env = db.env(
            JUBAO_BIND=f"127.0.0.1:{self.port}",
            JUBAO_WORKERS=str(workers),
            JUBAO_POW_REQUIRED="1",
            JUBAO_POW_MAX_NUMBER=POW_MAX_NUMBER,
            JUBAO_RATE_SUBMIT_ADDRESS="1000000/m",
            JUBAO_RATE_SUBMIT_IDENTITY="1000000/m",
            JUBAO_RATE_RECEIPT_ADDRESS="1000000/m",
        )
        # --no-control-socket: gunicorn's control socket has one default path for every gunicorn
        # on the machine; it plays no part in serving requests.
        self.proc = subprocess.Popen(
            [str(JUBAO), "serve", "--no-control-socket"],
            env=env,
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
                if Browser(self.port).send("GET", "/healthz")[0] == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"server not ready after {READY_TIMEOUT}s; see {self.log_path}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log_file.close()

    def server_errors(self) -> int:
        """Lines of the server's access log with a 5xx status."""
        text = self.log_path.read_text(errors="replace")
        return len(re.findall(r'" 5\d\d ', text))


# --- HTTP: one new connection per request, cookies kept per client -------------------------------


class Browser:
    def __init__(self, port: int, timeout: float = 60.0) -> None:
        self.port = port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    def send(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        all_headers = dict(headers or {})
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=body, headers=all_headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        for raw in response.msg.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(raw)
            self.cookies.update({name: morsel.value for name, morsel in jar.items()})
        return response.status, dict(response.getheaders()), data

    def form(self, path: str, fields: dict[str, str]) -> tuple[int, str]:
        """GET a form page for its CSRF token, then POST the fields; the status and Location."""
        status, _headers, page = self.send("GET", path)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or token is None:
            raise RuntimeError(f"GET {path}: {status}, no form")
        body = urlencode({"csrfmiddlewaretoken": token.group(1).decode(), **fields}).encode()
        status, headers, _page = self.send(
            "POST",
            path,
            body,
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        return status, headers.get("Location", "")


def solve(challenge: dict[str, Any]) -> str:
    """The browser's side of the proof of work: find the number, encode the payload."""
    wanted = challenge["challenge"]
    for number in range(int(challenge["maxnumber"]) + 1):
        if hashlib.sha256(f"{challenge['salt']}{number}".encode()).hexdigest() == wanted:
            fields = {k: challenge[k] for k in ("algorithm", "challenge", "salt", "signature")}
            return base64.b64encode(json.dumps({**fields, "number": number}).encode()).decode()
    raise RuntimeError("the challenge has no solution")


def report(thread: int, number: int, rng: random.Random) -> dict[str, Any]:
    """A valid report: most name a page of their own, one in ten a page many others name."""
    page = rng.randrange(50) if number % 10 == 0 else f"{thread}-{number}-{uuid.uuid4().hex[:8]}"
    body: dict[str, Any] = {
        "item_code": ITEM,
        "reporter_role": "victim",
        "description": f"有人在论坛上公开了我的住址和电话，号召网友去骚扰我。（{thread}-{number}）",
        "targets": [
            {
                "url": f"https://xinghe.example/p/{page}",
                "platform": PLATFORM[0],
                "excerpt": "她家就住在某小区5栋",
            }
        ],
        "truthful": True,
    }
    if number % 2:
        body["contact"] = {"name": f"压测{thread}", "phone": f"139{thread:02d}{number % 10**6:06d}"}
    return body


# --- preparing the data, in this process ----------------------------------------------------------


def django_setup(db: Database) -> None:
    os.environ.update(db.env(JUBAO_POW_REQUIRED="0"))
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


@dataclass
class Person:
    username: str
    password: str
    device_id: int


def prepare(db: Database, staff: int, prefill: int) -> tuple[list[Person], list[str], list[int]]:
    """The platform, the staff (with authenticators) and the prefill; returns the people, the
    receipts and the case ids."""
    import secrets

    from django.db import connections
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from jubao.accounts.models import Office
    from jubao.accounts.services import platform_create, user_create
    from jubao.cases.models import Case
    from jubao.intake.drafts import Contact, Draft
    from jubao.intake.services import report_submit

    offices = {o.code: o for o in Office.objects.all()}
    name, name_en, icp, office = PLATFORM
    platform_create(
        actor="system", name=name, name_en=name_en, icp_number=icp, jurisdiction=offices[office]
    )
    people = []
    for i in range(staff):
        role, code = STAFF[i % len(STAFF)]
        password = secrets.token_urlsafe(16)
        user = user_create(
            actor="system",
            username=f"load-{role}-{i}",
            password=password,
            display_name=f"压测 {role} {i}",
            office=offices[code],
            roles={role: 0},
        )
        device = TOTPDevice.objects.create(user=user, name="load", confirmed=True)
        people.append(Person(user.username, password, device.pk))
    receipts = []
    rng = random.Random(1)
    started = time.monotonic()
    for number in range(prefill):
        fields = report(99, number, rng)
        contact = Contact(**fields.pop("contact", {}))
        draft = Draft(
            item_code=fields["item_code"],
            reporter_role=fields["reporter_role"],
            description=fields["description"],
            targets=tuple(fields["targets"]),
            truthful=True,
            contact=contact,
        )
        with contextlib.redirect_stdout(io.StringIO()):
            done = report_submit(draft=draft, idempotency_key=uuid.uuid4().hex, pow_payload="")
        receipts.append(done.receipt)
        if number and number % 100 == 0:
            log(f"prefill: {number} reports, {number / (time.monotonic() - started):.0f}/s")
    case_ids = list(Case.objects.order_by("pk").values_list("pk", flat=True))
    connections.close_all()
    return people, receipts, case_ids


def totp_now(device_id: int) -> str:
    from django.db import connections
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(pk=device_id)
    connections.close_all()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def sign_in(port: int, person: Person, timeout: float) -> Browser:
    browser = Browser(port, timeout)
    status, location = browser.form(
        "/accounts/login/", {"username": person.username, "password": person.password}
    )
    if status != 302 or "second-factor" not in location:
        raise RuntimeError(f"sign-in of {person.username}: {status} {location}")
    status, location = browser.form(
        "/accounts/second-factor/", {"token": totp_now(person.device_id)}
    )
    if status != 302:
        raise RuntimeError(f"second factor of {person.username}: {status}")
    return browser


# --- the load -------------------------------------------------------------------------------------


@dataclass
class Sample:
    kind: str
    at: float  # seconds since the start of the load
    ms: float
    ok: bool
    detail: str = ""


@dataclass
class Shared:
    port: int
    timeout: float
    think: float
    start: float
    end: float
    receipts: list[str]
    case_ids: list[int]
    lock: threading.Lock = field(default_factory=threading.Lock)
    samples: list[Sample] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)
    unanswered: int = 0  # submissions without an answer (an error): may be stored or not
    crashed: list[str] = field(default_factory=list)

    def running(self) -> bool:
        return time.monotonic() < self.end

    def record(self, kind: str, began: float, status: int | str, want: int) -> bool:
        ms = (time.monotonic() - began) * 1000
        ok = status == want
        sample = Sample(kind, began - self.start, ms, ok, "" if ok else str(status))
        with self.lock:
            self.samples.append(sample)
        return ok

    def timed(
        self, browser: Browser, kind: str, method: str, path: str, **kw: Any
    ) -> tuple[bool, bytes]:
        want = EXPECTED.get(kind, 200)
        began = time.monotonic()
        try:
            status, _headers, body = browser.send(method, path, **kw)
        except (OSError, http.client.HTTPException) as exc:
            self.record(kind, began, type(exc).__name__, want)
            return False, b""
        return self.record(kind, began, status, want), body


def submitter(shared: Shared, index: int) -> None:
    rng = random.Random(1000 + index)
    browser = Browser(shared.port, shared.timeout)
    number = 0
    while shared.running():
        ok, raw = shared.timed(browser, "challenge", "GET", "/api/v1/challenge")
        if ok:
            body = {**report(index, number, rng), "pow": solve(json.loads(raw))}
            headers = {"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex}
            ok, raw = shared.timed(
                browser,
                "submit",
                "POST",
                "/api/v1/reports",
                body=json.dumps(body).encode(),
                headers=headers,
            )
            if ok:
                with shared.lock:
                    shared.acknowledged.append(json.loads(raw)["receipt"])
            else:
                with shared.lock:
                    shared.unanswered += 1
        number += 1
        time.sleep(shared.think)


def looker(shared: Shared, index: int) -> None:
    rng = random.Random(2000 + index)
    browser = Browser(shared.port, shared.timeout)
    while shared.running():
        with shared.lock:
            pool = shared.acknowledged if shared.acknowledged and rng.random() < 0.5 else None
            code = rng.choice(pool or shared.receipts)
        shared.timed(
            browser, "lookup", "GET", "/api/v1/reports/status", headers={"X-Receipt-Code": code}
        )
        time.sleep(shared.think)


def staff_member(shared: Shared, index: int, browser: Browser) -> None:
    rng = random.Random(3000 + index)
    while shared.running():
        kind = rng.choice(STAFF_MIX)
        if kind == "queue":
            path = "/workbench/cases/" + rng.choice(("", "?page=2", "?todo=1"))
        elif kind == "case":
            path = f"/workbench/cases/{rng.choice(shared.case_ids)}/"
        else:
            path = "/workbench/transparency/statistics/"
        shared.timed(browser, kind, "GET", path, headers={"Accept": "text/html"})
        time.sleep(shared.think)


def guarded(shared: Shared, target: Any, *args: Any) -> None:
    try:
        target(shared, *args)
    except Exception as exc:  # reported in the results; the run then fails
        shared.crashed.append(f"{target.__name__}{args[:1]}: {exc!r}")


# --- CPU and load of the machine ----------------------------------------------------------------


def cpu_seconds(server_pgid: int) -> dict[str, float]:
    """CPU seconds so far of the server's process group, every postgres process, this process."""
    tick = os.sysconf("SC_CLK_TCK")
    totals: dict[str, float] = defaultdict(float)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat.rsplit(")", 1)[1].split()
        used = (int(fields[11]) + int(fields[12])) / tick
        if int(fields[2]) == server_pgid:
            totals["server"] += used
        elif comm.startswith("postgres"):
            # With the CPU of its ended children: a backend lives only as long as its connection.
            totals["postgres"] += used + (int(fields[13]) + int(fields[14])) / tick
    usage = os.times()
    totals["client"] = usage.user + usage.system
    return dict(totals)


def machine_busy() -> float:
    """Seconds of CPU the whole machine used so far (all cores), from /proc/stat."""
    first = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    values = [int(v) for v in first]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


# --- results ------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def stats(samples: list[Sample], seconds: float) -> dict[str, Any]:
    ms = [s.ms for s in samples]
    if not ms:
        keys = ("per_s", "p50_ms", "p95_ms", "p99_ms", "max_ms")
        return {"count": 0, "errors": 0, **dict.fromkeys(keys, 0.0)}
    return {
        "count": len(samples),
        "errors": sum(not s.ok for s in samples),
        "per_s": round(len(samples) / seconds, 2) if seconds else 0.0,
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "max_ms": round(max(ms), 1),
    }


def summarise(shared: Shared, seconds: float) -> dict[str, Any]:
    by_kind: dict[str, list[Sample]] = defaultdict(list)
    for sample in shared.samples:
        by_kind[sample.kind].append(sample)
    kinds = {k: stats(by_kind[k], seconds) for k in KINDS if by_kind[k]}
    minutes = []
    # Whole minutes; a last part of more than 5 s is a row of its own.
    count = int(seconds // 60) + (1 if seconds % 60 > 5 else 0)
    for minute in range(max(1, count)):
        last = minute == max(1, count) - 1
        inside = [
            s for s in shared.samples if minute * 60 <= s.at and (last or s.at < minute * 60 + 60)
        ]
        span = seconds - minute * 60 if last else 60.0
        row = stats(inside, span)
        row["minute"] = minute + 1
        row["submit_p95_ms"] = stats([s for s in inside if s.kind == "submit"], span)["p95_ms"]
        row["pages_p95_ms"] = stats(
            [s for s in inside if s.kind in ("queue", "case", "dashboard")], span
        )["p95_ms"]
        minutes.append(row)
    errors = Counter(f"{s.kind}: {s.detail}" for s in shared.samples if not s.ok)
    return {
        "kinds": kinds,
        "all": stats(shared.samples, seconds),
        "minutes": minutes,
        "errors": dict(errors.most_common()),
    }


def table(result: dict[str, Any]) -> str:
    lines = [
        f"{'kind':<10} {'count':>7} {'errors':>6} {'per s':>7} {'p50':>7} {'p95':>7} "
        f"{'p99':>7} {'max':>7}  (ms)"
    ]
    rows = [*result["summary"]["kinds"].items(), ("all", result["summary"]["all"])]
    for kind, row in rows:
        lines.append(
            f"{kind:<10} {row['count']:>7} {row['errors']:>6} {row['per_s']:>7.2f} "
            f"{row['p50_ms']:>7.1f} {row['p95_ms']:>7.1f} {row['p99_ms']:>7.1f} "
            f"{row['max_ms']:>7.1f}"
        )
    lines.append("")
    lines.append(
        f"{'minute':>6} {'requests':>8} {'errors':>6} {'per s':>7} {'p95 all':>8} "
        f"{'p95 submit':>10} {'p95 pages':>9}"
    )
    for row in result["summary"]["minutes"]:
        lines.append(
            f"{row['minute']:>6} {row['count']:>8} {row['errors']:>6} {row['per_s']:>7.2f} "
            f"{row['p95_ms']:>8.1f} {row['submit_p95_ms']:>10.1f} {row['pages_p95_ms']:>9.1f}"
        )
    cpu = result["cpu_cores"]
    lines.append("")
    lines.append(
        "CPU cores used on average: "
        + ", ".join(f"{k} {v:.2f}" for k, v in cpu.items())
        + f"; load average before {result['loadavg_before']}, after {result['loadavg_after']}"
    )
    checks = result["checks"]
    lines.append(
        f"checks: {checks['receipts_opened']}/{checks['receipts']} receipts open, "
        f"{checks['reports']} reports = {checks['expected_reports']} expected "
        f"(+{checks['unanswered']} unanswered submissions), ledger verify: {checks['ledger']}"
    )
    if result["summary"]["errors"]:
        lines.append(f"errors: {result['summary']['errors']}")
    if result["crashed"]:
        lines.append(f"client threads crashed: {result['crashed']}")
    return "\n".join(lines)


# --- the run --------------------------------------------------------------------------------------


def check(db: Database, port: int, shared: Shared, prefill: int) -> dict[str, Any]:
    """Every receipt opens; the reports are the prefill and the acknowledged ones; the ledger."""
    browser = Browser(port, 60)
    receipts = [*shared.receipts, *shared.acknowledged]
    opened = 0
    for code in receipts:
        with contextlib.suppress(OSError, http.client.HTTPException):
            status, _h, _b = browser.send(
                "GET", "/api/v1/reports/status", headers={"X-Receipt-Code": code}
            )
            opened += status == 200
    reports = count_reports(db)
    verify = subprocess.run(
        [str(JUBAO), "ledger", "verify"], env=db.env(), cwd=ROOT, capture_output=True, text=True
    )
    expected = prefill + len(shared.acknowledged)
    return {
        "receipts": len(receipts),
        "receipts_opened": opened,
        "reports": reports,
        "expected_reports": expected,
        "unanswered": shared.unanswered,
        "ledger": "OK"
        if verify.returncode == 0 and "OK" in verify.stdout
        else verify.stdout[-500:],
        "passed": (
            opened == len(receipts)
            and expected <= reports <= expected + shared.unanswered
            and verify.returncode == 0
        ),
    }


def count_reports(db: Database) -> int:
    from django.db import connection, connections

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM intake_report")
        (count,) = cursor.fetchone()
    connections.close_all()
    return int(count)


def run(opts: argparse.Namespace) -> dict[str, Any]:
    root = Path(tempfile.mkdtemp(prefix="jubao-load-"))
    data_dir = root / "data"
    data_dir.mkdir()
    db = Database(opts.db, data_dir)
    if opts.db == "postgres":
        db.url = f"{opts.pg_url.rstrip('/')}/{PG_DB}"
        pg_admin(opts.pg_url, f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        pg_admin(opts.pg_url, f"CREATE DATABASE {PG_DB}")
    server: Server | None = None
    try:
        log(f"{opts.db}: migrate, offices, data in {data_dir}")
        jubao(db, "migrate", "--no-input", "-v", "0")
        jubao(db, "offices", "load")
        jubao(db, "collectstatic", "--no-input", "-v", "0")  # as `make run` does before serving
        django_setup(db)
        people, receipts, case_ids = prepare(db, opts.staff, opts.prefill)
        log(f"{len(receipts)} reports, {len(case_ids)} cases; starting the server")
        server = Server(db, opts.workers)
        server.ready()
        browsers = [sign_in(server.port, person, opts.timeout) for person in people]
        # Warm every worker up (first requests import the views), untimed.
        warm = Browser(server.port, opts.timeout)
        for _ in range(opts.workers * 3):
            warm.send("GET", "/api/v1/challenge")
            for browser in browsers:
                browser.send("GET", "/workbench/cases/", headers={"Accept": "text/html"})
                browser.send("GET", "/workbench/transparency/statistics/")
        start = time.monotonic()
        shared = Shared(
            port=server.port,
            timeout=opts.timeout,
            think=opts.think,
            start=start,
            end=start + opts.duration,
            receipts=receipts,
            case_ids=case_ids,
        )
        threads = [
            *(
                threading.Thread(target=guarded, args=(shared, submitter, i))
                for i in range(opts.submitters)
            ),
            *(
                threading.Thread(target=guarded, args=(shared, looker, i))
                for i in range(opts.lookups)
            ),
            *(
                threading.Thread(target=guarded, args=(shared, staff_member, i, b))
                for i, b in enumerate(browsers)
            ),
        ]
        loadavg_before = [round(x, 2) for x in os.getloadavg()]
        cpu_before, busy_before = cpu_seconds(server.proc.pid), machine_busy()
        log(
            f"load for {opts.duration:.0f} s: {opts.submitters} submitters, {opts.lookups} "
            f"look-ups, {len(browsers)} staff, {opts.workers} workers; load average "
            f"{loadavg_before}"
        )
        for thread in threads:
            thread.start()
        while any(t.is_alive() for t in threads):
            time.sleep(min(30.0, max(0.5, shared.end - time.monotonic())))
            if time.monotonic() < shared.end:
                done = len(shared.samples)
                bad = sum(not s.ok for s in shared.samples)
                log(f"{time.monotonic() - start:.0f} s: {done} requests, {bad} errors")
        elapsed = time.monotonic() - start
        cpu_after, busy_after = cpu_seconds(server.proc.pid), machine_busy()
        loadavg_after = [round(x, 2) for x in os.getloadavg()]
        cores = {k: (cpu_after.get(k, 0) - cpu_before.get(k, 0)) / elapsed for k in cpu_after}
        cores["other"] = max(0.0, (busy_after - busy_before) / elapsed - sum(cores.values()))
        log("checking receipts, reports and the ledger")
        checks = check(db, server.port, shared, len(receipts))
        result = {
            "database": opts.db,
            "duration_s": round(elapsed, 1),
            "workers": opts.workers,
            "clients": {
                "submitters": opts.submitters,
                "lookups": opts.lookups,
                "staff": len(browsers),
                "think_s": opts.think,
            },
            "prefill": len(receipts),
            "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
            "loadavg_before": loadavg_before,
            "loadavg_after": loadavg_after,
            "cpu_cores": {k: round(v, 2) for k, v in cores.items()},
            "server_5xx_logged": server.server_errors(),
            "summary": summarise(shared, elapsed),
            "checks": checks,
            "crashed": shared.crashed,
        }
        return result
    finally:
        if server is not None:
            server.stop()
        if opts.keep:
            log(f"kept {root}" + (f" and database {PG_DB}" if db.url else ""))
        else:
            if db.url:
                with contextlib.suppress(Exception):
                    from django.db import connections

                    connections.close_all()
                with contextlib.suppress(Exception):
                    pg_admin(opts.pg_url, f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=600.0, help="seconds of load")
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--submitters", type=int, default=4)
    parser.add_argument("--lookups", type=int, default=2)
    parser.add_argument("--staff", type=int, default=2)
    parser.add_argument("--prefill", type=int, default=300, help="reports filed before the load")
    parser.add_argument("--think", type=float, default=0.0, help="seconds between requests")
    parser.add_argument("--timeout", type=float, default=60.0, help="a slower answer is an error")
    parser.add_argument("--json", help="write the results to this file")
    parser.add_argument("--keep", action="store_true", help="keep the data folder and database")
    opts = parser.parse_args()
    result = run(opts)
    print(table(result))
    if opts.json:
        Path(opts.json).write_text(json.dumps(result, indent=2, ensure_ascii=False))
    failed = (
        result["summary"]["all"]["errors"]
        or result["crashed"]
        or not result["checks"]["passed"]
        or result["server_5xx_logged"]
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
