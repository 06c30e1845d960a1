"""Crash safety of the intake API: SIGKILL the real server while clients submit reports.

Several clients file reports over HTTP against `jubao serve` (gunicorn, 2 workers). While they
run, the server's whole process group is killed with SIGKILL a few times at random moments (a
fixed seed) and restarted on the same data folder and database. Clients retry a failed request
with the same `Idempotency-Key` and the same body, as a real app does. Afterwards:

- every receipt that was returned opens its report, and a late retry returns the same receipt;
- no report exists twice and none is missing (one unique token per description);
- each report has exactly one `report.submit` ledger entry and `jubao ledger verify` passes.

The server has its own database (SQLite in its data folder, or a PostgreSQL database of its own
when the session runs on PostgreSQL), so pytest-django's database is not used.
"""

from __future__ import annotations

import http.client
import random
import re
import sqlite3
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.intake.conftest import ITEM, solve
from tests.serverproc import ServerProcess, running_server

# About 2 minutes on a quiet 2-core machine; the timeout is generous for a machine shared with
# other work, where each start of the server (importing Django twice) may take much longer.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

SEED = 20260601
THREADS = 4
PER_THREAD = 60
KILLS = 4
# A submission still without an answer after this long is recorded as given up (a failure).
GIVE_UP_SECONDS = 150
TOKEN = re.compile(r"CRASH-TOKEN-[0-9a-f]{32}")
NETWORK_ERRORS = (OSError, http.client.HTTPException)


@dataclass
class Submission:
    key: str
    token: str
    body: dict[str, Any] | None = None
    receipt: str | None = None
    reference: str | None = None
    attempts: int = 0
    failures: list[str] = field(default_factory=list)
    refused: str | None = None


@dataclass
class Run:
    """Shared between the client threads and the killer (the test's main thread)."""

    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    submissions: list[Submission] = field(default_factory=list)
    finished: int = 0
    client_errors: list[str] = field(default_factory=list)

    def done(self) -> None:
        with self.lock:
            self.finished += 1


@pytest.fixture
def server(tmp_path) -> Iterator[ServerProcess]:
    with running_server(tmp_path, name="crash") as srv:
        yield srv


def _body(thread: int, number: int, token: str, pow_payload: str) -> dict[str, Any]:
    # Most targets are new; every tenth is the same page, so reports also join an open case.
    url = (
        "https://shared.example/p/1"
        if number % 10 == 0
        else f"https://forum{thread}.example/p/{number}"
    )
    body: dict[str, Any] = {
        "item_code": ITEM,
        "reporter_role": "victim",
        "description": f"有人在论坛上公开了我的住址和电话，号召网友去骚扰我。编号 {token}",
        "targets": [{"url": url, "platform": "星河社区", "excerpt": "她家就住在某小区5栋"}],
        "truthful": True,
        "pow": pow_payload,
    }
    if number % 3:
        body["contact"] = {
            "name": f"用户{thread}-{number}",
            "phone": f"139{thread:02d}{number:06d}",
        }
    return body


def _pause(rng: random.Random, attempt: int) -> None:
    time.sleep(min(1.0, 0.05 * attempt) + rng.uniform(0, 0.05))


def _challenge(server: ServerProcess, run: Run, rng: random.Random, deadline: float) -> str | None:
    attempt = 0
    while not run.stop.is_set() and time.monotonic() < deadline:
        attempt += 1
        try:
            status, challenge = server.get_json("/api/v1/challenge")
        except NETWORK_ERRORS:
            status, challenge = 0, None
        if status == 200:
            return solve(challenge)
        _pause(rng, attempt)
    return None


def _submit(server: ServerProcess, run: Run, sub: Submission, rng: random.Random) -> None:
    """Post until a 201 or a refusal; retry network errors and 5xx with the same key and body."""
    assert sub.body is not None
    deadline = time.monotonic() + GIVE_UP_SECONDS
    while not run.stop.is_set():
        if time.monotonic() > deadline:
            sub.failures.append("gave up")
            return
        sub.attempts += 1
        try:
            status, data = server.post_json(
                "/api/v1/reports", sub.body, {"Idempotency-Key": sub.key}
            )
        except NETWORK_ERRORS as exc:
            sub.failures.append(type(exc).__name__)
            _pause(rng, sub.attempts)
            continue
        if status == 201:
            sub.receipt, sub.reference = data["receipt"], data["reference"]
            return
        if status >= 500:
            sub.failures.append(f"HTTP {status}")
            _pause(rng, sub.attempts)
            continue
        sub.refused = f"HTTP {status}: {data}"
        return


