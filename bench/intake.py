"""Benchmark: report intake over HTTP against the production server, SQLite and PostgreSQL.

For each database the script makes a fresh data folder (and, for PostgreSQL, a fresh database
``jubao_bench_intake``, dropped afterwards), runs ``jubao migrate`` and ``jubao offices load``,
then starts ``jubao serve`` (gunicorn, sync workers) as a subprocess and drives it with a
standard-library asyncio HTTP/1.1 load generator (keep-alive when the server allows it; gunicorn's
sync workers close every connection, so each request then opens a new one).

Per database:

1. worker sweep: a short closed-loop run of ``POST /api/v1/reports`` for each ``--workers``
   count, after a warm-up; the count with the highest reports/s is kept (a fresh server);
2. with that count: closed-loop max throughput (``--connections`` connections, ``--duration``
   seconds) of submissions and of ``GET /healthz`` (the server stack's baseline), the same at a
   fixed open-loop rate (``--rate``/s; latency counted from the scheduled send time, so a slow
   server cannot hide queueing), and a "same target" variant where every report joins one case;
3. proof-of-work cost: two one-worker servers on the same database, one with
   ``JUBAO_POW_REQUIRED=1`` and a small ``JUBAO_POW_MAX_NUMBER``, one without; challenges are
   fetched from ``GET /api/v1/challenge`` (timed) and solved up front, then submissions go one at
   a time to each server in turn: the paired difference is the server's cost of verifying and
   recording a solved challenge. A replayed challenge must be refused.

The throughput runs set ``JUBAO_POW_REQUIRED=0`` (solving is the client's cost, not the
server's) and raise the submission rate limits to 1000000/m. Durability is untouched: SQLite runs
with the embedded default (WAL, synchronous=FULL). At the end the rows in ``intake_report`` must
equal the 201 answers in the servers' access logs. The load average and the CPU used by the
server, PostgreSQL, this client and everything else are recorded for each phase, since the
machine may be shared. ``--profile N`` instead calls ``report_submit`` N times in this process,
times each step, counts the queries and prints a cProfile (see docs/performance.md).

    .venv/bin/python bench/intake.py [--duration 20] [--databases sqlite,postgres]
        [--workers 2,3,4] [--connections 16] [--rate 200] [--json results.json] [--keep]
    .venv/bin/python bench/intake.py --databases sqlite --profile 100

A table goes to stdout when ``--json FILE`` is given (else to stderr, and the JSON to stdout).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
JUBAO = ROOT / ".venv" / "bin" / "jubao"
PG_DB = "jubao_bench_intake"
PYCACHE = Path(tempfile.gettempdir()) / "jubao-bench-pycache"
ITEM = "personal.doxxing"
DESCRIPTION = "有人在论坛上公开了我的家庭住址和手机号，号召大家去我家门口闹事。"
READY_TIMEOUT = 60.0
REQUEST_TIMEOUT = 30.0
DRAIN = 5.0  # open loop: seconds to wait for answers after the schedule


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- HTTP/1.1 client ----------------------------------------------------------------------------


class Conn:
    """One HTTP/1.1 connection; reconnects when the server closed the previous one."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        try:
            self.writer.write(raw)
            head = await self.reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip().lower()
            if "content-length" in headers:
                body = await self.reader.readexactly(int(headers["content-length"]))
            elif headers.get("transfer-encoding") == "chunked":
                body = await self._chunked()
            else:
                body = await self.reader.read()
                headers["connection"] = "close"
        except BaseException:
            self.close()
            raise
        if headers.get("connection") == "close" or lines[0].startswith("HTTP/1.0"):
            self.close()
        return status, body

    async def _chunked(self) -> bytes:
        assert self.reader is not None
        parts = []
        while True:
            size = int((await self.reader.readline()).split(b";")[0], 16)
            if size == 0:
                await self.reader.readline()
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readline()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def http_get(path: str, host: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n\r\n".encode()


def http_post(path: str, host: str, body: bytes, headers: dict[str, str]) -> bytes:
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n{extra}\r\n"
    )
    return head.encode() + body


