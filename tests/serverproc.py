"""Run the production server (`jubao serve`, gunicorn) as a subprocess for tests.

Each `ServerProcess` has a data folder of its own (`JUBAO_DATA_DIR`) and, when the test session
runs on PostgreSQL (`DATABASE_URL` set), a database of its own, created here and dropped on
`close()`: pytest-django's test database is in use by the test process itself. Output of every
start goes to one log file (`log_path`), so tests can search what the server wrote.

    with running_server(tmp_path, name="crash") as server:
        status, headers, body = server.request("GET", "/healthz")
        server.kill()       # SIGKILL to the whole process group
        server.start()      # the same data folder, database and port

Start and kill from one thread (the test's main thread): the helper is not thread-safe.
Only the standard library and psycopg (already a dependency of jubao) are used.
"""

from __future__ import annotations

import atexit
import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

JUBAO = Path(sys.executable).with_name("jubao")
if not JUBAO.exists():  # pragma: no cover - a Python outside the virtualenv
    JUBAO = Path(shutil.which("jubao") or "jubao")
PG_SCHEMES = ("postgres", "postgresql", "pgsql", "postgis")
# Besides every JUBAO_* variable of the test process, these are not passed to the server.
_NOT_PASSED = frozenset({"DATABASE_URL", "PYTEST_CURRENT_TEST", "DJANGO_ALLOW_ASYNC_UNSAFE"})

# Process groups started here and not yet killed: killed at interpreter exit, as a last resort
# when a test run is interrupted before the fixtures' finalisers ran.
_LIVE_GROUPS: set[int] = set()


def _kill_leftovers() -> None:
    for pgid in list(_LIVE_GROUPS):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)
        _LIVE_GROUPS.discard(pgid)


atexit.register(_kill_leftovers)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def session_database_url() -> str | None:
    """The PostgreSQL URL of the test session, or None when the session runs on SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    return url if urlsplit(url).scheme in PG_SCHEMES else None


def _group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes of a process group; PID 1 here may never reap zombies."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return []
        return [pgid]
    members = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after the last ")".
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            members.append(int(entry.name))
    return members


class PostgresDatabase:
    """A database of its own on the server of the session's DATABASE_URL."""

    def __init__(self, base_url: str, name: str) -> None:
        self.base_url = base_url
        self.name = name
        parts = urlsplit(base_url)
        self.url = urlunsplit(parts._replace(path=f"/{name}"))

    def _admin(self) -> Any:
        import psycopg

        parts = urlsplit(self.base_url)
        return psycopg.connect(
            urlunsplit(parts._replace(scheme="postgresql", path="/postgres")), autocommit=True
        )

    def create(self) -> None:
        from psycopg import sql

        with self._admin() as conn:
            ident = sql.Identifier(self.name)
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(ident))

    def drop(self) -> None:
        from psycopg import sql

        with self._admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name))
            )

    def connect(self) -> Any:
        import psycopg

        parts = urlsplit(self.url)
        return psycopg.connect(urlunsplit(parts._replace(scheme="postgresql")))


