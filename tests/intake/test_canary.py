"""Canary: a reporter's name and phone number never show up where they must not.

A distinctive name and phone number are submitted through the portal form and the API, both
with the test client (in process) and through the real server (`jubao serve` in a subprocess).
They must appear in no log line, no database dump (nor the raw bytes of the SQLite files), no
API response, no page the reporter sees, no session and no evidence file on disk. The test also
proves the positive: the vault opens exactly these values, and the evidence file that carries
them decrypts to them, so a submission that silently stored nothing would fail here too.

Each needle is searched in the forms it would take on the way: as typed, with spaces or dashes
in the phone number, JSON-escaped (`\\u91d1...`), as HTML character references and URL-encoded.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from jubao.intake.models import Evidence, Report
from jubao.intake.storage import evidence_read
from jubao.vault.services import vault_open
from tests.intake.conftest import ITEM, solve
from tests.serverproc import ServerProcess, running_server

CANARY_NAME = "金丝雀王五"
CANARY_PHONE = "13987654321"
TABLE = "intake.report"


def _spellings() -> dict[str, str]:
    phone = CANARY_PHONE
    grouped = (phone[:3], phone[3:7], phone[7:])
    values = {
        "name": CANARY_NAME,
        "phone": phone,
        "phone 3-4-4 spaces": " ".join(grouped),
        "phone 3-4-4 dashes": "-".join(grouped),
        "phone 4-4-3 spaces": f"{phone[:4]} {phone[4:8]} {phone[8:]}",
        "phone +86": f"+86 {phone}",
    }
    encoded = {
        "name json": json.dumps(CANARY_NAME)[1:-1],
        # JSON inside an SQL string literal (E'...'), as PostgreSQL statements are logged
        "name json in sql": json.dumps(CANARY_NAME)[1:-1].replace("\\", "\\\\"),
        "name html decimal": "".join(f"&#{ord(c)};" for c in CANARY_NAME),
        "name html hex": "".join(f"&#x{ord(c):x};" for c in CANARY_NAME),
        "name url": quote(CANARY_NAME),
        "name base64": base64.b64encode(CANARY_NAME.encode()).decode(),
        "phone base64": base64.b64encode(phone.encode()).decode(),
    }
    return values | encoded


NEEDLES = {label: text.encode("utf-8").lower() for label, text in _spellings().items()}


def leaks(haystack: str | bytes) -> list[str]:
    """Which spellings of the canary are in `haystack` (case-insensitive for the escapes)."""
    data = haystack.encode("utf-8") if isinstance(haystack, str) else haystack
    data = data.lower()
    return [label for label, needle in NEEDLES.items() if needle in data]


def assert_clean(where: str, haystack: str | bytes) -> None:
    found = leaks(haystack)
    assert not found, f"the canary ({', '.join(found)}) is in {where}"


def canary_png() -> bytes:
    """A screenshot whose text chunk holds the canary, as a phone's screenshot tool might."""
    meta = PngInfo()
    meta.add_itxt("Comment", f"{CANARY_NAME} {CANARY_PHONE}")
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "orange").save(buffer, format="PNG", pnginfo=meta)
    return buffer.getvalue()


def _description(tag: str) -> str:
    return f"有人把我的住址发到了论坛上，号召别人去骚扰我，请尽快处理。{tag}"


def api_body(pow_payload: str, tag: str = "api") -> dict:
    return {
        "item_code": ITEM,
        "reporter_role": "victim",
        "description": _description(tag),
        "targets": [
            {
                "url": f"https://xinghe.example/p/{uuid.uuid4().hex[:8]}",
                "platform": "星河社区",
                "excerpt": "地址在这里，大家去找她",
            }
        ],
        "truthful": True,
        "contact": {"name": CANARY_NAME, "phone": CANARY_PHONE, "email": ""},
        "pow": pow_payload,
    }


# --- database dumps and files ----------------------------------------------------------------


