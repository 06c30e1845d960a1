"""Revealing a reporter's identity: request, the custodian's decision, and each opening.

A request either asks for the requester to see the identity, or (with a transfer) asks to send the
details the catalogue's `reporter_to_platform` lists to the platform of that transfer; the second
kind never shows anything to the requester.

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

from jubao.accounts.models import Platform, User
from jubao.accounts.policies import policy
from jubao.cases.models import Case
from jubao.cases.selectors import case_get_for_user
from jubao.catalogue import get_catalogue
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
from jubao.platforms.models import Transfer, TransferEvent
from jubao.platforms.services import platform_actor
from jubao.platforms.webhooks import webhook_enqueue
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


def details_for_platform(case: Case) -> tuple[str, ...]:
    """The reporter details the catalogue lets a platform receive for `case`'s item (may be
    none)."""
    return get_catalogue().item(case.item_code).reporter_to_platform


def _check_transfer(case: Case, transfer: Transfer) -> None:
    if transfer.case_id != case.pk:
        raise DomainError(_("Choose a transfer of this case."), field="transfer")
    if not details_for_platform(case):
        raise DomainError(
            _("The catalogue does not let platforms receive reporter details for this item."),
            code="not_needed",
            field="transfer",
        )
    if not transfer.is_open:
        raise DomainError(_("This transfer is already closed."), code="closed", field="transfer")


@transaction.atomic
def reveal_request(
    *,
    case: Case,
    report: Report,
    requester: User,
    reason: str,
    transfer: Transfer | None = None,
) -> RevealRequest:
    """Ask the identity custodian to reveal who filed `report` of `case`, giving a reason; with
    `transfer`, ask to send the details the catalogue lists to that transfer's platform instead.

    Only case-handling staff may ask, only about cases in their jurisdiction, and only one request
    per report (and per transfer) may wait at a time."""
    if not policy("identity.request").allows(requester):
        raise Forbidden(_("Your role may not ask for a reporter's identity."))
    case = case_get_for_user(requester, case.pk)
    if report.case_id != case.pk:
        raise DomainError(_("Choose a report of this case."), field="report")
    if transfer is not None:
        _check_transfer(case, transfer)
    reason = _clean_reason(reason)
    try:
        with transaction.atomic():
            created = RevealRequest.objects.create(
                case=case, report=report, requester=requester, reason=reason, transfer=transfer
            )
    except IntegrityError:
        raise DomainError(
            _("A request about this report is already waiting for the custodian."),
            code="duplicate",
        ) from None
    payload: dict[str, object] = {"case": case.pk, "report": report.pk}
    if transfer is not None:
        payload["transfer"] = transfer.pk
    ledger_append(
        actor=actor_ref(requester),
        action="identity.share_request" if transfer else "identity.request",
        ref=obj_ref(created),
        payload=payload,
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
    transfer = locked.transfer
    if approve and transfer is not None and not transfer.is_open:
        raise DomainError(_("This transfer is already closed."), code="closed")
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
    if transfer is not None:
        payload["transfer"] = transfer.pk
    ledger_append(
        actor=actor_ref(custodian),
        action="identity.approve" if approve else "identity.refuse",
        ref=obj_ref(locked),
        payload=payload,
    )
    if approve and transfer is not None:
        _tell_platform(transfer, locked)
    return locked


def _tell_platform(transfer: Transfer, share: RevealRequest) -> None:
    """Note on the transfer that reporter details wait for the platform, and tell it by webhook
    (the webhook says only that they are there: the platform fetches them, signed)."""
    TransferEvent.objects.create(
        transfer=transfer,
        kind="reporter_shared",
        data={"until": share.expires_at.isoformat() if share.expires_at else None},
    )
    webhook_enqueue(
        platform=transfer.platform,
        event="transfer.reporter_shared",
        body={"transfer": str(transfer.public_id), "status": transfer.status},
        key=f"transfer.reporter_shared:{transfer.public_id}:{share.pk}",
    )


@transaction.atomic
def reveal_open(*, request: RevealRequest, user: User) -> dict[str, str | None]:
    """The reporter's name, phone and e-mail (None where not given), for the requester of an
    approved request until it expires. Every opening is written to the ledger."""
    current = RevealRequest.objects.select_related("report").get(pk=request.pk)
    if current.requester_id != user.pk or not policy("identity.request").allows(user):
        raise Forbidden(_("Only the person who asked may see this identity."))
    if current.transfer_id is not None:
        raise Forbidden(
            _("This request sends the details to a platform; it does not show them to you."),
            code="for_platform",
        )
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


def shares_open(transfers: list[Transfer]) -> set[int]:
    """The ids of `transfers` whose platform may read reporter details now."""
    return set(
        RevealRequest.objects.filter(
            transfer__in=transfers, status=RevealStatus.APPROVED, expires_at__gt=timezone.now()
        ).values_list("transfer_id", flat=True)
    )


@transaction.atomic
def reporter_for_platform(
    *, transfer: Transfer, platform: Platform, by: User | None = None
) -> tuple[list[dict[str, str | None]], dt.datetime]:
    """The details the catalogue lists, of each report whose sharing with `transfer`'s platform
    the custodian approved, with the time the approval ends. Only that platform, only while the
    transfer is open and the approval lasts; every reading is written to the ledger."""
    if transfer.platform_id != platform.pk:
        raise Forbidden(_("This transfer is not for your platform."))
    if not transfer.is_open:
        raise Forbidden(_("This transfer is already closed."), code="closed")
    approved = RevealRequest.objects.select_related("report").filter(
        transfer=transfer, status=RevealStatus.APPROVED, expires_at__gt=timezone.now()
    )
    # One entry per report, even when a later request approved the same report again.
    shares = list({share.report_id: share for share in approved.order_by("expires_at")}.values())
    fields = details_for_platform(transfer.case)
    if not shares or not fields:
        raise Forbidden(
            _("No reporter details were approved for this transfer."), code="not_shared"
        )
    out = []
    for share in shares:
        ledger_append(
            actor=platform_actor(platform, by),
            action="identity.platform_open",
            ref=obj_ref(share.report),
            payload={"request": share.pk, "transfer": transfer.pk, "fields": list(fields)},
        )
        out.append(vault_open_many(table=IDENTITY_TABLE, row=share.report.vault_ref, fields=fields))
    until = min(share.expires_at for share in shares if share.expires_at is not None)
    return out, until
