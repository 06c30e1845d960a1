"""Federation services: forwarding a case to the instance that serves its office, telling the
instance a case came from about every change, and the timing of each hop.

Every write here runs inside the transaction of the change that causes it and queues its
message in the outbox (`outbox.message_enqueue`), so a change and its message commit together.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from jubao.analysis.pii import redact
from jubao.cases.deadlines import due_at
from jubao.cases.models import Case, CaseStatus
from jubao.catalogue import Stage, TimeLimit, TimeUnit, get_catalogue
from jubao.errors import DomainError
from jubao.federation import fingerprints, protocol, tree
from jubao.federation.models import Direction, Link, Peer
from jubao.federation.outbox import message_enqueue, post
from jubao.intake.models import Report, ReportStatus
from jubao.ledger.services import ledger_append, obj_ref

# A hop is settled once the receiving office has done anything but wait.
UNSETTLED = frozenset({CaseStatus.PENDING})


def hop_due(item_code: str, now: datetime) -> datetime:
    """When the receiving office must have accepted or refused a forwarded case: the item's
    acceptance limit from the catalogue, or JUBAO_FEDERATION_HOP_DAYS working days if set."""
    if settings.JUBAO_FEDERATION_HOP_DAYS:
        limit = TimeLimit(settings.JUBAO_FEDERATION_HOP_DAYS, TimeUnit.DAYS)
    else:
        limit = get_catalogue().item(item_code).time_limit(Stage.ACCEPTANCE)
    return due_at(now, limit).at


def _report_payload(report: Report) -> dict[str, Any]:
    """What the disposing office needs of one report; never who filed it or how to reach them.
    The reporter's own account and the quoted excerpts are masked (`jubao.analysis.pii`)."""
    targets = [
        {k: redact(str(v)) if k == "excerpt" else str(v) for k, v in t.fields.items()}
        for t in report.targets.all()
    ]
    return {
        "reference": report.reference,
        "channel": report.channel,
        "reporter_role": report.reporter_role,
        "for_minor": report.for_minor,
        "for_elderly": report.for_elderly,
        "for_disabled": report.for_disabled,
        "description": redact(report.description),
        "targets": targets,
        "missing_evidence": list(report.missing_evidence),
        "evidence": [
            {"kind": e.kind, "sha256": e.sha256, "size": e.size, "media_type": e.media_type}
            for e in report.evidence.all()
        ],
        "submitted_at": report.submitted_at.isoformat(),
    }


def case_payload(case: Case, office_code: str) -> dict[str, Any]:
    reports = case.reports.exclude(status=ReportStatus.WITHDRAWN).order_by("submitted_at", "pk")
    return {
        "case": {
            "id": str(case.public_id),
            "reference": case.reference,
            "item": case.item_code,
            "office": office_code,
            "opened_at": case.opened_at.isoformat(),
        },
        "reports": [_report_payload(r) for r in reports],
        "fingerprints": fingerprints.of_case(case),
    }


def _join_target(case: Case, peer: Peer) -> str | None:
    """An open case at `peer` about the same content, opened before ours: ours joins it."""
    from jubao.federation.models import Fingerprint

    match = (
        Fingerprint.objects.filter(
            peer=peer,
            open=True,
            value__in=fingerprints.of_case(case),
            remote_case__isnull=False,
            opened_at__lt=case.opened_at,
        )
        .order_by("opened_at")
        .first()
    )
    return str(match.remote_case) if match else None


def case_forward(*, case: Case, peer: Peer, office_code: str, actor: str) -> Link:
    """Send `case` (just transferred to `office_code`, which `peer` serves) to `peer`: as a
    join when the peer announced an open case about the same content, else as a transfer.
    Called inside the transfer's transaction."""
    now = timezone.now()
    body = case_payload(case, office_code)
    join = _join_target(case, peer)
    if join:
        body["join"] = join
    link = Link.objects.create(
        direction=Direction.OUT,
        case=case,
        peer=peer,
        office_code=office_code,
        due_at=hop_due(case.item_code, now),
    )
    message = message_enqueue(peer=peer, kind="report.join" if join else "case.transfer", body=body)
    ledger_append(
        actor=actor,
        action="federation.forward",
        ref=obj_ref(case),
        payload={"peer": peer.code, "office": office_code, "message": str(message.message_id)},
    )
    return link


def tell_origins(*, case: Case, status: str, message: str, at: datetime, answer: bool) -> int:
    """Queue the case's new status (and the answer's text) for every instance the case came
    from, so each tells its reporters. Returns how many were queued."""
    sent = 0
    for link in Link.objects.filter(direction=Direction.IN, case=case).select_related("peer"):
        if status not in UNSETTLED and link.settled_at is None:
            link.settled_at = at
            link.save(update_fields=["settled_at"])
        if answer and link.answered_at is None:
            link.answered_at = at
            link.save(update_fields=["answered_at"])
        message_enqueue(
            peer=link.peer,
            kind="case.answer" if answer else "case.status",
            body={
                "case": str(link.remote_case),
                "status": status,
                "message": message,
                "at": at.isoformat(),
                "reference": case.reference,
            },
        )
        sent += 1
    return sent


def on_case_move(*, case: Case, move: str, record: dict[str, Any], message: str) -> None:
    """Called by `case_transition` after every move, in its transaction: a transfer to an
    office another instance serves forwards the case there; every move of a case that came
    from another instance is reported back to it."""
    from jubao.cases.workflow import Move

    now = timezone.now()
    office_code = record.get("office")
    if move == Move.TRANSFER and isinstance(office_code, str):
        peer = tree.route(office_code)
        if peer is not None:
            case_forward(case=case, peer=peer, office_code=office_code, actor="system")
    tell_origins(case=case, status=case.status, message=message, at=now, answer=move == Move.ANSWER)


def remote_status(case: Case) -> str:
    """The status of the case at the instance handling it, for a case forwarded from here
    ("" when it was not forwarded or nothing came back yet)."""
    found = (
        Link.objects.filter(direction=Direction.OUT, case=case)
        .exclude(remote_status="")
        .order_by("-sent_at", "-pk")
        .values_list("remote_status", flat=True)
        .first()
    )
    return found or ""


def fingerprints_query(*, peer: Peer, values: list[str]) -> list[dict[str, Any]]:
    """Ask `peer` now (not through the outbox: nothing changes there) which of the fingerprints
    `values` belong to an open case it handles; the matches, as its signed receipt gives them."""
    data = protocol.envelope(peer=peer, kind="fingerprint.query", body={"fingerprints": values})
    receipt, error = post(peer, data)
    if receipt is None:
        raise DomainError(
            _("The peer instance did not answer (%(error)s).") % {"error": error},
            code="peer_unavailable",
        )
    return list((receipt.get("result") or {}).get("matches") or [])
