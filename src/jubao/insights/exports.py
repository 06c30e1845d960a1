"""The statistics as files: each query's rows as CSV or XLSX, with translated headers."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Font

REPEAT_OFFENDERS = "repeat_offenders"

_MONTH = ("month", _("Month"))
_LABEL_ITEM = [("item", _("Item code")), ("label", _("Report item"))]
_RECEIVED = ("received", _("Reports received"))
_RATE = ("rate", _("Rate (%)"))

COLUMNS: dict[str, list[tuple[str, Promise]]] = {
    "volume_by_item": [*_LABEL_ITEM, _RECEIVED],
    "volume_by_channel": [("channel", _("Channel code")), ("label", _("Channel")), _RECEIVED],
    "volume_by_region": [("region", _("Region code")), ("label", _("Region")), _RECEIVED],
    "volume_by_platform": [("platform", _("Platform id")), ("label", _("Platform")), _RECEIVED],
    "volume_by_month": [_MONTH, _RECEIVED, ("opened", _("Cases opened"))],
    "acceptance_rate_by_month": [
        _MONTH,
        ("accepted", _("Cases accepted")),
        ("not_accepted", _("Cases not accepted")),
        _RATE,
    ],
    "disposal_rate_by_month": [
        _MONTH,
        ("accepted", _("Cases accepted")),
        ("disposed", _("Cases disposed of")),
        _RATE,
    ],
    "on_time_rate_by_month": [
        _MONTH,
        ("answered", _("Cases answered")),
        ("answered_on_time", _("Answered on time")),
        _RATE,
    ],
    "handling_time_histogram": [
        ("bucket", _("Bucket")),
        ("label", _("Time to answer")),
        ("cases", _("Cases")),
    ],
    "measures_by_code": [
        ("code", _("Measure code")),
        ("label", _("Measure")),
        ("measures", _("Measures ordered")),
    ],
    REPEAT_OFFENDERS: [
        ("kind", _("Kind")),
        ("key", _("Key (hashed)")),
        ("offences", _("Offences")),
        ("cases", _("Cases")),
        ("malicious", _("Malicious")),
        ("last", _("Last offence")),
    ],
}


def _cell(value: Any) -> Any:
    return "" if value is None else value


def to_csv(name: str, rows: list[dict[str, Any]]) -> bytes:
    """UTF-8 with a byte order mark, so that spreadsheet programs read the Chinese right."""
    out = io.StringIO()
    writer = csv.writer(out)
    columns = COLUMNS[name]
    writer.writerow([str(label) for _key, label in columns])
    for row in rows:
        writer.writerow([_cell(row.get(key)) for key, _label in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(name: str, rows: list[dict[str, Any]], title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "".join(c for c in title if c not in "[]:*?/\\")[:31] or "data"
    columns = COLUMNS[name]
    sheet.append([str(label) for _key, label in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell(row.get(key)) for key, _label in columns])
    for index, (key, label) in enumerate(columns):
        width = max([len(str(label)), *(len(str(_cell(r.get(key)))) for r in rows)]) + 2
        sheet.column_dimensions[chr(ord("A") + index)].width = min(60, width * 1.5)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
