"""Leak canaries beyond intake: a canary reporter's identity (name, phone, e-mail and an ID
number carried in an evidence file) is absent from everything a case produces on its way: a
dump of every table, the logs at every level, the statistics exports (CSV, XLSX, the monthly
PDF), the platform's payload, webhooks as delivered and API answers, transfer events, ledger
entries, the workbench pages, typical case drafts and error pages (404, 403, 400, 500).

The intake canary (tests/intake/test_canary.py) covers submission itself: logs, database dumps,
raw SQLite files, sessions and stored files. Its needles (the name and phone in every spelling
they take on the way) are extended here with the e-mail address and the ID number.

Each search also proves the positive where it can (the vault opens the canary, an export holds
the report item, the PDF holds the month), so a search that could find nothing fails.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import urllib.parse
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from jubao.accounts.models import Role
from jubao.cases.models import Case
from jubao.cases.services import case_transition
from jubao.cases.workflow import Move
from jubao.intake.models import Report
from jubao.ledger.models import LedgerEntry
from jubao.platforms.models import Transfer, TransferEvent
from jubao.platforms.webhooks import Webhook, platform_endpoint_set, webhooks_deliver
from jubao.vault.services import vault_open_many
from tests.conftest import ITEM
from tests.intake.test_canary import CANARY_NAME, CANARY_PHONE, leaks
from tests.platforms.conftest import platform_key, private_key  # noqa: F401
from tests.platforms.test_transfers import api  # noqa: F401  (signed calls as the platform)

pytestmark = pytest.mark.django_db

CANARY_EMAIL = "wangwu.jinsique.7f3a@canary-mail.example"


def _id_number(body17: str) -> str:
    """GB 11643 check character, written from the standard."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return (
        body17 + "10X98765432"[sum(int(c) * w for c, w in zip(body17, weights, strict=True)) % 11]
    )


CANARY_ID = _id_number("11010519850307431")
EXTRA_NEEDLES = {
    "email": CANARY_EMAIL,
    "email local part": CANARY_EMAIL.split("@")[0],
    "email url": urllib.parse.quote(CANARY_EMAIL, safe=""),
    "email base64": base64.b64encode(CANARY_EMAIL.encode()).decode(),
    "id number": CANARY_ID,
    "id number 6-8-4": f"{CANARY_ID[:6]} {CANARY_ID[6:14]} {CANARY_ID[14:]}",
    "id number base64": base64.b64encode(CANARY_ID.encode()).decode(),
}
_EXTRA = {label: text.lower().encode() for label, text in EXTRA_NEEDLES.items()}


def exposed(haystack: str | bytes) -> list[str]:
    """Which spellings of the canary's name, phone, e-mail or ID number are in `haystack`."""
    data = haystack.encode("utf-8", "surrogatepass") if isinstance(haystack, str) else haystack
    lowered = data.lower()
    return leaks(data) + [label for label, needle in _EXTRA.items() if needle in lowered]


def assert_clean(where: str, haystack: str | bytes) -> None:
    found = exposed(haystack)
    assert not found, f"the canary ({', '.join(found)}) is in {where}"


def canary_screenshot() -> tuple[str, bytes]:
    """A screenshot of an ID card: the file name and a text chunk carry the whole identity."""
    meta = PngInfo()
    meta.add_itxt("Comment", f"{CANARY_NAME} {CANARY_PHONE} {CANARY_EMAIL} {CANARY_ID}")
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(buffer, format="PNG", pnginfo=meta)
    return f"{CANARY_NAME}-{CANARY_ID}-{CANARY_EMAIL}.png", buffer.getvalue()


@pytest.fixture(autouse=True)
def _easy(easy_pow_and_no_rate_limits):
    """Reports filed here solve cheap challenges and meet no rate limit."""


CONTACT = {"name": CANARY_NAME, "phone": CANARY_PHONE, "email": CANARY_EMAIL}


