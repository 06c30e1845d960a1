"""What the reporter sees with the receipt: status, missing proof and the timeline of answers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from jubao.cases.models import CaseStatus
from jubao.catalogue import get_catalogue
from jubao.intake.models import EventKind, Report, ReportEvent, ReportStatus


@dataclass(frozen=True)
class Line:
    at: dt.datetime
    kind: str
    title: str
    text: str
    from_reporter: bool


@dataclass(frozen=True)
class StatusView:
    reference: str
    item: str
    status: str
    status_label: str
    submitted_at: dt.datetime
    missing_evidence: list[str]
    evidence_count: int
    can_add: bool
    can_evaluate: bool
    lines: list[Line]


def _evidence_names(codes: list[str]) -> list[str]:
    kinds = get_catalogue().vocabulary.evidence_kinds
    return [str(kinds[c].name) if c in kinds else c for c in codes]


def _item_name(code: str) -> str:
    try:
        return str(get_catalogue().item(code).name)
    except KeyError:
        return code


def _text(event: ReportEvent) -> str:
    params = event.params or {}
    if event.kind == EventKind.RECEIVED:
        return _("Your report %(reference)s was received and is waiting for acceptance.") % params
    if event.kind == EventKind.JOINED:
        return _(
            "Others reported the same content. Your report joined that case, so it is "
            "accepted and handled once, together."
        )
    if event.kind == EventKind.EVIDENCE_MISSING:
        names = "、".join(_evidence_names(params.get("kinds", [])))
        return _("Proof still missing: %(names)s. Add it with your receipt code.") % {
            "names": names
        }
    if event.kind == EventKind.EVIDENCE_ADDED:
        return _("%(count)d file(s) added.") % {"count": params.get("count", 0)}
    if event.kind == EventKind.STATUS:
        status = str(CaseStatus(params["status"]).label) if "status" in params else ""
        return "：".join(part for part in (status, event.body) if part)
    if event.kind == EventKind.EVALUATED:
        return _("You rated the result %(score)d of 5.") % {"score": params.get("score", 0)}
    return event.body


def status_view(report: Report) -> StatusView:
    """Everything the receipt page and the receipt API show, translated."""
    from jubao.federation.services import remote_status

    case = report.case
    withdrawn = report.status == ReportStatus.WITHDRAWN
    # Federation hook: a case forwarded to another instance shows the status it has there.
    case_status = remote_status(case) or case.status
    status = ReportStatus.WITHDRAWN.value if withdrawn else case_status
    label = ReportStatus.WITHDRAWN.label if withdrawn else CaseStatus(case_status).label
    events = report.events.filter(public=True).order_by("at", "pk")
    lines = [
        Line(e.at, e.kind, str(EventKind(e.kind).label), _text(e), e.kind == EventKind.MESSAGE_IN)
        for e in events
    ]
    return StatusView(
        reference=report.reference,
        item=_item_name(report.item_code),
        status=status,
        status_label=str(label),
        submitted_at=report.submitted_at,
        missing_evidence=_evidence_names(report.missing_evidence),
        evidence_count=report.evidence.count(),
        can_add=not withdrawn and case.is_open,
        can_evaluate=case.status in {"answered", "closed"} and not hasattr(report, "evaluation"),
        lines=lines,
    )


def timeline_add_for_case(case_id: int, *, kind: str, body: str) -> None:
    """The same line on the timeline of every active report of a case (measures, platforms)."""
    reports = Report.objects.filter(case_id=case_id).exclude(status=ReportStatus.WITHDRAWN)
    ReportEvent.objects.bulk_create(ReportEvent(report=r, kind=kind, body=body) for r in reports)
