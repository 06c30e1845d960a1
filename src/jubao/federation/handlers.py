"""What a message from a peer does here, kind by kind, and what a peer's receipt does to ours.

`message_apply` runs in one transaction with the inbox row that makes it happen once: a message
applied is never applied again, and a message refused changes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jubao.accounts.models import Office
from jubao.cases.models import FINISHED, Case, CaseStatus
from jubao.errors import DomainError
from jubao.federation import tree
from jubao.federation.models import (
    Direction,
    Fingerprint,
    InMessage,
    Link,
    OutMessage,
    Peer,
    RolledUpFigure,
)
from jubao.federation.protocol import EnvelopeConflict, EnvelopeError, digest, encode
from jubao.federation.services import UNSETTLED, hop_due, tell_origins
from jubao.intake.drafts import Draft
from jubao.intake.models import EventKind, ReportEvent, ReportStatus
from jubao.ledger.services import ledger_append, obj_ref

MAX_ITEMS = 500


class UnknownCase(DomainError):
    status = 404

    def __init__(self) -> None:
        super().__init__(_("No case here matches this message."), code="unknown_case")


def _need(data: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = data.get(name)
    if not isinstance(value, kind):
        raise EnvelopeError()
    return value


def _uuid(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise EnvelopeError() from None


def _moment(value: Any) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        raise EnvelopeError() from None
    if moment.tzinfo is None:
        raise EnvelopeError()
    return moment


def _actor(peer: Peer) -> str:
    return f"peer:{peer.code}"


# --- a case arrives --------------------------------------------------------------------------


def _draft(report: dict[str, Any], item: str) -> Draft:
    targets = _need(report, "targets", list)
    if not all(isinstance(t, dict) for t in targets):
        raise EnvelopeError()
    return Draft(
        item_code=item,
        reporter_role=str(_need(report, "reporter_role", str)),
        description=str(_need(report, "description", str)),
        targets=tuple({str(k): str(v) for k, v in t.items()} for t in targets),
        truthful=True,
        for_minor=bool(report.get("for_minor")),
        for_elderly=bool(report.get("for_elderly")),
        for_disabled=bool(report.get("for_disabled")),
        channel=str(report.get("channel") or "web"),
    )


def _office(code: Any) -> Office | None:
    """The office named by the sender if this instance serves it; else None (our own office)."""
    office = Office.objects.filter(code=str(code)).first()
    if office is None or not tree.served_here(office.code):
        return None
    return office


def _open_here(case_id: Any) -> Case | None:
    if not case_id:
        return None
    return (
        Case.objects.select_for_update()
        .filter(public_id=_uuid(case_id))
        .exclude(status__in=FINISHED)
        .first()
    )


def case_receive(peer: Peer, body: dict[str, Any]) -> dict[str, Any]:
    """A case transferred (or a report joining a case) from `peer`: its reports are stored as
    filed there, without the reporter's contact, in the case named by `join` if it is still
    open here, else in an open case about the same targets, else in a new case."""
    from jubao.intake.services import report_accept_forwarded

    head = _need(body, "case", dict)
    remote = _uuid(head.get("id"))
    reports = _need(body, "reports", list)
    if not reports or len(reports) > MAX_ITEMS:
        raise EnvelopeError()
    item = str(head.get("item", ""))
    office = _office(head.get("office"))
    case = _open_here(body.get("join"))
    joined = case is not None
    for report in reports:
        if not isinstance(report, dict):
            raise EnvelopeError()
        draft = _draft(report, item)
        missing = [str(k) for k in report.get("missing_evidence") or []]
        sub = report_accept_forwarded(
            draft=draft, office=office, into=case, missing_evidence=missing, actor=_actor(peer)
        )
        joined = joined or sub.joined_existing_case
        case = sub.report.case
    assert case is not None
    now = timezone.now()
    link = Link.objects.create(
        direction=Direction.IN,
        case=case,
        peer=peer,
        remote_case=remote,
        remote_reference=str(head.get("reference", ""))[:32],
        office_code=case.jurisdiction.code,
        joined=joined,
        due_at=hop_due(case.item_code, now),
        acknowledged_at=now,
        settled_at=None if case.status in UNSETTLED else now,
    )
    ledger_append(
        actor=_actor(peer),
        action="federation.receive",
        ref=obj_ref(case),
        payload={"link": link.pk, "joined": joined, "reports": len(reports)},
    )
    if case.status not in UNSETTLED:
        # Joined a case already under way: the instance it came from hears where it stands.
        tell_origins(case=case, status=case.status, message="", at=now, answer=False)
    return {
        "case": str(case.public_id),
        "reference": case.reference,
        "joined": joined,
        "status": case.status,
    }


# --- status and answers come back ------------------------------------------------------------


def status_receive(peer: Peer, body: dict[str, Any], *, answer: bool) -> dict[str, Any]:
    """The case we forwarded moved at `peer`: tell our reporters, and pass it on to where the
    case came from before us, if it did."""
    from jubao.cases.services import case_tell_reporters

    status = str(body.get("status", ""))
    if status not in CaseStatus.values:
        raise EnvelopeError()
    at = _moment(body.get("at"))
    message = str(body.get("message", ""))[:4000]
    link = (
        Link.objects.select_for_update()
        .select_related("case")
        .filter(direction=Direction.OUT, peer=peer, case__public_id=_uuid(body.get("case")))
        .order_by("-sent_at")
        .first()
    )
    if link is None:
        raise UnknownCase()
    if link.remote_status_at is not None and at <= link.remote_status_at:
        return {"applied": False}
    fields = ["remote_status", "remote_status_at"]
    link.remote_status, link.remote_status_at = status, at
    if status not in UNSETTLED and link.settled_at is None:
        link.settled_at = timezone.now()
        fields.append("settled_at")
    if answer and link.answered_at is None:
        link.answered_at = timezone.now()
        fields.append("answered_at")
    if body.get("reference") and not link.remote_reference:
        link.remote_reference = str(body["reference"])[:32]
        fields.append("remote_reference")
    link.save(update_fields=fields)
    case_tell_reporters(case=link.case, status=status, message=message)
    ledger_append(
        actor=_actor(peer),
        action="federation.answer" if answer else "federation.status",
        ref=obj_ref(link.case),
        payload={"link": link.pk, "status": status},
    )
    tell_origins(case=link.case, status=status, message=message, at=at, answer=answer)
    return {"applied": True}


# --- fingerprints and figures ----------------------------------------------------------------


def announce_receive(peer: Peer, body: dict[str, Any]) -> dict[str, Any]:
    """A peer's open (or closed) cases and their fingerprints replace what we knew of them."""
    cases = _need(body, "cases", list)
    if len(cases) > MAX_ITEMS:
        raise EnvelopeError()
    stored = 0
    for entry in cases:
        if not isinstance(entry, dict):
            raise EnvelopeError()
        remote = _uuid(entry.get("case"))
        opened = _moment(entry.get("opened")) if entry.get("opened") else None
        values = [str(v)[:64] for v in entry.get("fingerprints") or []][:MAX_ITEMS]
        Fingerprint.objects.filter(peer=peer, remote_case=remote).delete()
        if entry.get("open"):
            Fingerprint.objects.bulk_create(
                Fingerprint(
                    value=v,
                    peer=peer,
                    remote_case=remote,
                    office_code=str(entry.get("office", ""))[:6],
                    opened_at=opened,
                )
                for v in sorted(set(values))
            )
            stored += len(set(values))
    return {"stored": stored}


