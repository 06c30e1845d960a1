"""A platform is down while cases are transferred to it; its webhooks wait and then arrive once.

Reports are filed over HTTP against `jubao serve`; every case is then transferred to one platform
(`transfer_send`, the service a case's move calls), which queues a `transfer.created` webhook in
the same transaction. The platform's webhook endpoint is a small HTTP server in this test that
records the `Idempotency-Key` of every request it accepts; `jubao workers --loop` runs as a
subprocess throughout.

1. The platform is down (nothing listens on its port): every webhook is tried, fails
   (connection refused) and stays pending with its error; none is lost, none given up.
2. More cases are transferred while it is still down: their webhooks queue behind.
3. The platform comes back on the same port: the outbox drains (after the back-off) and the
   platform has received every webhook exactly once.
4. The simulated platform (`jubao simulate-platform`, signed API) then works its backlog:
   acknowledges and reports on every transfer; the webhooks and notifications this causes drain
   too, and nothing already delivered is delivered again.

Afterwards the usual checks: every acknowledged receipt opens its report, nothing exists twice,
the ledger verifies and the outboxes drain.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.faults.submitload import SERVER_ENV, SubmissionLoad, check_all, rows
from tests.serverproc import JUBAO, ServerProcess, free_port, running_server

pytestmark = pytest.mark.timeout(600)

SEED = 20261202
PLATFORM = "星河社区"
ICP = "浙ICP备20260001号"
# Back-off after the first failure is 15-30 s; a few rounds of the workers on top.
DRAIN_TIMEOUT = 150

SETUP = """
from jubao.accounts.models import Office, Platform
from jubao.accounts.services import platform_create
from jubao.platforms.models import PlatformEndpoint
platform = Platform.objects.filter(icp_number={icp!r}).first() or platform_create(
    actor="system", name={name!r}, icp_number={icp!r},
    jurisdiction=Office.objects.get(code="330106"))
# The service accepts HTTPS only; the test's platform speaks plain HTTP on 127.0.0.1.
PlatformEndpoint.objects.update_or_create(
    platform=platform, defaults={{"url": {url!r}, "enabled": True}})
print("platform", platform.pk)
"""

TRANSFER = """
from django.db import transaction
from jubao.accounts.models import Platform
from jubao.cases.models import Case
from jubao.platforms.models import Transfer
from jubao.platforms.services import transfer_send
platform = Platform.objects.get(icp_number={icp!r})
done = set(Transfer.objects.values_list("case_id", flat=True))
sent = 0
for pk in Case.objects.exclude(pk__in=done).order_by("pk").values_list("pk", flat=True):
    with transaction.atomic():
        transfer_send(case=Case.objects.select_for_update().get(pk=pk), platform=platform)
    sent += 1
print("transferred", sent)
"""


class Platform(ThreadingHTTPServer):
    """The platform's webhook endpoint: accepts every POST and keeps its idempotency key."""

    def __init__(self, port: int) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.lock = threading.Lock()
        self.received: list[tuple[str, str]] = []  # (idempotency key, event)


class _Handler(BaseHTTPRequestHandler):
    server: Platform

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.server.lock:
            self.server.received.append((self.headers["Idempotency-Key"], body["event"]))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server(tmp_path) -> Iterator[ServerProcess]:
    with running_server(tmp_path, name="faults_platform", env=SERVER_ENV) as srv:
        yield srv


@pytest.fixture
def workers(server: ServerProcess) -> Iterator[subprocess.Popen[bytes]]:
    log = open(server.root / "workers.log", "ab")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [str(JUBAO), "workers", "--loop", "--interval", "1"],
        env=server.env(),
        cwd=server.root,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()


def webhooks(server: ServerProcess) -> list[tuple[str, str, int, str]]:
    return [
        (str(key), str(status), int(attempts), str(error))
        for key, status, attempts, error in rows(
            server,
            "SELECT idempotency_key, status, attempts, last_error FROM platforms_webhook",
        )
    ]