def _canary_report(client: Client, report_body: Callable[..., dict]) -> Report:
    """The canary's report through the API, with its screenshot added as the receipt holder."""
    response = client.post(
        "/api/v1/reports", report_body(contact=CONTACT), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    name, data = canary_screenshot()
    added = client.post(
        "/api/v1/reports/evidence",
        {"kinds": ["screenshot"], "files": [SimpleUploadedFile(name, data, "image/png")]},
        HTTP_X_RECEIPT_CODE=response.json()["receipt"],
    )
    assert added.status_code == 201, added.content
    report = Report.objects.get()
    sealed = vault_open_many(
        table="intake.report", row=report.vault_ref, fields=["name", "phone", "email"]
    )
    assert sealed == CONTACT  # the canary was really filed
    assert report.evidence.count() == 1
    return report


def _hand_over(report: Report, cast: dict) -> Case:
    """Judge the case, approve its measure and hand it to the platform."""
    case = report.case
    steps = [
        (Move.ACCEPT, "intake", {}),
        (Move.START_REVIEW, "reviewer", {}),
        (Move.JUDGE, "reviewer", {"result": "infringing", "reasons": "公开住址"}),
        (Move.PROPOSE_DISPOSAL, "disposal", {"measure": "content.remove", "reasons": "删除"}),
        (Move.APPROVE, "approver", {}),
        (Move.START_DISPOSAL, "disposal", {}),
    ]
    for move, who, params in steps:
        case = case_transition(case=case, move=move, actor=cast[who], **params)
    return case


@pytest.fixture
def handed(client, report_body, cast, platform) -> Case:
    """A canary's report (with its screenshot), judged, its measure approved and handed to the
    platform, which has a webhook endpoint."""
    platform_endpoint_set(actor="system", platform=platform, url="https://xinghe.example/hooks")
    return _hand_over(_canary_report(client, report_body), cast)


class _Recorder:
    """Stands in for the webhook opener: keeps what would have been sent, answers as told."""

    def __init__(self, fail: bool = False) -> None:
        self.sent: list[tuple[str, dict[str, str], bytes]] = []
        self.fail = fail

    def open(self, request: Any, timeout: float = 0) -> Any:
        self.sent.append((request.full_url, dict(request.header_items()), request.data))
        if self.fail:
            raise OSError("connection refused")
        return _Answer()


class _Answer:
    def __enter__(self) -> _Answer:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


@contextmanager
def recorded_webhooks(monkeypatch: pytest.MonkeyPatch, fail: bool = False) -> Iterator[_Recorder]:
    recorder = _Recorder(fail)
    monkeypatch.setattr("jubao.platforms.webhooks._opener", recorder)
    yield recorder


# --- the platform ----------------------------------------------------------------------------


def test_nothing_sent_to_or_read_by_the_platform_names_the_reporter(
    handed,
    api,  # noqa: F811
    monkeypatch,
):
    transfer = Transfer.objects.get(case=handed)
    assert_clean("the transfer payload", json.dumps(transfer.payload, ensure_ascii=False))
    hooks = list(Webhook.objects.all())
    assert hooks, "the hand-over queued no webhook"
    for hook in hooks:
        assert_clean(f"webhook {hook.event}", json.dumps(hook.body, ensure_ascii=False))
    with recorded_webhooks(monkeypatch) as recorder:
        assert webhooks_deliver() == len(hooks)
    assert len(recorder.sent) == len(hooks)
    for url, headers, body in recorder.sent:
        assert transfer.public_id.hex in body.decode() or str(transfer.public_id) in body.decode()
        assert_clean(f"the webhook as delivered to {url}", repr(headers).encode() + body)
    for event in TransferEvent.objects.all():
        assert_clean("a transfer event", event.text + json.dumps(event.data, ensure_ascii=False))
    for path in ("/transfers", f"/transfers/{transfer.public_id}", "/transfers?all=true"):
        response = api("GET", path)
        assert response.status_code == 200, path
        assert_clean(f"the platform API's {path}", response.content)
    # The report item lists no reporter details for platforms: no approved share, no details.
    refused = api("GET", f"/transfers/{transfer.public_id}/reporter")
    assert refused.status_code == 403
    assert_clean("the refused reporter request", refused.content)


# --- the office ------------------------------------------------------------------------------


def test_the_ledger_and_the_workbench_pages_do_not_name_the_reporter(handed, cast, verified_client):
    for entry in LedgerEntry.objects.all():
        assert_clean(f"ledger entry {entry.action}", f"{entry.actor} {entry.action} {entry.ref}")
    staff = verified_client(cast["intake"])
    for path in (
        f"/workbench/cases/{handed.pk}/",
        "/workbench/cases/",
        "/workbench/cases/supervision/",
        "/api/v1/cases",
    ):
        response = staff.get(path)
        assert response.status_code in (200, 403), path
        assert_clean(path, response.content)


def test_a_typical_case_draft_does_not_name_the_reporter(
    client, report_body, cast, make_user, platform
):
    from jubao.insights.services import typical_case_draft

    report = _canary_report(client, report_body)
    case = case_transition(
        case=report.case, move=Move.REFUSE, actor=cast["intake"], reason="supervision"
    )
    draft = typical_case_draft(user=make_user("canary_sup", "supervisor"), case=case)
    assert draft.text
    assert_clean("a typical case draft", draft.title + draft.text)


def _xlsx_text(body: bytes) -> bytes:
    """Every part of a workbook, unpacked (the file itself is a ZIP: a raw search sees
    nothing)."""
    with zipfile.ZipFile(io.BytesIO(body)) as workbook:
        return b"\n".join(workbook.read(name) for name in workbook.namelist())


def test_the_statistics_exports_do_not_name_the_reporter(handed, staff_client, make_user):
    from jubao.insights import exports
    from tests.insights.test_statistics import pdf_text

    boss = staff_client(make_user("canary_stats", Role.SUPERVISOR, office="000000"))
    base = "/workbench/transparency/statistics/"
    found_item = []
    for name in exports.COLUMNS:
        for fmt in ("csv", "xlsx"):
            response = boss.get(f"{base}export/{name}.{fmt}", HTTP_ACCEPT_LANGUAGE="en")
            assert response.status_code == 200, (name, fmt)
            body = response.content if fmt == "csv" else _xlsx_text(response.content)
            assert_clean(f"the {name}.{fmt} export", body)
            found_item.append(ITEM.encode() in body)
    assert any(found_item), "no export holds the canary's report item: nothing was searched"
    month = f"{timezone.localdate():%Y-%m}"
    report = boss.get(f"{base}report.pdf", {"month": month})
    assert report.status_code == 200 and report["Content-Type"] == "application/pdf"
    text = pdf_text(report.content)
    assert month in text
    assert_clean("the monthly PDF report", text)
    for path in (base, "/transparency/"):
        response = boss.get(path)
        assert response.status_code == 200, path
        assert_clean(path, response.content)


# --- a dump of every table and the logs ------------------------------------------------------


def dump_all_tables() -> bytes:
    """Every row of every table, read with SQL on the test's own connection (so rows not yet
    committed are included); binary columns as their raw bytes."""
    parts = []
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview | bytearray):
                        parts.append(bytes(value))
                    else:
                        parts.append(str(value).encode("utf-8", "surrogatepass"))
            parts.append(f"-- {table}".encode())
    assert len(tables) > 30
    return b"\n".join(parts)