class Requests:
    """Builds requests: `/healthz`, or a valid report with a unique Idempotency-Key."""

    def __init__(self, host: str, port: int, run: str) -> None:
        self.host, self.port, self.run = host, port, run
        self.hostport = f"{host}:{port}"
        self.seq = 0

    def healthz(self) -> bytes:
        return http_get("/healthz", self.hostport)

    def challenge(self) -> bytes:
        return http_get("/api/v1/challenge", self.hostport)

    def report(self, *, same_target: bool = False, pow_payload: str = "") -> bytes:
        self.seq += 1
        url = (
            "https://xinghe.example/p/bench-same-target"
            if same_target
            else f"https://xinghe.example/p/{self.run}-{self.seq}?utm_source=share"
        )
        body: dict[str, Any] = {
            "item_code": ITEM,
            "reporter_role": "victim",
            "description": DESCRIPTION,
            "targets": [
                {"url": url, "platform": "星河社区", "excerpt": "她家就住在某小区5栋2单元301"}
            ],
            "truthful": True,
            "contact": {"name": "金丝雀张三", "phone": "13912345678", "email": ""},
        }
        if pow_payload:
            body["pow"] = pow_payload
        data = json.dumps(body, ensure_ascii=False).encode()
        return http_post(
            "/api/v1/reports", self.hostport, data, {"Idempotency-Key": uuid.uuid4().hex}
        )


# --- measurements -------------------------------------------------------------------------------


@dataclass
class Tally:
    """Results of one phase: latencies (s) of requests completed in the window, statuses."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    created: int = 0  # 201 with a receipt, also those completed after the window
    joined: int = 0
    late: int = 0  # completed after the window (not in the statistics)
    skipped: int = 0  # open loop: not sent because too many were outstanding
    abandoned: int = 0  # open loop: sent, still unanswered DRAIN seconds after the schedule
    slowest: float = 0.0  # also counting the late ones
    unanswered: int = 0  # connection errors and time-outs, also after the window

    def record(self, status: int | str, body: bytes, latency: float, in_window: bool) -> None:
        self.slowest = max(self.slowest, latency)
        if isinstance(status, str):
            self.unanswered += 1
        if status == 201:
            reply = json.loads(body)
            if reply.get("receipt"):
                self.created += 1
                self.joined += bool(reply.get("joined_existing_case"))
        if in_window:
            self.statuses[status] += 1
            self.latencies.append(latency)
        else:
            self.late += 1


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


def summary(tally: Tally, elapsed: float, ok: int) -> dict[str, Any]:
    lat = sorted(tally.latencies)
    good = tally.statuses.get(ok, 0)
    errors = {str(k): v for k, v in tally.statuses.items() if k != ok}
    return {
        "requests": len(lat),
        "ok": good,
        "per_second": round(good / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(percentile(lat, 50) * 1000, 2),
        "p90_ms": round(percentile(lat, 90) * 1000, 2),
        "p99_ms": round(percentile(lat, 99) * 1000, 2),
        "max_ms": round(lat[-1] * 1000, 2) if lat else float("nan"),
        "mean_ms": round(sum(lat) / len(lat) * 1000, 2) if lat else float("nan"),
        "errors": errors,
        "late": tally.late,
        "skipped": tally.skipped,
        "abandoned": tally.abandoned,
        "unanswered": tally.unanswered,
        "created": tally.created,
        "joined_existing_case": tally.joined,
    }


async def _one(conn: Conn, raw: bytes) -> tuple[int | str, bytes]:
    try:
        return await asyncio.wait_for(conn.request(raw), REQUEST_TIMEOUT)
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
        conn.close()
        return type(exc).__name__, b""
    except TimeoutError:
        conn.close()
        return "timeout", b""


async def closed_loop(
    reqs: Requests, make: str, connections: int, duration: float, ok: int = 201
) -> tuple[Tally, float]:
    """`connections` clients, each sending its next request when the previous one returns."""
    tally = Tally()
    start = time.perf_counter()
    deadline = start + duration

    async def client() -> None:
        conn = Conn(reqs.host, reqs.port)
        while time.perf_counter() < deadline:
            raw = build(reqs, make)
            sent = time.perf_counter()
            status, body = await _one(conn, raw)
            done = time.perf_counter()
            tally.record(status, body, done - sent, done <= deadline)
        conn.close()

    await asyncio.gather(*(client() for _ in range(connections)))
    return tally, duration


async def open_loop(
    reqs: Requests, make: str, rate: float, duration: float, max_outstanding: int = 64
) -> tuple[Tally, float]:
    """Requests sent on a fixed schedule, whatever the answers; latency from the scheduled time.

    Every answer counts, also those that come after the schedule ends (a server that cannot keep
    up shows its queue in the latency). When `max_outstanding` requests are unanswered the next
    ones are skipped; requests still unanswered `DRAIN` seconds after the schedule are abandoned.
    """
    tally = Tally()
    idle: list[Conn] = []
    tasks: set[asyncio.Task] = set()
    start = time.perf_counter()

    async def send(scheduled: float, raw: bytes) -> None:
        conn = idle.pop() if idle else Conn(reqs.host, reqs.port)
        status, body = await _one(conn, raw)
        tally.record(status, body, time.perf_counter() - scheduled, True)
        idle.append(conn)

    for i in range(int(rate * duration)):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if len(tasks) >= max_outstanding:
            tally.skipped += 1
            continue
        task = asyncio.create_task(send(scheduled, build(reqs, make)))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        _done, pending = await asyncio.wait(set(tasks), timeout=DRAIN)
        for task in pending:
            task.cancel()
        tally.abandoned = len(pending)
        await asyncio.gather(*pending, return_exceptions=True)
    for conn in idle:
        conn.close()
    return tally, duration


def build(reqs: Requests, make: str) -> bytes:
    if make == "healthz":
        return reqs.healthz()
    return reqs.report(same_target=make == "same_target")


async def serial(reqs: Requests, raws: list[bytes]) -> tuple[Tally, float]:
    tally = Tally()
    conn = Conn(reqs.host, reqs.port)
    start = time.perf_counter()
    for raw in raws:
        sent = time.perf_counter()
        status, body = await _one(conn, raw)
        tally.record(status, body, time.perf_counter() - sent, True)
    conn.close()
    return tally, time.perf_counter() - start


def solve(challenge: dict[str, Any]) -> str:
    """Solve an ALTCHA SHA-256 challenge as a browser would; return the `pow` payload."""
    for number in range(challenge["maxnumber"] + 1):
        digest = hashlib.sha256(f"{challenge['salt']}{number}".encode()).hexdigest()
        if digest == challenge["challenge"]:
            payload = {k: challenge[k] for k in ("algorithm", "challenge", "salt", "signature")}
            return base64.b64encode(json.dumps({**payload, "number": number}).encode()).decode()
    raise RuntimeError("challenge has no solution")


# --- CPU accounting -----------------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, str, float]]:
    """pid: (parent pid, command name, CPU seconds used) of every process."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text()
                name = stat[stat.index("(") + 1 : stat.rindex(")")]
                fields = stat.rsplit(")", 1)[1].split()
                cpu = (int(fields[11]) + int(fields[12])) / _TICK
                found[int(entry.name)] = (int(fields[1]), name, cpu)
    return found


