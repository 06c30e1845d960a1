"""The API's answer to a full disk, in process, for each way the disk says it is full.

`test_disk_full.py` fills a real file system under the real server; here the error is raised
where the submission is stored, so that PostgreSQL's `disk_full` (which the fault test cannot
cause without filling the machine's database disk) is covered too.
"""

from __future__ import annotations

import errno

import psycopg
import pytest
from django.db import OperationalError
from django.test import Client

from jubao.intake import api as intake_api

pytestmark = pytest.mark.django_db
# Fast and in process: part of the normal suite, not only of `make test-faults`.
IN_PROCESS = True


def _database_full() -> OperationalError:
    try:
        try:
            raise psycopg.errors.DiskFull("could not extend file: No space left on device")
        except psycopg.errors.DiskFull as inner:
            raise OperationalError(str(inner)) from inner
    except OperationalError as outer:
        return outer


@pytest.mark.parametrize(
    "error",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        OSError(errno.EDQUOT, "Disk quota exceeded"),
        OperationalError("database or disk is full"),
        _database_full(),
    ],
    ids=["ENOSPC", "EDQUOT", "sqlite-full", "postgres-disk-full"],
)
def test_a_full_disk_is_a_clear_retryable_refusal(monkeypatch, error, report_body):
    def full(**_kwargs):
        raise error

    monkeypatch.setattr(intake_api, "report_submit", full)
    body = report_body()
    response = Client().post(
        "/api/v1/reports", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert response.status_code == 503, response.content
    assert response.json()["error"]["code"] == "storage_full"
    assert response.json()["error"]["message"]
    assert response["Retry-After"] == "60"


def test_any_other_error_stays_a_server_error(monkeypatch, report_body):
    def broken(**_kwargs):
        raise OSError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(intake_api, "report_submit", broken)
    client = Client(raise_request_exception=False)
    response = client.post("/api/v1/reports", report_body(), content_type="application/json")
    assert response.status_code == 500


def test_a_page_gets_a_translated_503_page_on_a_full_disk(rf, settings):
    """The portal's and the workbench's pages: the middleware turns a full disk into a clear
    page (in the visitor's language), and leaves every other error to the server-error path."""
    from django.utils import translation

    from jubao.web.middleware import StorageFull

    assert "jubao.web.middleware.StorageFull" in settings.MIDDLEWARE
    middleware = StorageFull(lambda request: None)  # type: ignore[arg-type, return-value]
    request = rf.post("/report/")
    with translation.override("zh-hans"):
        response = middleware.process_exception(request, OSError(errno.ENOSPC, "full"))
    assert response is not None and response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "服务器存储空间已满" in response.content.decode()
    assert middleware.process_exception(request, OSError(errno.EACCES, "denied")) is None
    assert middleware.process_exception(request, ValueError("bug")) is None