def test_a_dump_of_every_table_does_not_name_the_reporter(handed, api, monkeypatch):  # noqa: F811
    transfer = Transfer.objects.get(case=handed)
    api("GET", f"/transfers/{transfer.public_id}")
    with recorded_webhooks(monkeypatch):
        webhooks_deliver()
    dump = dump_all_tables()
    assert handed.reference.encode() in dump and ITEM.encode() in dump
    assert_clean("the dump of every table", dump)
    if connection.vendor == "sqlite":
        raw = connection.connection
        assert raw is not None
        assert_clean("the SQLite dump", "\n".join(raw.iterdump()))


@pytest.fixture
def every_log_line(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every logger at DEBUG, SQL statements with their parameters included."""
    caplog.set_level(logging.DEBUG)
    for name in ("django", "django.db.backends", "django.request", "jubao", "axes"):
        caplog.set_level(logging.DEBUG, logger=name)
    before = connection.force_debug_cursor
    connection.force_debug_cursor = True
    yield caplog
    connection.force_debug_cursor = before


def test_the_logs_at_every_level_do_not_name_the_reporter(
    client, report_body, cast, platform, every_log_line, capfd, monkeypatch, settings
):
    settings.DEBUG = False
    platform_endpoint_set(actor="system", platform=platform, url="https://xinghe.example/hooks")
    case = _hand_over(_canary_report(client, report_body), cast)
    with recorded_webhooks(monkeypatch, fail=True):  # a failed delivery logs a warning
        assert webhooks_deliver() >= 1
    # A request of the canary's that fails inside the server logs an error.
    monkeypatch.setattr("jubao.intake.api.report_submit", _explode)
    failing = Client(raise_request_exception=False)
    response = failing.post(
        "/api/v1/reports", report_body(contact=CONTACT), content_type="application/json"
    )
    assert response.status_code == 500
    records = every_log_line.records
    levels = {record.levelname for record in records}
    assert {"DEBUG", "WARNING", "ERROR"} <= levels, levels
    assert any("INSERT" in record.getMessage() for record in records)  # SQL was logged
    assert_clean("the log text", every_log_line.text)
    for record in records:
        assert_clean(f"log record {record.name}", repr(record.args) + repr(record.__dict__))
    out, err = capfd.readouterr()
    assert_clean("stdout", out)
    assert_clean("stderr", err)
    assert Case.objects.filter(pk=case.pk).exists()


def _explode(**kwargs: Any) -> Any:
    raise RuntimeError("the database went away")


# --- error pages -----------------------------------------------------------------------------


def test_error_pages_do_not_echo_the_reporter(
    client, report_body, platform, monkeypatch, settings, caplog
):
    settings.DEBUG = False
    report = _canary_report(client, report_body)
    pages: dict[str, Any] = {}
    # 404: the identity in the path, the query and a POST body
    for path in (f"/report/{CANARY_PHONE}/", f"/guidelines/{CANARY_NAME}/", "/no/such/page/"):
        pages[f"GET {path}"] = client.get(path, {"email": CANARY_EMAIL, "id": CANARY_ID})
    pages["POST to nowhere"] = client.post("/no/such/page/", CONTACT)
    # 403: a form posted without its CSRF token, a workbench page for an anonymous visitor
    strict = Client(enforce_csrf_checks=True)
    pages["CSRF failure"] = strict.post(
        f"/report/{ITEM}/", {"contact_name": CANARY_NAME, "contact_email": CANARY_EMAIL}
    )
    pages["workbench"] = client.get(f"/workbench/cases/{report.case.pk}/", {"q": CANARY_NAME})
    # 400/422: the API refuses fields that are too long or of the wrong kind
    too_long = {"name": CANARY_NAME * 20, "phone": CANARY_PHONE * 3, "email": CANARY_EMAIL}
    pages["API validation"] = client.post(
        "/api/v1/reports", report_body(contact=too_long), content_type="application/json"
    )
    pages["API wrong type"] = client.post(
        "/api/v1/reports",
        report_body(contact=CONTACT, description=[CANARY_ID, CANARY_EMAIL]),
        content_type="application/json",
    )
    # 500: the submission fails inside the server
    monkeypatch.setattr("jubao.intake.api.report_submit", _explode)
    failing = Client(raise_request_exception=False)
    pages["server error"] = failing.post(
        "/api/v1/reports", report_body(contact=CONTACT), content_type="application/json"
    )
    statuses = {where: response.status_code for where, response in pages.items()}
    assert {403, 404, 500} <= set(statuses.values()), statuses
    assert statuses["CSRF failure"] == 403 and statuses["server error"] == 500, statuses
    assert statuses["API validation"] in (400, 422), statuses
    for where, response in pages.items():
        assert_clean(f"{where} ({response.status_code})", response.content)
    # Django logs the path of a 404 as it was asked for ("Not Found: /report/139.../"): the
    # identity put in a path above is the test's own doing (the site never puts identity in a
    # URL), so those records are left out; everything else logged is searched.
    asked = {f"/report/{CANARY_PHONE}/", f"/guidelines/{CANARY_NAME}/"}
    for record in caplog.records:
        request = getattr(record, "request", None)
        if getattr(record, "status_code", None) != 404 or getattr(request, "path", "") not in asked:
            assert_clean(f"a log record of the failures ({record.name})", record.getMessage())
            assert_clean("the exception logged", repr(record.exc_info) + repr(record.args))


def test_the_needles_find_the_email_and_the_id_number():
    """The search itself: each new spelling is found, and ordinary text is not."""
    assert exposed(f"mailto:{CANARY_EMAIL.upper()}") == ["email", "email local part"]
    assert "email url" in exposed(urllib.parse.urlencode({"e": CANARY_EMAIL}))
    assert exposed(f"身份证 {CANARY_ID}") == ["id number"]
    assert exposed(CANARY_ID.encode()) == ["id number"]
    assert "id number 6-8-4" in exposed(f"{CANARY_ID[:6]} {CANARY_ID[6:14]} {CANARY_ID[14:]}")
    assert exposed(json.dumps({"n": CANARY_NAME}))  # the intake canary's needles are kept
    assert not exposed("zhang.san@example.cn 330106200001011234 张三")
