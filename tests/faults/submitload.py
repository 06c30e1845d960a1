"""A submission load against a real server, and the checks every fault test makes afterwards.

Used by the fault suite (`tests/faults/`) and the crash test of the intake API
(`tests/intake/test_crash.py`). Clients file reports over HTTP with `POST /api/v1/reports`, each
with a solved proof-of-work challenge, an `Idempotency-Key` and a unique token in its description.
A failed request (network error, 5xx) is retried with the same key and the same body, as a real
app does; any other answer but 201 is a refusal and ends that submission.

    run = SubmissionLoad(server, threads=4, per_thread=40, seed=1)
    run.start()
    run.wait_finished(10)        # ... inject a fault here ...
    run.join()
    check_all(server, run.submissions)

The checks read the server's own database directly (read-only on SQLite), so they work whatever
pytest-django's database is.
"""

from __future__ import annotations

import http.client
import random
import re
import sqlite3
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.conftest import ITEM, solve
from tests.serverproc import ServerProcess

# For the servers and commands of the fault tests: a bytecode cache (in the temporary directory)
# even where the environment forbids writing bytecode, as installed code has. Without it every
# restarted worker compiles Django and jubao again, and on a busy machine its first request
# outlives gunicorn's 30 s worker timeout, again and again.
SERVER_ENV = {
    "PYTHONDONTWRITEBYTECODE": "",
    "PYTHONPYCACHEPREFIX": str(Path(tempfile.gettempdir()) / "jubao-faults-pycache"),
}
TOKEN = re.compile(r"LOAD-TOKEN-[0-9a-f]{32}")
NETWORK_ERRORS = (OSError, http.client.HTTPException)
# A submission still without an answer after this long is recorded as given up (a failure):
# longer than a restart of the server takes on a busy machine (serverproc waits 240 s).
GIVE_UP_SECONDS = 300.0


@dataclass
class Submission:
    key: str
    token: str
    body: dict[str, Any] | None = None
    receipt: str | None = None
    reference: str | None = None
    attempts: int = 0
    failures: list[str] = field(default_factory=list)
    # The last answer that was neither 201 nor retried (status, body): the submission stopped.
    refused: tuple[int, Any] | None = None
    # Answers that were retried: (status, body) of each 5xx.
    server_errors: list[tuple[int, Any]] = field(default_factory=list)

    @property
    def acknowledged(self) -> bool:
        return self.receipt is not None