def _client(server: ServerProcess, run: Run, thread: int) -> None:
    rng = random.Random(SEED * 100 + thread)
    try:
        for number in range(PER_THREAD):
            if run.stop.is_set():
                return
            token = f"CRASH-TOKEN-{uuid.UUID(int=rng.getrandbits(128)).hex}"
            sub = Submission(key=f"crash-{thread}-{number}-{token[-12:]}", token=token)
            with run.lock:
                run.submissions.append(sub)
            pow_payload = _challenge(server, run, rng, time.monotonic() + GIVE_UP_SECONDS)
            if pow_payload is None:
                sub.failures.append("no challenge")
            else:
                sub.body = _body(thread, number, token, pow_payload)
                _submit(server, run, sub, rng)
            run.done()
    except Exception as exc:  # pragma: no cover - reported by the test
        run.client_errors.append(f"client {thread}: {exc!r}")
        raise


def _kill_moments(rng: random.Random) -> list[int]:
    """After how many finished submissions each kill comes: one in each slice of the run."""
    total = THREADS * PER_THREAD
    first, last = 10, total - 25
    width = (last - first) // KILLS
    return [first + i * width + rng.randrange(width) for i in range(KILLS)]


def _rows(server: ServerProcess, sql: str) -> list[tuple[Any, ...]]:
    """Read the server's own database directly (read-only on SQLite)."""
    if server.database is None:
        conn = sqlite3.connect(f"file:{server.sqlite_path}?mode=ro", uri=True, timeout=30)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()
    with server.database.connect() as conn:
        return conn.execute(sql).fetchall()


def test_reports_survive_sigkill_exactly_once(server: ServerProcess):
    run, rng = Run(), random.Random(SEED)
    moments = _kill_moments(rng)
    threads = [
        threading.Thread(target=_client, args=(server, run, i), daemon=True, name=f"client-{i}")
        for i in range(THREADS)
    ]
    kills = 0
    try:
        for thread in threads:
            thread.start()
        for moment in moments:
            while run.finished < moment and any(t.is_alive() for t in threads):
                time.sleep(0.01)
            if not any(t.is_alive() for t in threads):
                break
            time.sleep(rng.uniform(0, 0.3))  # land anywhere inside a request
            server.kill()
            kills += 1
            time.sleep(rng.uniform(0, 0.5))  # clients meet a closed port for a while
            server.start()
        for thread in threads:
            thread.join(timeout=GIVE_UP_SECONDS + 60)
        assert not any(t.is_alive() for t in threads), "a client thread did not finish"
    finally:
        run.stop.set()

    subs = run.submissions
    retried = [s for s in subs if s.attempts > 1]
    summary = (
        f"{len(subs)} submissions, {kills} kills at {moments}, {len(retried)} retried, "
        f"{sum(s.attempts for s in subs)} POSTs, failures: "
        f"{Counter(f for s in subs for f in s.failures).most_common()}"
    )
    print(summary)
    assert not run.client_errors, run.client_errors
    assert kills == KILLS, summary
    assert len(subs) == THREADS * PER_THREAD, summary
    assert not [s.refused for s in subs if s.refused], summary
    assert not [s.key for s in subs if s.receipt is None], summary
    # The kills hit work in flight: some submissions needed a retry.
    assert retried, summary

    # Every receipt that came back opens its report.
    for sub in subs:
        status, data = server.get_json("/api/v1/reports/status", {"X-Receipt-Code": sub.receipt})
        assert status == 200, (sub.key, data)
        assert data["reference"] == sub.reference
        assert data["lines"][0]["kind"] == "received"

    # A late retry (the same key and body) gets the first answer and files nothing new.
    for sub in random.Random(SEED + 1).sample(subs, 20):
        status, data = server.post_json("/api/v1/reports", sub.body, {"Idempotency-Key": sub.key})
        assert status == 201, data
        assert (data["receipt"], data["reference"]) == (sub.receipt, sub.reference)

    # Exactly once: each submission is one report, none twice, none lost.
    reports = _rows(server, "SELECT id, reference, description FROM intake_report")
    tokens = Counter(t for _id, _ref, text in reports for t in TOKEN.findall(text))
    assert {t: n for t, n in tokens.items() if n > 1} == {}
    assert set(tokens) == {s.token for s in subs}
    assert len(reports) == len(subs)
    by_token = {TOKEN.findall(text)[0]: ref for _id, ref, text in reports}
    assert all(by_token[s.token] == s.reference for s in subs)
    keys = _rows(server, "SELECT report_id FROM intake_idempotencyrecord")
    assert len(keys) == len(subs)
    assert sorted(r for (r,) in keys) == sorted(i for i, _ref, _text in reports)

    # One ledger entry per report, and the ledger verifies on the server's data folder.
    submits = Counter(
        ref
        for (ref,) in _rows(
            server, "SELECT ref FROM ledger_ledgerentry WHERE action = 'report.submit'"
        )
    )
    assert submits == Counter(f"intake.report:{i}" for i, _ref, _text in reports)
    verify = server.manage("ledger", "verify", check=False)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "OK" in verify.stdout, verify.stdout
