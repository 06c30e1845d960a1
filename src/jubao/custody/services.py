"""Revealing a reporter's identity: request, the custodian's decision, and each opening.

Every step checks who acts and the request's current state before it changes anything, and writes
its ledger entry in the same transaction. Ledger payloads hold ids and states only: never the
identity, and never the reason (free text that may name people), which stays in this app's table.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jubao.accounts.models import User
from jubao.accounts.policies import policy
from jubao.cases.models import Case
from jubao.cases.selectors import case_get_for_user
from jubao.custody.models import (
    REASON_MAX_LENGTH,
    REASON_MIN_LENGTH,
    RevealRequest,
    RevealStatus,
)
from jubao.custody.selectors import request_get_for_custodian
from jubao.errors import DomainError, Forbidden
from jubao.intake.models import Report
from jubao.ledger.services import actor_ref, ledger_append, obj_ref
from jubao.vault.services import vault_open_many

IDENTITY_TABLE = "intake.report"
IDENTITY_FIELDS = ("name", "phone", "email")


def _clean_reason(reason: str) -> str:
    reason = reason.strip()
    if len(reason) < REASON_MIN_LENGTH:
        raise DomainError(
            _("Give a reason of at least %(count)d characters.") % {"count": REASON_MIN_LENGTH},
            field="reason",
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise DomainError(
            _("Keep the reason under %(count)d characters.") % {"count": REASON_MAX_LENGTH},
            field="reason",
        )
    return reason


@transaction.atomic
def reveal_request(*, case: Case, report: Report, requester: User, reason: str) -> RevealRequest:
    """Ask the identity custodian to reveal who filed `report` of `case`, giving a reason.

    Only case-handling staff may ask, only about cases in their jurisdiction, and only one request
    per report may wait at a time."""
    if not policy("identity.request").allows(requester):
        raise Forbidden(_("Your role may not ask for a reporter's identity."))
    case = case_get_for_user(requester, case.pk)
    if report.case_id != case.pk:
        raise DomainError(_("Choose a report of this case."), field="report")
    reason = _clean_reason(reason)
    try:
        with transaction.atomic():
            created = RevealRequest.objects.create(
                case=case, report=report, requester=requester, reason=reason
            )
    except IntegrityError:
        raise DomainError(
            _("You already have a request about this report waiting for the custodian."),
            code="duplicate",
        ) from None
    ledger_append(
        actor=actor_ref(requester),
        action="identity.request",
        ref=obj_ref(created),
        payload={"case": case.pk, "report": report.pk},
    )
    return created


@transaction.atomic
def reveal_decide(
    *, request: RevealRequest, custodian: User, approve: bool, note: str = ""
) -> RevealRequest:
    """The custodian approves or refuses a pending request; approval opens access to the
    requester for JUBAO_REVEAL_HOURS. A refusal needs a note for the requester."""
    if not policy("identity.reveal").allows(custodian):
        raise Forbidden(_("Only the identity custodian may decide on this request."))
    request_get_for_custodian(custodian, request.pk)  # NotFound outside the jurisdiction
    locked = RevealRequest.objects.select_for_update().get(pk=request.pk)
    if locked.requester_id == custodian.pk:
        raise Forbidden(_("You may not decide on your own request."), code="own_request")
    if locked.status != RevealStatus.PENDING:
        raise DomainError(_("This request has already been decided."), code="decided")
    note = note.strip()
    if not approve and not note:
        raise DomainError(_("Tell the requester why you refuse."), field="note")
    now = timezone.now()
    locked.status = RevealStatus.APPROVED if approve else RevealStatus.REFUSED
    locked.decided_by, locked.decided_at, locked.decision_note = custodian, now, note
    if approve:
        locked.expires_at = now + dt.timedelta(hours=settings.JUBAO_REVEAL_HOURS)
    locked.save()
    payload: dict[str, object] = {
        "case": locked.case_id,
        "report": locked.report_id,
        "requester": f"user:{locked.requester_id}",
    }
    if approve:
        payload["expires_at"] = locked.expires_at
    ledger_append(
        actor=actor_ref(custodian),
        action="identity.approve" if approve else "identity.refuse",
        ref=obj_ref(locked),
        payload=payload,
    )
    return locked


@transaction.atomic
def reveal_open(*, request: RevealRequest, user: User) -> dict[str, str | None]:
    """The reporter's name, phone and e-mail (None where not given), for the requester of an
    approved request until it expires. Every opening is written to the ledger."""
    current = RevealRequest.objects.select_related("report").get(pk=request.pk)
    if current.requester_id != user.pk or not policy("identity.request").allows(user):
        raise Forbidden(_("Only the person who asked may see this identity."))
    case_get_for_user(user, current.report.case_id)  # still in the requester's jurisdiction
    if current.status != RevealStatus.APPROVED:
        raise Forbidden(_("This request has not been approved."), code="not_approved")
    if not current.grants_access:
        raise Forbidden(_("Access to this identity has expired."), code="expired")
    ledger_append(
        actor=actor_ref(user),
        action="identity.open",
        ref=obj_ref(current.report),
        payload={"request": current.pk, "fields": list(IDENTITY_FIELDS)},
    )
    return vault_open_many(
        table=IDENTITY_TABLE, row=current.report.vault_ref, fields=IDENTITY_FIELDS
    )