class ServerProcess:
    """`jubao serve` on a free port of 127.0.0.1, with its own data folder (and PG database)."""

    def __init__(
        self,
        root: Path,
        *,
        name: str = "server",
        workers: int = 2,
        env: Mapping[str, str] | None = None,
        data_dir: Path | None = None,
    ) -> None:
        self.root = Path(root)
        # The data folder may lie elsewhere (for example on a small file system of its own).
        self.data_dir = Path(data_dir) if data_dir is not None else self.root / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.root / "server.log"
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.starts = 0
        self.process: subprocess.Popen[bytes] | None = None
        base = session_database_url()
        # One database per name and test process at a time: pick distinct names for servers
        # that run side by side.
        self.database = (
            PostgresDatabase(base, f"jubao_{name}_{os.getpid()}") if base is not None else None
        )
        self.extra_env = dict(env or {})

    # --- environment and management commands -------------------------------------------------

    @property
    def vendor(self) -> str:
        return "postgresql" if self.database else "sqlite"

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "jubao.sqlite3"

    def env(self) -> dict[str, str]:
        """The server's environment: none of the test process's JUBAO_* or DATABASE_URL."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("JUBAO_") and k not in _NOT_PASSED
        }
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "jubao.settings",
                "PYTHONUNBUFFERED": "1",
                "JUBAO_DATA_DIR": str(self.data_dir),
                "JUBAO_BIND": f"127.0.0.1:{self.port}",
                "JUBAO_WORKERS": str(self.workers),
                "JUBAO_POW_MAX_NUMBER": "50",
                "JUBAO_RATE_SUBMIT_ADDRESS": "100000/m",
                "JUBAO_RATE_SUBMIT_IDENTITY": "100000/m",
                "JUBAO_RATE_RECEIPT_ADDRESS": "100000/m",
            }
        )
        if self.database is not None:
            env["DATABASE_URL"] = self.database.url
        env.update(self.extra_env)
        return env

    def manage(
        self, *args: str, check: bool = True, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        """Run `jubao <args>` on this server's data folder and database; output is captured."""
        result = subprocess.run(
            [str(JUBAO), *args],
            env=self.env(),
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"jubao {' '.join(args)} exited {result.returncode}\n"
                f"stdout:\n{result.stdout[-4000:]}\nstderr:\n{result.stderr[-4000:]}"
            )
        return result

    def prepare(self) -> None:
        """A fresh database: create it (PostgreSQL), migrate, load the offices."""
        if self.database is not None:
            self.database.create()
        self.manage("migrate", "--no-input", "-v", "0")
        self.manage("offices", "load")

    # --- the process ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 240) -> None:
        """Start `jubao serve` and wait until /healthz answers 200."""
        assert not self.running, "the server is already running"
        self.starts += 1
        with open(self.log_path, "ab") as log:
            log.write(f"--- serverproc: start {self.starts} ---\n".encode())
            log.flush()
            # --no-control-socket: gunicorn's control socket defaults to one path per user,
            # which two servers running at once (tests in parallel) would fight over.
            self.process = subprocess.Popen(
                [str(JUBAO), "serve", "--no-control-socket"],
                env=self.env(),
                cwd=self.root,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _LIVE_GROUPS.add(self.process.pid)
        deadline = time.monotonic() + timeout
        while True:
            code = self.process.poll()
            if code is not None:
                self.kill()
                raise AssertionError(f"jubao serve exited with {code}:\n{self.log_tail()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if self.request("GET", "/healthz", timeout=30)[0] == 200:
                    return
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"jubao serve did not answer /healthz:\n{self.log_tail()}")
            time.sleep(0.1)

    def kill(self, sig: int = signal.SIGKILL, timeout: float = 30) -> None:
        """Send `sig` to the whole process group (master and workers) and wait until it is gone.

        A group still alive after `timeout` (or after a SIGTERM that was not enough) is SIGKILLed.
        """
        process = self.process
        if process is None:
            return
        pgid = process.pid
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, sig)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
            process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while _group_members(pgid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _group_members(pgid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
            time.sleep(0.5)
        _LIVE_GROUPS.discard(pgid)
        self.process = None
        left = _group_members(pgid)
        assert not left, f"server processes left behind: {left}"

    def stop(self) -> None:
        """A graceful stop (SIGTERM), SIGKILL if it takes too long."""
        self.kill(signal.SIGTERM, timeout=20)

    def restart(self) -> None:
        self.kill()
        self.start()

    def close(self) -> None:
        """Kill the server if it runs and drop its PostgreSQL database. Safe to call twice."""
        try:
            self.kill()
        finally:
            if self.database is not None:
                with contextlib.suppress(Exception):
                    self.database.drop()

    # --- output and requests -------------------------------------------------------------------

    def log_bytes(self) -> bytes:
        return self.log_path.read_bytes() if self.log_path.exists() else b""

    def log_tail(self, size: int = 6000) -> str:
        return self.log_bytes()[-size:].decode("utf-8", "replace")

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        timeout: float = 30,
    ) -> tuple[int, dict[str, str], bytes]:
        """One request on a new connection; network errors are raised (OSError, HTTPException)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=dict(headers or {}))
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def get_json(self, path: str, headers: Mapping[str, str] | None = None) -> tuple[int, Any]:
        status, _headers, body = self.request("GET", path, headers=headers)
        return status, json.loads(body) if body else None

    def post_json(
        self, path: str, payload: Any, headers: Mapping[str, str] | None = None
    ) -> tuple[int, Any]:
        data = json.dumps(payload).encode()
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        status, _headers, body = self.request("POST", path, body=data, headers=all_headers)
        try:
            return status, json.loads(body) if body else None
        except ValueError:
            return status, body.decode("utf-8", "replace")


@contextlib.contextmanager
def running_server(root: Path, **options: Any) -> Iterator[ServerProcess]:
    """A prepared and started server; killed (and its database dropped) however the block ends."""
    server = ServerProcess(root, **options)
    try:
        server.prepare()
        server.start()
        yield server
    finally:
        server.close()
