"""The monthly statistics report as a PDF, with a CJK font embedded so that Chinese shows and
extracts on any reader.

The font is `settings.JUBAO_PDF_FONT` (default: Noto Sans CJK from Debian's fonts-noto-cjk);
in a font collection (.ttc) the face `JUBAO_PDF_FONT_INDEX` is used (default 2, Simplified
Chinese in Noto Sans CJK)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF, FontFace

DEFAULT_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FAMILY = "jubao-cjk"


class FontMissing(Exception):
    """The configured PDF font file does not exist."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def font_path() -> str:
    return str(getattr(settings, "JUBAO_PDF_FONT", DEFAULT_FONT))


def _pdf() -> FPDF:
    path = font_path()
    if not Path(path).is_file():
        raise FontMissing(path)
    pdf = FPDF(format="A4")
    number = int(getattr(settings, "JUBAO_PDF_FONT_INDEX", 2))
    if path.lower().endswith((".ttc", ".otc")):
        pdf.add_font(FAMILY, fname=path, collection_font_number=number)
    else:
        pdf.add_font(FAMILY, fname=path)
    pdf.set_font(FAMILY, size=11)
    pdf.set_auto_page_break(auto=True, margin=15)
    return pdf


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} %"


def _table(pdf: FPDF, headings: list[str], rows: list[list[Any]]) -> None:
    pdf.set_font(FAMILY, size=10)
    with pdf.table(
        headings_style=FontFace(emphasis=None, fill_color=(230, 233, 240)),
        line_height=7,
        text_align="LEFT",
        first_row_as_headings=True,
    ) as table:
        for values in [headings, *rows]:
            row = table.row()
            for value in values:
                row.cell(str(value))
    pdf.ln(4)
    pdf.set_font(FAMILY, size=11)


def _heading(pdf: FPDF, text: str) -> None:
    pdf.set_font(FAMILY, size=14)
    pdf.cell(0, 10, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=11)


def monthly_report(
    month: date,
    scope: str,
    totals: dict[str, Any],
    items: list[dict[str, Any]],
    channels: list[dict[str, Any]],
    measures: list[dict[str, Any]],
    offenders: list[dict[str, Any]],
) -> bytes:
    """The month's report: totals and rates, the top report items, channels and measures."""
    pdf = _pdf()
    title = _("Monthly statistics report %(month)s") % {"month": f"{month:%Y-%m}"}
    pdf.set_title(title)
    pdf.set_creator("jubao")
    pdf.add_page()
    pdf.set_font(FAMILY, size=18)
    pdf.cell(0, 12, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=11)
    pdf.cell(0, 8, _("Jurisdiction: %(scope)s") % {"scope": scope}, new_x="LMARGIN", new_y="NEXT")
    made = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    pdf.cell(0, 8, _("Made on %(when)s") % {"when": made}, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    _heading(pdf, _("Volumes and rates"))
    mean = totals["mean_handling_days"]
    _table(
        pdf,
        [_("Figure"), _("Value")],
        [
            [_("Reports received"), totals["received"]],
            [_("Cases opened"), totals["opened"]],
            [_("Cases accepted"), totals["accepted"]],
            [_("Cases not accepted"), totals["not_accepted"]],
            [_("Acceptance rate"), _percent(totals["acceptance_rate"])],
            [_("Cases disposed of"), totals["disposed"]],
            [_("Disposal rate"), _percent(totals["disposal_rate"])],
            [_("Cases answered"), totals["answered"]],
            [_("On-time rate"), _percent(totals["on_time_rate"])],
            [_("Mean time to answer (days)"), "—" if mean is None else f"{mean:.1f}"],
            [_("Measures ordered"), totals["measures"]],
            [_("Repeat offenders"), len(offenders)],
        ],
    )
    _heading(pdf, _("Top report items"))
    if items:
        _table(
            pdf,
            [_("Report item"), _("Reports received")],
            [[r["label"], r["received"]] for r in items[:10]],
        )
    else:
        pdf.cell(0, 8, _("No reports in this month."), new_x="LMARGIN", new_y="NEXT")
    _heading(pdf, _("Channels"))
    if channels:
        _table(
            pdf,
            [_("Channel"), _("Reports received")],
            [[r["label"], r["received"]] for r in channels],
        )
    else:
        pdf.cell(0, 8, _("No reports in this month."), new_x="LMARGIN", new_y="NEXT")
    _heading(pdf, _("Measures"))
    if measures:
        _table(
            pdf,
            [_("Measure"), _("Measures ordered")],
            [[r["label"], r["measures"]] for r in measures],
        )
    else:
        pdf.cell(0, 8, _("No measures in this month."), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
