"""The disk fills up under the server, then space comes back.

The server's data folder (SQLite database, keys, encrypted evidence files) lies on a small file
system of its own: a 64 MiB tmpfs mounted for the test (skipped where mounting is not allowed).
After a few normal submissions and evidence uploads, a filler file takes every free byte. While
the disk is full:

- each new submission and each evidence upload is either accepted (201: it was stored) or refused
  with a clear answer: 503 with the `storage_full` error code and a `Retry-After` header, never a
  bare server error; on SQLite (its database is on the full disk) submissions are refused, on
  PostgreSQL (the database lives elsewhere) evidence files are;
- receipts already given keep opening their reports.

Then the filler is removed and, without restarting the server, every refused request is sent
again with the same `Idempotency-Key` and body and is accepted. Afterwards: every acknowledged
receipt opens its report, nothing exists twice, every evidence row has its encrypted files and no
half-written (`.tmp`) file is left, SQLite's integrity check passes, the ledger verifies and the
outboxes drain.
"""

from __future__ import annotations

import errno
import json
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import solve
from tests.faults.submitload import SERVER_ENV, Submission, check_all, report_body, rows
from tests.intake.conftest import png_bytes
from tests.serverproc import ServerProcess

pytestmark = pytest.mark.timeout(600)

SEED = 20261201
DISK_MIB = 64
BEFORE, DURING, AFTER = 6, 12, 3  # submissions in each phase


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_MIB}m,mode=0700", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"disk full: cannot mount a tmpfs (needs root): {done.stderr.strip()}")
    try:
        yield mount
    finally:
        if subprocess.run(["umount", str(mount)], check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture
def server(tmp_path: Path, small_disk: Path) -> Iterator[ServerProcess]:
    srv = ServerProcess(tmp_path, name="faults_disk", data_dir=small_disk / "data", env=SERVER_ENV)
    try:
        srv.prepare()
        srv.start()
        yield srv
    finally:
        srv.close()


def fill(folder: Path) -> Path:
    """A file taking every free byte of the file system under `folder`."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as fh:
        for size in (1 << 20, 1 << 12, 1):
            chunk = b"\0" * size
            try:
                while True:
                    fh.write(chunk)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
    return filler


def multipart(fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]]) -> tuple:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields:
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    for name, filename, data in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: image/png\r\n\r\n'
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def add_evidence(server: ServerProcess, receipt: str, colour: str) -> tuple[int, dict, Any]:
    body, content_type = multipart(
        [("kinds", "screenshot")], [("files", "screenshot.png", png_bytes(colour))]
    )
    status, headers, raw = server.request(
        "POST",
        "/api/v1/reports/evidence",
        body=body,
        headers={"Content-Type": content_type, "X-Receipt-Code": receipt},
    )
    try:
        data = json.loads(raw) if raw else None
    except ValueError:
        data = raw.decode("utf-8", "replace")
    return status, headers, data


def new_submission(server: ServerProcess, number: int) -> Submission:
    token = f"LOAD-TOKEN-{uuid.UUID(int=SEED * 1000 + number).hex}"
    sub = Submission(key=f"disk-{number}-{token[-12:]}", token=token)
    status, challenge = server.get_json("/api/v1/challenge")
    assert status == 200, challenge
    sub.body = report_body(7, number, token, solve(challenge))
    return sub


def post_once(server: ServerProcess, sub: Submission) -> tuple[int, dict[str, str], Any]:
    """One POST with the submission's key and body; the receipt is kept when it is a 201."""
    sub.attempts += 1
    status, headers, raw = server.request(
        "POST",
        "/api/v1/reports",
        body=json.dumps(sub.body).encode(),
        headers={"Content-Type": "application/json", "Idempotency-Key": sub.key},
    )
    data = json.loads(raw) if raw.startswith(b"{") else raw.decode("utf-8", "replace")
    if status == 201:
        sub.receipt, sub.reference = data["receipt"], data["reference"]
    else:
        sub.refused = (status, data)
    return status, headers, data


def assert_clear_refusal(status: int, headers: dict[str, str], data: Any) -> None:
    assert status == 503, (status, data)
    assert isinstance(data, dict) and data["error"]["code"] == "storage_full", data
    assert data["error"]["message"], data
    assert headers.get("Retry-After"), headers


def test_a_full_disk_refuses_clearly_and_recovers(server: ServerProcess, small_disk: Path):
    subs: list[Submission] = []
    evidence_ok = 0

    # Before: normal work (this also creates every key file the server needs).
    for number in range(BEFORE):
        sub = new_submission(server, number)
        assert post_once(server, sub)[0] == 201, sub.refused
        subs.append(sub)
    for sub in subs[:3]:
        status, _headers, data = add_evidence(server, sub.receipt or "", "red")
        assert status == 201, data
        evidence_ok += 1

    filler = fill(small_disk)
    refused_subs: list[Submission] = []
    refused_evidence: list[Submission] = []
    try:
        for number in range(BEFORE, BEFORE + DURING):
            sub = new_submission(server, number)
            status, headers, data = post_once(server, sub)
            subs.append(sub)
            if status != 201:
                assert_clear_refusal(status, headers, data)
                refused_subs.append(sub)
        for sub in subs[:BEFORE]:
            status, headers, data = add_evidence(server, sub.receipt or "", "blue")
            if status == 201:
                evidence_ok += 1
            else:
                assert_clear_refusal(status, headers, data)
                refused_evidence.append(sub)
        # What was acknowledged before stays readable.
        for sub in subs[:BEFORE]:
            status, data = server.get_json(
                "/api/v1/reports/status", {"X-Receipt-Code": sub.receipt}
            )
            assert status == 200, data
        summary = (
            f"{server.vendor}: {len(refused_subs)} of {DURING} submissions and "
            f"{len(refused_evidence)} of {BEFORE} uploads refused on the full disk"
        )
        print(summary)
        assert refused_evidence, summary
        if server.vendor == "sqlite":
            assert refused_subs, summary
        assert server.running, server.log_tail()
    finally:
        filler.unlink()

    # Space is back: the same requests again, then new ones; the server was not restarted.
    for sub in refused_subs:
        status, _headers, data = post_once(server, sub)
        assert status == 201, data
        sub.refused = None
    for sub in refused_evidence:
        status, _headers, data = add_evidence(server, sub.receipt or "", "green")
        assert status == 201, data
        evidence_ok += 1
    for number in range(BEFORE + DURING, BEFORE + DURING + AFTER):
        sub = new_submission(server, number)
        assert post_once(server, sub)[0] == 201, sub.refused
        subs.append(sub)
    assert server.starts == 1

    assert all(s.acknowledged for s in subs)
    check_all(server, subs, seed=SEED)
    assert len(rows(server, "SELECT id FROM intake_report")) == len(subs)

    # Every stored evidence file is whole; nothing half-written is left.
    refs = [str(r) for (r,) in rows(server, "SELECT vault_ref FROM intake_evidence")]
    assert len(refs) == evidence_ok
    folder = server.data_dir / "files" / "evidence"
    names = {p.name for p in folder.iterdir()}
    assert not [n for n in names if n.endswith(".tmp")], sorted(names)
    for ref in refs:
        ref = ref if "-" in ref else str(uuid.UUID(ref))
        assert f"{ref}.original" in names, ref
    if server.vendor == "sqlite":
        conn = sqlite3.connect(server.sqlite_path, timeout=30)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        finally:
            conn.close()