def cpu_snapshot(server_pid: int) -> dict[str, float]:
    """CPU seconds so far: all CPUs busy, the server's process tree, PostgreSQL, this client."""
    line = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    values = [int(v) for v in line]
    idle = values[3] + values[4]
    procs = _processes()
    tree, frontier = {server_pid}, {server_pid}
    while frontier:
        frontier = {pid for pid, (ppid, _n, _c) in procs.items() if ppid in frontier}
        tree |= frontier
    return {
        "busy": (sum(values[:8]) - idle) / _TICK,
        "server": sum(procs[pid][2] for pid in tree if pid in procs),
        "postgres": sum(cpu for _p, name, cpu in procs.values() if name == "postgres"),
        "client": time.process_time(),
        "wall": time.perf_counter(),
    }


def cpu_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """Cores used during a phase: by the server, PostgreSQL (all of it), this client, the rest."""
    wall = after["wall"] - before["wall"]
    used = {k: after[k] - before[k] for k in ("busy", "server", "postgres", "client")}
    other = used["busy"] - used["server"] - used["postgres"] - used["client"]
    return {
        "server_cores": round(used["server"] / wall, 2),
        # PostgreSQL backends that exit during a phase take their CPU time with them: approximate.
        "postgres_cores": round(max(0.0, used["postgres"]) / wall, 2),
        "client_cores": round(used["client"] / wall, 2),
        "other_cores": round(max(0.0, other) / wall, 2),
    }


def cpu_per_ok(out: dict[str, Any]) -> float:
    """CPU milliseconds of the server and PostgreSQL per successful request: unlike the rate,
    hardly changed by other processes competing for the CPUs."""
    cores = out["server_cores"] + out["postgres_cores"]
    return round(cores * 1000 / out["per_second"], 2) if out["per_second"] else float("nan")


def loadavg() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


# --- servers and databases ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Database:
    name: str
    data_dir: Path
    url: str = ""  # DATABASE_URL; empty for the embedded SQLite default

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("JUBAO_")}
        env.pop("DATABASE_URL", None)
        # Installed code has its bytecode compiled; a shell with PYTHONDONTWRITEBYTECODE would
        # make every worker compile Django and jubao again (seconds on its first request). The
        # cache goes to a folder of its own in the temporary directory, not into the source tree.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
        env.update(
            JUBAO_DATA_DIR=str(self.data_dir),
            JUBAO_RATE_SUBMIT_ADDRESS="1000000/m",
            JUBAO_RATE_SUBMIT_IDENTITY="1000000/m",
            JUBAO_POW_REQUIRED="0",
            DJANGO_SETTINGS_MODULE="jubao.settings",
        )
        if self.url:
            env["DATABASE_URL"] = self.url
        env.update(extra)
        return env

    def count_reports(self) -> int:
        if not self.url:
            with contextlib.closing(sqlite3.connect(self.data_dir / "jubao.sqlite3")) as db:
                db.execute("PRAGMA busy_timeout=10000")
                return int(db.execute("SELECT count(*) FROM intake_report").fetchone()[0])
        import psycopg

        with psycopg.connect(self.url) as db:
            return int(db.execute("SELECT count(*) FROM intake_report").fetchone()[0])  # type: ignore[index]