def report_body(
    thread: int, number: int, token: str, pow_payload: str, site: str = "forum"
) -> dict[str, Any]:
    """A valid report naming `token`; every tenth names one shared page (so it joins a case),
    the others a page of their own on `site`."""
    url = (
        "https://shared.example/p/1"
        if number % 10 == 0
        else f"https://{site}{thread}.example/p/{number}"
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
        phone = f"139{thread:02d}{number:06d}"
        body["contact"] = {"name": f"用户{thread}-{number}", "phone": phone}
    return body


def _pause(rng: random.Random, attempt: int) -> None:
    time.sleep(min(1.0, 0.05 * attempt) + rng.uniform(0, 0.05))


class SubmissionLoad:
    """`threads` client threads, each filing `per_thread` reports one after the other."""

    def __init__(
        self,
        server: ServerProcess,
        *,
        threads: int = 4,
        per_thread: int = 40,
        seed: int = 1,
        prefix: str = "load",
        give_up: float = GIVE_UP_SECONDS,
        retry: Callable[[int, Any], bool] | None = None,
    ) -> None:
        self.server = server
        self.threads = threads
        self.per_thread = per_thread
        self.seed = seed
        self.prefix = prefix
        self.give_up = give_up
        # Which answers are retried with the same key: by default network errors and any 5xx.
        self.retry = retry or (lambda status, _data: status >= 500)
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.submissions: list[Submission] = []
        self.finished = 0
        self.client_errors: list[str] = []
        self._threads: list[threading.Thread] = []

    # --- running -------------------------------------------------------------------------------

    def start(self) -> None:
        self._threads = [
            threading.Thread(target=self._client, args=(i,), daemon=True, name=f"client-{i}")
            for i in range(self.threads)
        ]
        for thread in self._threads:
            thread.start()

    @property
    def alive(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def wait_finished(self, count: int) -> bool:
        """Wait until `count` submissions have finished; False if the clients ended before."""
        while self.finished < count:
            if not self.alive:
                return False
            time.sleep(0.01)
        return True

    def join(self, timeout: float | None = None) -> None:
        """Wait for the clients; stop them (and fail) if they are not done in time."""
        deadline = time.monotonic() + (timeout if timeout is not None else self.give_up + 60)
        try:
            for thread in self._threads:
                thread.join(timeout=max(0.0, deadline - time.monotonic()))
            assert not self.alive, "a client thread did not finish"
        finally:
            self.stop.set()
        assert not self.client_errors, self.client_errors

    def _client(self, thread: int) -> None:
        rng = random.Random(self.seed * 100 + thread)
        try:
            for number in range(self.per_thread):
                if self.stop.is_set():
                    return
                token = f"LOAD-TOKEN-{uuid.UUID(int=rng.getrandbits(128)).hex}"
                sub = Submission(key=f"{self.prefix}-{thread}-{number}-{token[-12:]}", token=token)
                with self.lock:
                    self.submissions.append(sub)
                pow_payload = self._challenge(rng, time.monotonic() + self.give_up)
                if pow_payload is None:
                    sub.failures.append("no challenge")
                else:
                    sub.body = report_body(thread, number, token, pow_payload, self.prefix)
                    self.submit(sub, rng)
                with self.lock:
                    self.finished += 1
        except Exception as exc:  # pragma: no cover - reported by join()
            self.client_errors.append(f"client {thread}: {exc!r}")
            raise

    def _challenge(self, rng: random.Random, deadline: float) -> str | None:
        attempt = 0
        while not self.stop.is_set() and time.monotonic() < deadline:
            attempt += 1
            try:
                status, challenge = self.server.get_json("/api/v1/challenge")
            except (*NETWORK_ERRORS, ValueError):
                status, challenge = 0, None
            if status == 200:
                return solve(challenge)
            _pause(rng, attempt)
        return None

    def submit(self, sub: Submission, rng: random.Random | None = None) -> None:
        """Post until a 201 or a refusal; retry network errors (and `retry` answers) with the
        same key and body."""
        assert sub.body is not None
        rng = rng or random.Random(sub.key)
        deadline = time.monotonic() + self.give_up
        while not self.stop.is_set():
            if time.monotonic() > deadline:
                sub.failures.append("gave up")
                return
            sub.attempts += 1
            try:
                status, data = self.server.post_json(
                    "/api/v1/reports", sub.body, {"Idempotency-Key": sub.key}
                )
            except NETWORK_ERRORS as exc:
                sub.failures.append(type(exc).__name__)
                _pause(rng, sub.attempts)
                continue
            if status == 201:
                sub.receipt, sub.reference = data["receipt"], data["reference"]
                sub.refused = None
                return
            if status >= 500:
                sub.server_errors.append((status, data))
            if self.retry(status, data):
                sub.failures.append(f"HTTP {status}")
                _pause(rng, sub.attempts)
                continue
            sub.refused = (status, data)
            return

    # --- summary -------------------------------------------------------------------------------

    def summary(self) -> str:
        subs = self.submissions
        return (
            f"{len(subs)} submissions, {sum(s.acknowledged for s in subs)} acknowledged, "
            f"{sum(s.attempts > 1 for s in subs)} retried, {sum(s.attempts for s in subs)} POSTs, "
            f"failures: {Counter(f for s in subs for f in s.failures).most_common()}"
        )


# --- reading the server's database -----------------------------------------------------------


def rows(server: ServerProcess, sql: str) -> list[tuple[Any, ...]]:
    """Read the server's own database directly (read-only on SQLite)."""
    if server.database is None:
        conn = sqlite3.connect(f"file:{server.sqlite_path}?mode=ro", uri=True, timeout=30)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()
    with server.database.connect() as conn:
        return list(conn.execute(sql).fetchall())


# --- the checks made after every fault -------------------------------------------------------


def check_receipts_open(server: ServerProcess, subs: Iterable[Submission]) -> None:
    """Every receipt the server acknowledged opens its report, with the received line."""
    for sub in subs:
        if not sub.acknowledged:
            continue
        status, data = server.get_json("/api/v1/reports/status", {"X-Receipt-Code": sub.receipt})
        assert status == 200, (sub.key, status, data)
        assert data["reference"] == sub.reference, (sub.key, data)
        assert data["lines"][0]["kind"] == "received", (sub.key, data)


def check_late_retries(
    server: ServerProcess, subs: list[Submission], count: int, seed: int
) -> None:
    """A late retry (the same key and body) gets the first answer and files nothing new."""
    acknowledged = [s for s in subs if s.acknowledged]
    for sub in random.Random(seed).sample(acknowledged, min(count, len(acknowledged))):
        status, data = server.post_json("/api/v1/reports", sub.body, {"Idempotency-Key": sub.key})
        assert status == 201, (sub.key, status, data)
        assert (data["receipt"], data["reference"]) == (sub.receipt, sub.reference)


def check_exactly_once(server: ServerProcess, subs: list[Submission]) -> None:
    """Each acknowledged submission is exactly one report, under its reference; no report is
    there twice; a report that was never acknowledged may exist (its answer was lost), at most
    once; every report has its idempotency record."""
    reports = rows(server, "SELECT id, reference, description FROM intake_report")
    tokens = Counter(t for _id, _ref, text in reports for t in TOKEN.findall(text))
    assert {t: n for t, n in tokens.items() if n > 1} == {}, "a report exists twice"
    ours = {s.token for s in subs}
    assert set(tokens) <= ours, "a report nobody filed"
    by_token = {TOKEN.findall(text)[0]: ref for _id, ref, text in reports if TOKEN.search(text)}
    for sub in subs:
        if sub.acknowledged:
            assert by_token.get(sub.token) == sub.reference, (sub.key, "acknowledged but missing")
    keys = rows(server, "SELECT report_id FROM intake_idempotencyrecord")
    assert sorted(r for (r,) in keys) == sorted(i for i, _ref, _text in reports)


def check_ledger(server: ServerProcess) -> None:
    """One `report.submit` entry per report, and `jubao ledger verify` passes."""
    reports = rows(server, "SELECT id FROM intake_report")
    submits = Counter(
        ref
        for (ref,) in rows(
            server, "SELECT ref FROM ledger_ledgerentry WHERE action = 'report.submit'"
        )
    )
    assert submits == Counter(f"intake.report:{i}" for (i,) in reports)
    verify = server.manage("ledger", "verify", check=False)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "OK" in verify.stdout, verify.stdout


def check_outboxes_drained(server: ServerProcess) -> None:
    """One round of `jubao workers` leaves no notification and no deliverable webhook pending,
    and none failed. (A webhook for a platform without an enabled endpoint waits, by design.)"""
    server.manage("workers")
    messages = rows(server, "SELECT state, count(*) FROM notify_message GROUP BY state")
    assert not [(s, n) for s, n in messages if s != "sent"], messages
    webhooks = rows(
        server,
        "SELECT w.status, count(*) FROM platforms_webhook w "
        "JOIN platforms_platformendpoint e ON e.platform_id = w.platform_id "
        "WHERE e.enabled GROUP BY w.status",
    )
    assert not [(s, n) for s, n in webhooks if s != "sent"], webhooks


def check_all(server: ServerProcess, subs: list[Submission], *, seed: int = 1) -> None:
    """The checks every fault test ends with."""
    check_receipts_open(server, subs)
    check_late_retries(server, subs, 10, seed)
    check_exactly_once(server, subs)
    check_ledger(server)
    check_outboxes_drained(server)
