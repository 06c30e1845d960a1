"""Helpers of the multi-instance tests: start instances of jubao, introduce them to each other,
file reports through their API and read the receipt page as a reporter does."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tests.conftest import solve
from tests.serverproc import JUBAO, ServerProcess

PASSWORD = "correct horse battery staple 42"
PLATFORM_URL = "https://nanyue.example/t/9001"

SETUP = f"""
import json, os
from jubao.accounts.models import Office
from jubao.accounts.services import offices_load, platform_create, user_create
from jubao.federation import keys
offices_load(actor="system")
home = Office.objects.get(code=os.environ["JUBAO_OFFICE_CODE"])
platform_create(actor="system", name="南粤论坛", name_en="Nanyue Forum",
    icp_number="粤ICP备20260002号", jurisdiction=Office.objects.get(code="440100"),
    domains=["nanyue.example"])
for name, role, level in [("router", "intake", 0), ("reviewer", "reviewer", 0),
                          ("disposer", "disposal", 0), ("approver", "approver", 3)]:
    user_create(actor="system", username=name, password={PASSWORD!r}, office=home,
                roles={{role: level}})
print(json.dumps(keys.identity()))
"""

PEERS = """
import json, sys
from jubao.federation.keys import peer_add
for peer in json.loads(PEERS_JSON):
    peer_add(actor="system", **peer)
"""

STATE = """
import json
from jubao.cases.models import Case
from jubao.federation.models import InMessage, Link, OutMessage
print(json.dumps({
    "cases": [{"ref": c.reference, "status": c.status, "office": c.jurisdiction.code,
               "reports": c.reports.count()} for c in Case.objects.order_by("pk")],
    "links": [{"direction": l.direction, "peer": l.peer.code, "case": l.case.reference,
               "remote_status": l.remote_status, "joined": l.joined}
              for l in Link.objects.order_by("pk")],
    "inbox": InMessage.objects.count(),
    "outbox": {s: OutMessage.objects.filter(status=s).count()
               for s in ("pending", "sent", "failed")},
    "receipts": [m.receipt for m in OutMessage.objects.order_by("pk") if m.receipt],
    "errors": [m.last_error for m in OutMessage.objects.order_by("pk") if m.last_error],
}))
"""


def instance(root: Path, name: str, code: str, **env: str) -> ServerProcess:
    env = {"JUBAO_OFFICE_CODE": code, "JUBAO_FEDERATION_ROUTER": "router", **env}
    return ServerProcess(root / name, name=f"fed_{name}", workers=1, env=env)


def shell(server: ServerProcess, script: str) -> Any:
    """Run a Python script in the instance (its settings and database); its last line, as JSON."""
    output = server.manage("shell", "-c", script).stdout.strip().splitlines()
    return json.loads(output[-1]) if output else None


def prepare(server: ServerProcess) -> dict[str, str]:
    """A fresh database with the offices, staff and the Guangzhou platform; our identity."""
    if server.database is not None:
        server.database.create()
    server.manage("migrate", "--no-input", "-v", "0")
    return dict(shell(server, SETUP))


def introduce(servers: dict[ServerProcess, dict[str, str]]) -> None:
    """Register every instance with every other: address, key id and public key."""
    for server in servers:
        peers = [
            {"url": other.base_url, **identity}
            for other, identity in servers.items()
            if other is not server
        ]
        script = f"PEERS_JSON = {json.dumps(peers)!r}\n" + PEERS
        server.manage("shell", "-c", script)


@contextlib.contextmanager
def running(
    *servers: ServerProcess, start: bool = True, pages: tuple[ServerProcess, ...] = ()
) -> Iterator[None]:
    """Prepared and introduced instances (started unless `start` is false), closed however
    the block ends. Those in `pages` get their static files collected, to serve HTML pages."""
    try:
        introduce({server: prepare(server) for server in servers})
        for server in pages:
            server.manage("collectstatic", "--no-input", "-v", "0")
        if start:
            for server in servers:
                server.start()
        yield
    finally:
        for server in servers:
            server.close()


@contextlib.contextmanager
def workers(*servers: ServerProcess) -> Iterator[None]:
    """`jubao workers --loop` beside each instance, as production runs it."""
    processes = []
    try:
        for server in servers:
            log = open(server.root / "workers.log", "ab")  # noqa: SIM115
            processes.append(
                subprocess.Popen(
                    [str(JUBAO), "workers", "--loop", "--interval", "1"],
                    env=server.env(),
                    cwd=server.root,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
            log.close()
        yield
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def wait_for(check: Callable[[], Any], *, timeout: float = 240, what: str = "") -> Any:
    """Poll `check` until it returns something true."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(1)


def state(server: ServerProcess, before: str = "") -> dict[str, Any]:
    """Run `before` (a script), then read the instance's cases, links and messages."""
    return dict(shell(server, before + "\n" + STATE))


ROUND = "from jubao.federation.jobs import federation_round\nfederation_round()\n"


def file_report(server: ServerProcess, *, name: str, phone: str) -> str:
    """File a report about the Guangzhou platform through the instance's API; the receipt."""
    status, challenge = server.get_json("/api/v1/challenge")
    assert status == 200, challenge
    body = {
        "item_code": "personal.doxxing",
        "reporter_role": "victim",
        "description": "有人在论坛上公开了我的家庭住址和手机号，号召大家去我家门口闹事。",
        "targets": [
            {"url": PLATFORM_URL, "platform": "南粤论坛", "excerpt": "她家就住在某小区5栋"}
        ],
        "truthful": True,
        "contact": {"name": name, "phone": phone, "email": ""},
        "pow": solve(challenge),
    }
    status, answer = server.post_json("/api/v1/reports", body)
    assert status == 201, answer
    return str(answer["receipt"])


def receipt_status(server: ServerProcess, receipt: str) -> dict[str, Any]:
    """The receipt as the reporter's app reads it (the same view as the receipt page)."""
    status, view = server.get_json(
        "/api/v1/reports/status", headers={"X-Receipt-Code": receipt, "Accept-Language": "en"}
    )
    assert status == 200, view
    return dict(view)


def receipt_page(server: ServerProcess, receipt: str) -> str:
    """The receipt page as a reporter opens it: enter the code, follow it to the status."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request("GET", "/receipt/")
        response = conn.getresponse()
        page = response.read().decode()
        cookie = response.getheader("Set-Cookie", "").split(";")[0]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token and cookie, page[:500]
        form = f"csrfmiddlewaretoken={token.group(1)}&code={receipt}"
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie,
            "Referer": f"{server.base_url}/receipt/",
        }
        conn.request("POST", "/receipt/", body=form, headers=headers)
        response = conn.getresponse()
        response.read()
        assert response.status == 302, response.status
        session = response.getheader("Set-Cookie", "").split(";")[0]
        conn.request("GET", "/receipt/status/", headers={"Cookie": f"{cookie}; {session}"})
        response = conn.getresponse()
        assert response.status == 200, response.status
        return response.read().decode()
    finally:
        conn.close()