def sqlite_dump(path: Path) -> str:
    """`sqlite3 <db> .dump` when the CLI exists, else Python's iterdump (read-only)."""
    cli = shutil.which("sqlite3")
    if cli:
        result = subprocess.run(
            [cli, f"file:{path}?mode=ro", ".dump"],
            capture_output=True,
            check=True,
            timeout=120,
        )
        dump = result.stdout.decode("utf-8", "replace")
    else:  # pragma: no cover - the CLI is installed where this runs
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            dump = "\n".join(conn.iterdump())
        finally:
            conn.close()
    assert "CREATE TABLE" in dump and "intake_report" in dump, dump[:500]
    return dump


def sqlite_files(path: Path) -> Iterator[tuple[str, bytes]]:
    """The raw bytes of the database file and its write-ahead log (free pages included)."""
    for suffix in ("", "-wal", "-journal"):
        candidate = Path(f"{path}{suffix}")
        if candidate.exists():
            yield candidate.name, candidate.read_bytes()


def pg_dump(url: str, password: str = "") -> str:
    env = {**os.environ, "PGPASSWORD": password} if password else None
    result = subprocess.run(
        ["pg_dump", "--no-owner", f"--dbname={url}"],
        capture_output=True,
        check=True,
        timeout=300,
        env=env,
    )
    dump = result.stdout.decode("utf-8", "replace")
    assert "intake_report" in dump, dump[:500]
    return dump


def assert_files_clean(folder: Path) -> int:
    """Search every file under `folder`; return how many were searched."""
    count = 0
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            assert_clean(f"file {path}", path.read_bytes())
            count += 1
    return count


# --- in process, with the test client ---------------------------------------------------------


@pytest.fixture
def sql_logged():
    """Log every SQL statement with its parameters (as DEBUG=True would), for caplog."""
    before = connection.force_debug_cursor
    connection.force_debug_cursor = True
    yield
    connection.force_debug_cursor = before