def query_receive(peer: Peer, body: dict[str, Any]) -> dict[str, Any]:
    """Which of the given fingerprints belong to an open case here."""
    values = [str(v) for v in _need(body, "fingerprints", list)][:MAX_ITEMS]
    found = (
        Fingerprint.objects.filter(peer__isnull=True, open=True, value__in=values)
        .exclude(case__status__in=FINISHED)
        .select_related("case")
    )
    return {
        "matches": [
            {
                "fingerprint": f.value,
                "case": str(f.case.public_id),
                "office": f.office_code,
                "status": f.case.status,
            }
            for f in found
            if f.case is not None
        ]
    }


def rollup_receive(peer: Peer, body: dict[str, Any]) -> dict[str, Any]:
    """Figures from an instance below us, day by day; a newer roll-up replaces an older one."""
    if tree.relation(peer.code) != "child":
        raise EnvelopeError()
    sent = _moment(body.get("sent"))
    days = _need(body, "days", dict)
    stored = 0
    for day, figures in list(days.items())[:MAX_ITEMS]:
        try:
            date = dt.date.fromisoformat(str(day))
        except ValueError:
            raise EnvelopeError() from None
        if not isinstance(figures, dict):
            raise EnvelopeError()
        clean = {str(k): int(v) for k, v in figures.items() if isinstance(v, int)}
        row = RolledUpFigure.objects.filter(peer=peer, day=date).first()
        if row is None:
            RolledUpFigure.objects.create(peer=peer, day=date, figures=clean, sent_at=sent)
        elif row.sent_at < sent:
            row.figures, row.sent_at = clean, sent
            row.save(update_fields=["figures", "sent_at"])
        stored += 1
    return {"days": stored}


