"""PostgreSQL restarted while clients submit reports.

The machine's PostgreSQL cluster (the one the session's `DATABASE_URL` points at, found with
`pg_lsclusters` and controlled with `pg_ctlcluster`) is restarted twice in the middle of a
submission load against `jubao serve`. Clients meet errors while it is down (refused connections,
5xx answers from the server, whose database connections broke); they retry with the same
`Idempotency-Key` and body. Afterwards every receipt the server acknowledged opens its report,
nothing exists twice, the ledger verifies and the outboxes drain.

This restarts a database server that other work on the machine may be using: it runs only on
PostgreSQL, only when the fault suite was asked for (`-m faults`, or naming `tests/faults`), and a
finaliser starts the cluster again whatever happens.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

from tests.faults.conftest import explicitly_selected
from tests.faults.submitload import SERVER_ENV, SubmissionLoad, check_all, rows
from tests.serverproc import ServerProcess, running_server, session_database_url

pytestmark = pytest.mark.timeout(600)

SEED = 20261130
THREADS = 4
PER_THREAD = 30
RESTART_AFTER = (25, 75)  # finished submissions before each restart
LOCAL_HOSTS = {"", "127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class Cluster:
    version: str
    name: str
    port: int

    def ctl(self, action: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """`pg_ctlcluster <action>` (its stop mode is "fast": open transactions roll back)."""
        args = ["pg_ctlcluster", "--skip-systemctl-redirect", self.version, self.name, action]
        try:
            return subprocess.run(
                args, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            return subprocess.CompletedProcess(args, -1, "", f"timed out after {timeout} s")

    def ready(self) -> bool:
        done = subprocess.run(
            ["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(self.port)], check=False
        )
        return done.returncode == 0

    def wait_ready(self, timeout: float = 120) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ready():
                return True
            time.sleep(0.2)
        return False

    def ensure_running(self) -> None:
        """Start the cluster if it is not answering; never leave it stopped."""
        if self.ready():
            return
        for _attempt in range(3):
            self.ctl("start")
            if self.wait_ready(60):
                return
        raise AssertionError(f"PostgreSQL {self.version}/{self.name} did not come back")


def _find_cluster(url: str) -> Cluster | str:
    """The local cluster serving `url`, or why it cannot be controlled."""
    parts = urlsplit(url)
    if (parts.hostname or "") not in LOCAL_HOSTS:
        return f"PostgreSQL at {parts.hostname} is not on this machine"
    port = parts.port or 5432
    for tool in ("pg_lsclusters", "pg_ctlcluster", "pg_isready"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed: the cluster cannot be controlled"
    if os.geteuid() != 0:
        return "not running as root: pg_ctlcluster cannot restart the cluster"
    listed = subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=False
    )
    for line in listed.stdout.splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[2] == str(port) and fields[3] == "online":
            return Cluster(fields[0], fields[1], port)
    return f"no online cluster on port {port} in pg_lsclusters"


@pytest.fixture
def cluster(request: pytest.FixtureRequest) -> Iterator[Cluster]:
    url = session_database_url()
    if url is None:
        pytest.skip("PostgreSQL restart: the session runs on SQLite (set DATABASE_URL)")
    if not explicitly_selected(request.config):
        pytest.skip(
            "PostgreSQL restart: restarts the machine's database server; "
            "run it with -m faults (make test-faults) or by naming tests/faults"
        )
    found = _find_cluster(url)
    if isinstance(found, str):
        pytest.skip(f"PostgreSQL restart: {found}")
    try:
        yield found
    finally:
        found.ensure_running()


@pytest.fixture
def server(tmp_path, cluster: Cluster) -> Iterator[ServerProcess]:
    with running_server(tmp_path, name="faults_pg", env=SERVER_ENV) as srv:
        try:
            yield srv
        finally:
            # Before the server's database is dropped.
            cluster.ensure_running()


def test_reports_survive_a_postgres_restart(cluster: Cluster, server: ServerProcess):
    rng = random.Random(SEED)
    load = SubmissionLoad(server, threads=THREADS, per_thread=PER_THREAD, seed=SEED, prefix="pg")
    restarts = []
    try:
        load.start()
        for moment in RESTART_AFTER:
            if not load.wait_finished(moment):
                break
            time.sleep(rng.uniform(0, 0.3))
            started = time.monotonic()
            done = cluster.ctl("restart")
            assert done.returncode == 0, done.stdout + done.stderr
            assert cluster.wait_ready(), "PostgreSQL did not answer after the restart"
            restarts.append(round(time.monotonic() - started, 1))
    except BaseException:
        load.stop.set()
        raise
    finally:
        load.join()

    subs = load.submissions
    errors = sorted({status for s in subs for status, _body in s.server_errors})
    summary = f"{load.summary()}, restarts took {restarts} s, server errors {errors}"
    print(summary)
    assert len(restarts) == len(RESTART_AFTER), summary
    assert len(subs) == THREADS * PER_THREAD, summary
    assert not [s.refused for s in subs if s.refused], summary
    assert not [s.key for s in subs if not s.acknowledged], summary
    # A restart is not a crash of the server: its master and workers are still the same.
    assert server.running, server.log_tail()

    check_all(server, subs, seed=SEED)
    assert len(rows(server, "SELECT id FROM intake_report")) == len(subs)
    # The server answers normally again without a restart of its own.
    status, _data = server.get_json("/api/v1/challenge")
    assert status == 200