def submit_both(client: Client) -> dict:
    """One report through the portal form (with a screenshot) and one through the API."""
    pages: dict[str, bytes] = {}

    def pow_payload() -> str:
        return solve(client.get("/api/v1/challenge").json())

    form = {
        "reporter_role": "victim",
        "description": _description("portal"),
        "t0_url": "https://xinghe.example/p/777",
        "t0_platform": "星河社区",
        "t0_excerpt": "地址在这里，大家去找她",
        "contact_name": CANARY_NAME,
        "contact_phone": CANARY_PHONE,
        "truthful": "on",
        "pow": pow_payload(),
        "submission": uuid.uuid4().hex,
        "ev_screenshot": [
            SimpleUploadedFile(f"{CANARY_NAME}{CANARY_PHONE}.png", canary_png(), "image/png")
        ],
    }
    response = client.post(f"/report/{ITEM}/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    portal_code = client.session["jubao.fresh_receipt"]["code"]
    pages["form redirect"] = response.content
    pages["done page"] = client.get("/report/done/").content
    pages["receipt download"] = client.get("/report/done/receipt.txt").content
    assert client.post("/receipt/", {"code": portal_code}).status_code == 302
    status_page = client.get("/receipt/status/")
    assert status_page.status_code == 200
    pages["status page"] = status_page.content

    response = client.post(
        "/api/v1/reports",
        api_body(pow_payload()),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="canary-1",
    )
    assert response.status_code == 201, response.content
    api_code = response.json()["receipt"]
    pages["submit response"] = response.content
    for name, code in (("portal", portal_code), ("api", api_code)):
        answer = client.get("/api/v1/reports/status", HTTP_X_RECEIPT_CODE=code)
        assert answer.status_code == 200
        pages[f"status API ({name})"] = answer.content
    catalogue = client.get("/api/v1/catalogue")
    assert catalogue.status_code == 200
    pages["catalogue API"] = catalogue.content
    # A refused submission carries the canary too: the error must not echo it into the logs.
    refused = client.post(
        "/api/v1/reports",
        {**api_body(pow_payload(), "refused"), "truthful": False},
        content_type="application/json",
    )
    assert refused.status_code == 400
    return {"pages": pages, "receipts": {"portal": portal_code, "api": api_code}}


@pytest.mark.django_db(transaction=True)
def test_no_page_response_or_log_line_shows_the_contact(client, offices, caplog, capfd, sql_logged):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django")
    submitted = submit_both(client)
    for where, content in submitted["pages"].items():
        assert_clean(where, content)
    assert len(caplog.records) > 10  # SQL and request logging did reach caplog
    assert_clean("a log line", caplog.text)
    for record in caplog.records:
        assert_clean(f"log record {record.name}", repr(record.args) + repr(record.__dict__))
    out, err = capfd.readouterr()
    assert_clean("stdout", out)
    assert_clean("stderr", err)


@pytest.mark.django_db(transaction=True)
def test_the_contact_is_sealed_and_nowhere_in_clear(client, offices):
    submit_both(client)
    reports = list(Report.objects.order_by("pk"))
    assert len(reports) == 2
    for report in reports:
        assert vault_open(table=TABLE, row=report.vault_ref, field="name") == CANARY_NAME
        assert vault_open(table=TABLE, row=report.vault_ref, field="phone") == CANARY_PHONE
    evidence = Evidence.objects.get()
    original = evidence_read(ref=evidence.vault_ref, variant="original")
    assert CANARY_PHONE.encode() in original  # the screenshot kept its text chunk ...
    assert_clean("the staff copy", evidence_read(ref=evidence.vault_ref, variant="staff"))

    # ... and is on disk only encrypted. Every file of the data folder is searched (on SQLite
    # the test database and its write-ahead log too).
    assert_files_clean(Path(settings.DATA_DIR))
    media = Path(settings.MEDIA_ROOT)
    assert len(list((media / "evidence").glob(f"{evidence.vault_ref}.*"))) == 2

    for session in Session.objects.all():
        assert_clean("a session", repr(session.get_decoded()))

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        path = Path(db["NAME"])
        assert_clean("the database dump", sqlite_dump(path))
        files = dict(sqlite_files(path))
        assert path.name in files
        for name, data in files.items():
            assert_clean(f"the database file {name}", data)
    else:
        url = f"postgresql://{db['USER']}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
        assert_clean("the database dump", pg_dump(f"{url}/{db['NAME']}", db["PASSWORD"] or ""))


def test_the_needles_find_every_spelling():
    """The search itself: each spelling is found, in text and in bytes."""
    assert leaks(f"x {CANARY_NAME} y") == ["name"]
    assert "phone 3-4-4 dashes" in leaks("tel: 139-8765-4321")
    assert "name json" in leaks(json.dumps({"n": CANARY_NAME}))
    assert "name json" in leaks(json.dumps({"n": CANARY_NAME}).upper())
    literal = "E'" + json.dumps({"n": CANARY_NAME}).replace("\\", "\\\\") + "'"
    assert leaks(literal) == ["name json in sql"]
    assert leaks(CANARY_PHONE.encode()) == ["phone"]
    assert not leaks("13912345678 张三 139-1234-5678")


# --- the real server ------------------------------------------------------------------------


def _multipart(
    fields: list[tuple[str, str]], files: list[tuple[str, str, bytes]]
) -> tuple[bytes, dict[str, str]]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields:
        disposition = f'Content-Disposition: form-data; name="{name}"'
        parts.append(f"--{boundary}\r\n{disposition}\r\n\r\n{value}\r\n".encode())
    for name, filename, data in files:
        disposition = f'Content-Disposition: form-data; name="{name}"; filename="{filename}"'
        head = f"--{boundary}\r\n{disposition}\r\nContent-Type: image/png\r\n\r\n"
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={boundary}"}


OPEN_SCRIPT = """
import json
from jubao.intake.models import Evidence, Report
from jubao.intake.storage import evidence_read
from jubao.vault.services import vault_open
report = Report.objects.get(reference={reference!r})
evidence = report.evidence.get()
original = evidence_read(ref=evidence.vault_ref, variant="original")
print(json.dumps({{
    "name": vault_open(table="intake.report", row=report.vault_ref, field="name"),
    "phone": vault_open(table="intake.report", row=report.vault_ref, field="phone"),
    "evidence_file": str(evidence.vault_ref),
    "original_has_phone": {phone!r}.encode() in original,
}}))
"""


@pytest.fixture
def server(tmp_path) -> Iterator[ServerProcess]:
    with running_server(tmp_path, name="canary", env={"JUBAO_LOG_LEVEL": "DEBUG"}) as srv:
        yield srv


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_real_server_neither_logs_nor_stores_the_contact(server: ServerProcess):
    responses: dict[str, bytes] = {}

    def challenge() -> str:
        status, data = server.get_json("/api/v1/challenge")
        assert status == 200
        return solve(data)

    status, receipt = server.post_json(
        "/api/v1/reports", api_body(challenge(), "server"), {"Idempotency-Key": "canary-srv"}
    )
    assert status == 201, receipt
    responses["submit response"] = json.dumps(receipt).encode()
    code = {"X-Receipt-Code": receipt["receipt"]}
    body, headers = _multipart(
        [("kinds", "screenshot")],
        [("files", f"{CANARY_NAME}{CANARY_PHONE}.png", canary_png())],
    )
    status, _h, answer = server.request(
        "POST", "/api/v1/reports/evidence", body, {**headers, **code}
    )
    assert status == 201, answer
    responses["evidence response"] = answer
    status, _h, answer = server.request("GET", "/api/v1/reports/status", headers=code)
    assert status == 200
    responses["status API"] = answer
    status, _h, answer = server.request("GET", "/api/v1/catalogue")
    assert status == 200
    responses["catalogue API"] = answer
    status, refused = server.post_json(
        "/api/v1/reports", {**api_body(challenge(), "refused"), "truthful": False}
    )
    assert status == 400, refused
    server.stop()  # a graceful stop: every line is written out

    for where, content in responses.items():
        assert_clean(where, content)
    log = server.log_bytes()
    assert b"POST /api/v1/reports/evidence" in log  # the log did capture the requests
    assert_clean("the server's output", log)

    # Sealed, not gone: the vault and the evidence key open exactly the canary.
    script = OPEN_SCRIPT.format(reference=receipt["reference"], phone=CANARY_PHONE)
    shell = server.manage("shell", "-v", "0", "-c", script)
    opened = json.loads(shell.stdout.strip().splitlines()[-1])
    assert opened["name"] == CANARY_NAME and opened["phone"] == CANARY_PHONE
    assert opened["original_has_phone"] is True

    if server.database is None:
        assert_clean("the database dump", sqlite_dump(server.sqlite_path))
        for name, data in sqlite_files(server.sqlite_path):
            assert_clean(f"the database file {name}", data)
    else:
        assert_clean("the database dump", pg_dump(server.database.url))
    # Every file of the data folder: the database files, evidence, keys.
    assert_files_clean(server.data_dir)
    evidence = server.data_dir / "files" / "evidence"
    assert len(list(evidence.glob(f"{opened['evidence_file']}.*"))) == 2


@pytest.mark.django_db(transaction=True)
def test_staff_without_the_custodian_role_never_see_the_contact(
    client, offices, verified_client, make_user
):
    from jubao.accounts.models import Role
    from jubao.cases.models import Case

    submit_both(client)
    reviewer = verified_client(make_user("canary_reviewer", Role.REVIEWER, office="000000"))
    assert_clean("case queue", reviewer.get("/workbench/cases/").content)
    for case in Case.objects.all():
        page = reviewer.get(f"/workbench/cases/{case.pk}/")
        assert page.status_code == 200
        assert_clean(f"case page {case.reference}", page.content)