def wait_for(what: str, condition: Any, timeout: float, server: ServerProcess) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            log = (server.root / "workers.log").read_text(errors="replace")[-3000:]
            raise AssertionError(f"timed out waiting for {what}: {webhooks(server)}\n{log}")
        time.sleep(0.5)


def file_reports(server: ServerProcess, seed: int, prefix: str, count: int) -> list[Any]:
    load = SubmissionLoad(server, threads=2, per_thread=count // 2, seed=seed, prefix=prefix)
    load.start()
    load.join()
    assert all(s.acknowledged for s in load.submissions), load.summary()
    return load.submissions


def test_webhooks_wait_for_a_platform_that_is_down_and_arrive_once(
    server: ServerProcess, workers: subprocess.Popen[bytes]
):
    port = free_port()
    url = f"http://127.0.0.1:{port}/hooks/jubao"
    subs = file_reports(server, SEED, "plat-a", 10)
    server.manage("shell", "-c", SETUP.format(icp=ICP, name=PLATFORM, url=url))
    first = server.manage("shell", "-c", TRANSFER.format(icp=ICP)).stdout
    assert "transferred" in first and "transferred 0" not in first, first

    # 1. Down: every webhook is tried, fails, and waits.
    wait_for(
        "every webhook to be tried once",
        # Claimed (attempts counted) is not enough: the failure must be recorded too.
        lambda: (hooks := webhooks(server)) and all(a >= 1 and e for _k, _s, a, e in hooks),
        60,
        server,
    )
    hooks = webhooks(server)
    assert {(s, e) for _k, s, _a, e in hooks} == {("pending", "ConnectionRefusedError")}, hooks
    failed_once = {k for k, _s, _a, _e in hooks}

    # 2. Still down: more reports, more transfers, more webhooks queue behind.
    subs += file_reports(server, SEED + 1, "plat-b", 6)
    more = server.manage("shell", "-c", TRANSFER.format(icp=ICP)).stdout
    assert "transferred 0" not in more, more
    assert workers.poll() is None, "the workers process died"
    queued = {k for k, _s, _a, _e in webhooks(server)}
    assert all(s == "pending" for _k, s, _a, _e in webhooks(server))

    # 3. Back: the outbox drains, each webhook exactly once.
    platform = Platform(port)
    thread = threading.Thread(target=platform.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        wait_for(
            "the outbox to drain",
            lambda: all(s == "sent" for _k, s, _a, _e in webhooks(server)),
            DRAIN_TIMEOUT,
            server,
        )
        received = Counter(key for key, _event in platform.received)
        assert set(received) == queued
        assert {k: n for k, n in received.items() if n > 1} == {}
        assert {event for _key, event in platform.received} == {"transfer.created"}
        # Those tried while it was down were tried again; the later ones may have gone out on
        # their first try, depending on when the workers' next round came.
        assert all(a >= 2 for k, _s, a, _e in webhooks(server) if k in failed_once)

        # 4. The simulated platform works its backlog through the signed API.
        played = server.manage(
            "simulate-platform", "--platform", ICP, "--base-url", server.base_url, "--seed", "7"
        ).stdout
        assert played.count(" acknowledge 200") == len(queued), played
        assert played.count(" report 2") == len(queued), played
        wait_for(
            "the outbox to drain again",
            lambda: all(s == "sent" for _k, s, _a, _e in webhooks(server)),
            DRAIN_TIMEOUT,
            server,
        )
        workers.terminate()
        workers.wait(20)
        check_all(server, subs, seed=SEED)
        received = Counter(key for key, _event in platform.received)
        assert set(received) == {k for k, _s, _a, _e in webhooks(server)}
        assert {k: n for k, n in received.items() if n > 1} == {}
    finally:
        platform.shutdown()
        platform.server_close()