def jubao(db: Database, *args: str) -> None:
    done = subprocess.run([str(JUBAO), *args], env=db.env(), cwd=ROOT, capture_output=True)
    if done.returncode:
        tail = done.stderr.decode(errors="replace")[-2000:]
        raise RuntimeError(f"jubao {' '.join(args)} failed ({done.returncode}):\n{tail}")


class Server:
    """`jubao serve` as a subprocess; the access log goes to a file in the data folder."""

    def __init__(self, db: Database, workers: int, **env: str) -> None:
        self.db, self.workers = db, workers
        self.port = free_port()
        self.log_path = db.data_dir / f"serve-{self.port}.log"
        # The control socket's default path is shared by every gunicorn on the machine; it plays
        # no part in serving requests, so it is turned off to leave other servers alone.
        self.log_file = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [str(JUBAO), "serve", "--no-control-socket"],
            env=db.env(JUBAO_BIND=f"127.0.0.1:{self.port}", JUBAO_WORKERS=str(workers), **env),
            cwd=ROOT,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.reqs = Requests("127.0.0.1", self.port, uuid.uuid4().hex[:8])

    async def ready(self) -> None:
        deadline = time.perf_counter() + READY_TIMEOUT
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited; see {self.log_path}")
            status, _ = await _one(Conn("127.0.0.1", self.port), self.reqs.healthz())
            if status == 200:
                return
            await asyncio.sleep(0.2)
        raise RuntimeError(f"server not ready after {READY_TIMEOUT}s; see {self.log_path}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log_file.close()

    def created(self) -> int:
        """Submissions the server answered 201, from its access log."""
        with self.log_path.open("rb") as fh:
            return sum(b'"POST /api/v1/reports" 201 ' in line for line in fh)


def pg_admin(base_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{base_url}/postgres", autocommit=True) as db:
        db.execute(sql)  # type: ignore[arg-type]


# --- the run ------------------------------------------------------------------------------------


@dataclass
class Options:
    duration: float
    databases: list[str]
    workers: list[int]
    connections: int
    rate: float
    warmup: float
    sweep_duration: float
    pow_batch: int
    pow_max_number: int
    pg_url: str
    keep: bool = False


async def settle(server: Server, limit: float = 60.0) -> None:
    """Wait until the server has worked off any queue left by the previous phase."""
    conn, deadline = Conn(server.reqs.host, server.reqs.port), time.perf_counter() + limit
    while time.perf_counter() < deadline:
        sent = time.perf_counter()
        status, _ = await _one(conn, server.reqs.healthz())
        if status == 200 and time.perf_counter() - sent < 0.1:
            break
    conn.close()


class DatabaseRun:
    """The phases on one database; counts every 201 to check it against the rows at the end."""

    def __init__(self, db: Database, opts: Options) -> None:
        self.db, self.opts = db, opts
        self.created = 0  # 201 answers the client received
        self.unanswered = 0  # submissions sent that got no answer (time-out, abandoned)
        self.servers: list[Server] = []

    async def phase(self, server: Server, label: str, coro: Any, ok: int = 201) -> dict[str, Any]:
        await settle(server)
        load = loadavg()
        before = cpu_snapshot(server.proc.pid)
        tally, elapsed = await coro
        self.created += tally.created
        if ok != 200:
            self.unanswered += tally.unanswered + tally.abandoned
        out = summary(tally, elapsed, ok)
        out.update(loadavg_before=load, **cpu_delta(before, cpu_snapshot(server.proc.pid)))
        out["cpu_ms_per_ok"] = cpu_per_ok(out)
        log(
            f"  {label:<22} {out['per_second']:>7.1f}/s  p50 {out['p50_ms']:>7.2f} ms  "
            f"p99 {out['p99_ms']:>8.2f} ms  errors {out['errors'] or 0}  load {load[0]}"
        )
        return out

    async def warm(self, server: Server, pow_required: bool = False) -> None:
        """Submit until every worker has loaded its code (its first request takes a second or
        more): rounds of 1.5 s until no request took much longer than the median, at most 15 s.
        """
        conns = max(4, server.workers * 2)
        deadline = time.perf_counter() + max(self.opts.warmup, 15.0)
        rounds = 0
        while True:
            await closed_loop(server.reqs, "healthz", conns, 0.5, ok=200)
            tally, _ = await closed_loop(server.reqs, "report", conns, 1.0)
            self.created += tally.created
            self.unanswered += tally.unanswered
            rounds += 1
            failed = {k: v for k, v in tally.statuses.items() if isinstance(k, str) or k >= 500}
            if failed or (not pow_required and not tally.statuses.get(201) and rounds > 3):
                raise RuntimeError(f"warm-up: {dict(tally.statuses)}; see {server.log_path}")
            median = percentile(sorted(tally.latencies), 50)
            steady = tally.latencies and tally.slowest < max(1.0, 4 * median)
            if rounds * 1.5 >= self.opts.warmup and steady:
                return
            if time.perf_counter() > deadline:
                log(f"  warm-up: still uneven after {rounds} rounds; going on")
                return

    async def sweep(self) -> dict[str, Any]:
        opts, sweep = self.opts, {}
        for workers in opts.workers:
            server = Server(self.db, workers)
            self.servers.append(server)
            try:
                await server.ready()
                await self.warm(server)
                sweep[str(workers)] = await self.phase(
                    server,
                    f"sweep w={workers}",
                    closed_loop(server.reqs, "report", opts.connections, opts.sweep_duration),
                )
            finally:
                server.stop()
        return sweep

    async def main_phases(self, workers: int) -> dict[str, Any]:
        opts, half = self.opts, max(2.0, self.opts.duration / 2)
        server = Server(self.db, workers)
        self.servers.append(server)
        phases = {}
        try:
            await server.ready()
            await self.warm(server)
            r, n = server.reqs, opts.connections
            plan = [
                ("reports_closed", closed_loop(r, "report", n, opts.duration), 201),
                ("healthz_closed", closed_loop(r, "healthz", n, half, ok=200), 200),
                ("reports_open", open_loop(r, "report", opts.rate, opts.duration), 201),
                ("healthz_open", open_loop(r, "healthz", opts.rate, half), 200),
                ("same_target_closed", closed_loop(r, "same_target", n, half), 201),
            ]
            for label, coro, ok in plan:
                phases[label] = await self.phase(server, label, coro, ok)
        finally:
            server.stop()
        return phases

    async def pow_phases(self) -> dict[str, Any]:
        """The server's cost of a solved challenge: paired serial submissions to two servers.

        One server requires proof of work (JUBAO_POW_REQUIRED=1, JUBAO_POW_MAX_NUMBER small),
        the other not; both have one worker and the same database, and get alternate requests,
        so that both see the same load from other processes. The difference of the paired
        latencies is the cost of verifying and recording the challenge.
        """
        opts = self.opts
        plain = Server(self.db, 1)
        guarded = Server(
            self.db, 1, JUBAO_POW_REQUIRED="1", JUBAO_POW_MAX_NUMBER=str(opts.pow_max_number)
        )
        self.servers += [plain, guarded]
        out: dict[str, Any] = {}
        try:
            await asyncio.gather(plain.ready(), guarded.ready())
            await self.warm(plain)
            await self.warm(guarded, pow_required=True)
            r = guarded.reqs
            # Challenges fetched one at a time (timed: the cost of issuing one), then solved.
            await settle(guarded)
            load, before = loadavg(), cpu_snapshot(guarded.proc.pid)
            fetched, challenges, conn = Tally(), [], Conn(r.host, r.port)
            t = time.perf_counter()
            for _ in range(opts.pow_batch):
                sent = time.perf_counter()
                status, body = await _one(conn, r.challenge())
                fetched.record(status, body, time.perf_counter() - sent, True)
                if status == 200:
                    challenges.append(json.loads(body))
            conn.close()
            out["challenge_serial"] = summary(fetched, time.perf_counter() - t, 200)
            cpu = cpu_delta(before, cpu_snapshot(guarded.proc.pid))
            out["challenge_serial"].update(loadavg_before=load, **cpu)
            out["challenge_serial"]["cpu_ms_per_ok"] = cpu_per_ok(out["challenge_serial"])
            t = time.perf_counter()
            payloads = [solve(c) for c in challenges]
            out["solve_ms_each"] = (time.perf_counter() - t) / max(1, len(payloads)) * 1000
            with_pow, without = Tally(), Tally()
            conns = {guarded: Conn(r.host, r.port), plain: Conn(plain.reqs.host, plain.reqs.port)}
            await settle(guarded)
            await settle(plain)
            load = loadavg()
            start = {guarded: cpu_snapshot(guarded.proc.pid), plain: cpu_snapshot(plain.proc.pid)}
            t = time.perf_counter()
            for payload in payloads:
                for server, tally, raw in (
                    (guarded, with_pow, r.report(pow_payload=payload)),
                    (plain, without, plain.reqs.report()),
                ):
                    sent = time.perf_counter()
                    status, body = await _one(conns[server], raw)
                    tally.record(status, body, time.perf_counter() - sent, True)
            elapsed = time.perf_counter() - t
            for conn in conns.values():
                conn.close()
            for label, server, tally in (
                ("serial_pow", guarded, with_pow),
                ("serial_no_pow", plain, without),
            ):
                self.created += tally.created
                self.unanswered += tally.unanswered
                out[label] = summary(tally, elapsed, 201)
                # "other" includes the partner server here
                cpu = cpu_delta(start[server], cpu_snapshot(server.proc.pid))
                out[label].update(loadavg_before=load, **cpu)
                out[label]["cpu_ms_per_ok"] = cpu_per_ok(out[label])
            pairs = zip(with_pow.latencies, without.latencies, strict=True)
            diffs = sorted(a - b for a, b in pairs)
            out["paired_diff_p50_ms"] = round(percentile(diffs, 50) * 1000, 2)
            out["paired_diff_mean_ms"] = round(sum(diffs) / max(1, len(diffs)) * 1000, 2)
            log(
                f"  serial pow/no pow       p50 {out['serial_pow']['p50_ms']:.2f} / "
                f"{out['serial_no_pow']['p50_ms']:.2f} ms, paired difference p50 "
                f"{out['paired_diff_p50_ms']:.2f} ms, mean {out['paired_diff_mean_ms']:.2f} ms"
            )
            # The same solved challenge in a new submission (a new Idempotency-Key): refused.
            replay = r.report(pow_payload=payloads[0])
            out["pow_replay"] = await self.phase(guarded, "pow_replay", serial(r, [replay]), 400)
        finally:
            plain.stop()
            guarded.stop()
        return out

    async def run(self) -> dict[str, Any]:
        db, opts = self.db, self.opts
        out: dict[str, Any] = {"database": db.name, "loadavg_before": loadavg()}
        t0 = time.perf_counter()
        jubao(db, "migrate", "--verbosity", "0")
        jubao(db, "offices", "load")
        log(f"{db.name}: migrated and offices loaded in {time.perf_counter() - t0:.1f}s")
        sweep = await self.sweep() if len(opts.workers) > 1 else {}
        best = max(opts.workers, key=lambda w: sweep[str(w)]["per_second"] if sweep else 0)
        log(f"{db.name}: {best} workers, {opts.connections} connections, {opts.duration:g}s")
        phases = await self.main_phases(best)
        log(f"{db.name}: proof of work, JUBAO_POW_MAX_NUMBER={opts.pow_max_number}")
        pw = await self.pow_phases()
        replay = pw["pow_replay"]
        for label in ("challenge_serial", "serial_no_pow", "serial_pow"):
            phases[label] = pw[label]
        rows = db.count_reports()
        served = sum(server.created() for server in self.servers)
        log(
            f"{db.name}: {self.created} answers 201 received, {served} logged by the server, "
            f"{rows} rows in intake_report, {self.unanswered} submissions unanswered"
        )
        out.update(
            sweep=sweep,
            workers=best,
            phases=phases,
            pow={
                "max_number": opts.pow_max_number,
                "client_solve_ms_each": round(pw["solve_ms_each"], 2),
                "verify_cost_p50_ms": pw["paired_diff_p50_ms"],
                "verify_cost_mean_ms": pw["paired_diff_mean_ms"],
                "replay_refused": replay["errors"] == {} and replay["ok"] == 1,
            },
            created_201=self.created,
            server_201=served,
            unanswered=self.unanswered,
            rows=rows,
            # Every 201 the server sent is a row; the client saw all of them but the unanswered.
            rows_match=rows == served and self.created <= served <= self.created + self.unanswered,
        )
        return out


PROFILED = (
    # (module, function): the steps of report_submit, timed one by one in --profile
    ("jubao.intake.services", "validate_draft"),
    ("jubao.intake.services", "_claim_key"),
    ("jubao.intake.services", "triage"),
    ("jubao.intake.services", "_open_case_for"),
    ("jubao.intake.services", "_new_case"),
    ("jubao.intake.services", "vault_seal_many"),
    ("jubao.intake.services", "ledger_append"),
    ("jubao.intake.services", "_store_evidence"),
    ("jubao.intake.services", "_timeline_on_submit"),
    ("jubao.intake.triage", "find_platform"),
    ("jubao.intake.triage", "personal_information"),
    ("jubao.intake.triage", "offensive_language"),
    ("jubao.intake.triage", "target_keys"),
)


def profile(db: Database, count: int) -> dict[str, Any]:
    """Call report_submit in this process: time each step, count queries, and run cProfile.

    Runs in-process (no HTTP): what one submission costs the server, and where. The steps inside
    the transaction hold SQLite's write lock, so they bound the throughput of all workers.
    """
    import cProfile
    import io
    import pstats

    jubao(db, "migrate", "--verbosity", "0")
    jubao(db, "offices", "load")
    os.environ.update(db.env())
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    import importlib

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jubao.intake.drafts import Contact, Draft
    from jubao.intake.services import report_submit

    spent: Counter = Counter()
    for module_name, name in PROFILED:
        module = importlib.import_module(module_name)
        original = getattr(module, name)

        def timed(*args: Any, _f: Any = original, _n: str = name, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return _f(*args, **kwargs)
            finally:
                spent[_n] += time.perf_counter() - t

        setattr(module, name, timed)

    def submit(i: int) -> None:
        url = f"https://xinghe.example/p/profile-{uuid.uuid4().hex}?utm_source=share"
        draft = Draft(
            item_code=ITEM,
            reporter_role="victim",
            description=DESCRIPTION,
            targets=(
                {"url": url, "platform": "星河社区", "excerpt": "她家就住在某小区5栋2单元301"},
            ),
            truthful=True,
            contact=Contact(name="金丝雀张三", phone="13912345678", email=""),
        )
        report_submit(draft=draft, idempotency_key=uuid.uuid4().hex, pow_payload="")

    for i in range(20):
        submit(i)
    spent.clear()
    with CaptureQueriesContext(connection) as queries:
        submit(0)
    t = time.perf_counter()
    cpu = time.process_time()
    for i in range(count):
        submit(i)
    wall, cpu = time.perf_counter() - t, time.process_time() - cpu
    steps = {k: round(v / count * 1000, 3) for k, v in spent.most_common()}
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(count):
        submit(i)
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(r"jubao|sqlite3|cryptography|hmac|json", 40)
    stats.sort_stats("tottime").print_stats(25)
    total = wall / count * 1000
    outside = steps.get("validate_draft", 0.0)
    # The proof of work: verifying and recording a solved challenge, in the transaction.
    from django.conf import settings
    from django.db import transaction

    from jubao.intake.pow import challenge_new, challenge_redeem

    settings.JUBAO_POW_REQUIRED = True
    settings.JUBAO_POW_MAX_NUMBER = 1000
    payloads = [solve(challenge_new()) for _ in range(count)]
    t = time.perf_counter()
    for payload in payloads:
        with transaction.atomic():
            challenge_redeem(payload=payload)
    redeem = (time.perf_counter() - t) / count * 1000
    t = time.perf_counter()
    for _ in range(count):
        challenge_new()
    issue = (time.perf_counter() - t) / count * 1000
    return {
        "database": db.name,
        "submissions": count,
        "wall_ms_each": round(total, 3),
        "cpu_ms_each": round(cpu / count * 1000, 3),
        "in_transaction_ms_each": round(total - outside, 3),
        "queries_each": len(queries.captured_queries),
        "pow_redeem_ms_each": round(redeem, 3),
        "pow_challenge_new_ms_each": round(issue, 3),
        "steps_ms_each": steps,
        "queries": [q["sql"][:160] for q in queries.captured_queries],
        "cprofile": text.getvalue(),
    }


def table(results: list[dict[str, Any]], opts: Options) -> str:
    lines = [
        f"jubao intake benchmark: {os.cpu_count()} CPUs, {opts.connections} connections closed "
        f"loop, open loop at {opts.rate:g}/s, {opts.duration:g}s phases; proof of work off but in "
        "serial_pow; challenge_serial and serial_* run one request at a time on 1 worker",
        "",
        f"{'database':<9} {'w':>1} {'phase':<20} {'ok/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'max ms':>8} {'errors':>7} {'cpu ms':>6} {'srv':>5} {'pg':>5} {'cli':>5} "
        f"{'other':>5} {'load1':>6}",
    ]
    for res in results:
        rows = [(str(res["workers"]), name, p) for name, p in res["phases"].items()]
        rows += [(w, "sweep reports_closed", p) for w, p in res["sweep"].items()]
        for workers, name, p in rows:
            errors = sum(p["errors"].values()) + p["skipped"] + p["abandoned"]
            lines.append(
                f"{res['database']:<9} {workers:>1} {name:<20} {p['per_second']:>8.1f} "
                f"{p['p50_ms']:>8.2f} {p['p99_ms']:>8.2f} {p['max_ms']:>8.2f} {errors:>7} "
                f"{p.get('cpu_ms_per_ok', float('nan')):>6.2f} {p['server_cores']:>5.2f} "
                f"{p['postgres_cores']:>5.2f} {p['client_cores']:>5.2f} {p['other_cores']:>5.2f} "
                f"{p['loadavg_before'][0]:>6.2f}"
            )
        pw = res["pow"]
        lines.append(
            f"{res['database']:<9}   proof of work: verify+record "
            f"{pw['verify_cost_p50_ms']:.2f} ms (p50 diff), {pw['verify_cost_mean_ms']:.2f} ms "
            f"(mean diff); client solve "
            f"{pw['client_solve_ms_each']:.2f} ms at maxnumber {pw['max_number']}; replay "
            f"refused: {pw['replay_refused']}"
        )
        lines.append(
            f"{res['database']:<9}   201 answers received {res['created_201']}, logged by the "
            f"server {res['server_201']}, rows {res['rows']}, unanswered {res['unanswered']}, "
            f"consistent: {res['rows_match']}; best workers {res['workers']}"
        )
        lines.append("")
    lines.append(
        "cpu ms: CPU milliseconds of the server and PostgreSQL per successful request; "
        "srv/pg/cli/other: CPU cores used by the server (gunicorn), PostgreSQL (all of it), this "
        "client, other processes; load1: 1-minute load average before the phase"
    )
    return "\n".join(lines)


async def run(opts: Options) -> list[dict[str, Any]]:
    results = []
    for name in opts.databases:
        tmp = Path(tempfile.mkdtemp(prefix=f"jubao-bench-{name}-"))
        db = Database(name, tmp)
        keep = opts.keep
        try:
            if name == "postgres":
                pg_admin(opts.pg_url, f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
                pg_admin(opts.pg_url, f"CREATE DATABASE {PG_DB}")
                db.url = f"{opts.pg_url}/{PG_DB}"
            results.append(await DatabaseRun(db, opts).run())
        except BaseException:
            keep = True  # the server logs tell what went wrong
            raise
        finally:
            if name == "postgres":
                pg_admin(opts.pg_url, f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            if keep:
                log(f"{name}: data folder kept at {tmp}")
            else:
                shutil.rmtree(tmp, ignore_errors=True)
    return results


def run_profile(opts: Options, count: int) -> dict[str, Any]:
    name = opts.databases[0]
    tmp = Path(tempfile.mkdtemp(prefix=f"jubao-profile-{name}-"))
    db = Database(name, tmp)
    try:
        if name == "postgres":
            pg_admin(opts.pg_url, f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            pg_admin(opts.pg_url, f"CREATE DATABASE {PG_DB}")
            db.url = f"{opts.pg_url}/{PG_DB}"
        return profile(db, count)
    finally:
        if name == "postgres":
            from django.db import connections

            connections.close_all()
            pg_admin(opts.pg_url, f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per main phase")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--workers", default="2,3,4", help="gunicorn worker counts to sweep")
    parser.add_argument("--connections", type=int, default=16, help="closed-loop connections")
    parser.add_argument("--rate", type=float, default=200.0, help="open-loop requests/s")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of warm-up")
    parser.add_argument("--sweep-duration", type=float, default=5.0, help="seconds per sweep")
    parser.add_argument("--pow-batch", type=int, default=80, help="pairs of serial submissions")
    parser.add_argument("--pow-max-number", type=int, default=1000)
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument(
        "--profile",
        type=int,
        metavar="N",
        help="instead: profile N in-process submissions on the first of --databases",
    )
    parser.add_argument("--keep", action="store_true", help="keep the data folders (and logs)")
    parser.add_argument("--json", type=Path, help="write the results here (default: stdout)")
    args = parser.parse_args()
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    if not set(databases) <= {"sqlite", "postgres"} or not databases:
        parser.error("--databases takes sqlite and/or postgres")
    if not JUBAO.exists():
        sys.exit(f"{JUBAO} not found: create the virtualenv first (see docs/development.md)")
    opts = Options(
        duration=args.duration,
        databases=databases,
        workers=[int(w) for w in args.workers.split(",") if w.strip()],
        connections=args.connections,
        rate=args.rate,
        warmup=args.warmup,
        sweep_duration=args.sweep_duration,
        pow_batch=args.pow_batch,
        pow_max_number=args.pow_max_number,
        pg_url=args.pg_url.rstrip("/"),
        keep=args.keep,
    )
    if args.profile:
        found = run_profile(opts, args.profile)
        print(found.pop("cprofile"), file=sys.stderr)
        print("\n".join(found.pop("queries")), file=sys.stderr)
        print(json.dumps(found, indent=2))
        return
    started = time.time()
    results = asyncio.run(run(opts))
    report = {
        "benchmark": "intake",
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "seconds": round(time.time() - started, 1),
        "cpus": os.cpu_count(),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "options": {k: v for k, v in vars(opts).items() if k != "pg_url"},
        "results": results,
    }
    text = table(results, opts)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        print(text)
    else:
        print(text, file=sys.stderr)
        print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