HANDLERS: dict[str, Callable[[Peer, dict[str, Any]], dict[str, Any]]] = {
    "case.transfer": case_receive,
    "report.join": case_receive,
    "case.status": lambda peer, body: status_receive(peer, body, answer=False),
    "case.answer": lambda peer, body: status_receive(peer, body, answer=True),
    "fingerprint.announce": announce_receive,
    "fingerprint.query": query_receive,
    "figures.rollup": rollup_receive,
}


def message_apply(peer: Peer, data: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Apply a verified envelope once. Returns (the result, True) the first time and (the
    first result, False) for the same message again; a different body under a used id raises
    EnvelopeConflict. A handler's DomainError rolls everything back."""
    message_id = _uuid(data["id"])
    body_digest = digest(encode(data))
    earlier = InMessage.objects.filter(sender=peer, message_id=message_id).first()
    if earlier is None:
        try:
            with transaction.atomic():
                row = InMessage.objects.create(
                    sender=peer, message_id=message_id, kind=data["kind"], digest=body_digest
                )
                row.result = HANDLERS[data["kind"]](peer, data["body"])
                row.save(update_fields=["result"])
                return row.result, True
        except IntegrityError:
            # The same message, delivered twice at once: the other delivery applied it.
            earlier = InMessage.objects.filter(sender=peer, message_id=message_id).first()
            if earlier is None:
                raise
    if earlier.digest != body_digest:
        raise EnvelopeConflict()
    return earlier.result, False


# --- receipts of our own messages ------------------------------------------------------------


def on_receipt(row: OutMessage, result: dict[str, Any]) -> None:
    """A peer acknowledged a transfer or join of ours: note where the case is there."""
    if row.kind not in ("case.transfer", "report.join"):
        return
    case_id = row.envelope["body"]["case"]["id"]
    link = (
        Link.objects.select_for_update()
        .select_related("case")
        .filter(direction=Direction.OUT, peer=row.peer, case__public_id=case_id)
        .order_by("-sent_at")
        .first()
    )
    if link is None or link.acknowledged_at is not None:
        return
    link.acknowledged_at = timezone.now()
    try:
        link.remote_case = uuid.UUID(str(result.get("case")))
    except ValueError:
        link.remote_case = None
    link.remote_reference = str(result.get("reference", ""))[:32]
    link.joined = bool(result.get("joined"))
    link.save(update_fields=["acknowledged_at", "remote_case", "remote_reference", "joined"])
    if link.joined:
        reports = link.case.reports.exclude(status=ReportStatus.WITHDRAWN)
        ReportEvent.objects.bulk_create(
            ReportEvent(report=r, kind=EventKind.JOINED, params={"case": link.remote_reference})
            for r in reports
        )
