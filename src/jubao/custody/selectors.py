"""Reading reveal requests: the custodian sees their jurisdiction's, a requester only their own.

Both single-record readers give the same NotFound for "missing" and "not yours".
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from jubao.accounts.models import User
from jubao.accounts.policies import policy
from jubao.cases.models import Case
from jubao.custody.models import RevealRequest, RevealStatus
from jubao.errors import NotFound


def requests_for_custodian(user: User) -> QuerySet[RevealRequest]:
    """Requests about reports whose case lies in the custodian's jurisdiction."""
    base = RevealRequest.objects.select_related(
        "report__case", "requester__office", "decided_by", "transfer__platform"
    )
    return policy("identity.reveal").scope(user, base, "report__case__jurisdiction")


def requests_pending(user: User) -> QuerySet[RevealRequest]:
    """The custodian's queue, oldest first."""
    pending = requests_for_custodian(user).filter(status=RevealStatus.PENDING)
    return pending.order_by("requested_at", "pk")


def request_get_for_custodian(user: User, pk: int) -> RevealRequest:
    found = requests_for_custodian(user).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def requests_of_requester(user: User, case: Case) -> QuerySet[RevealRequest]:
    """The user's own requests about reports of `case` (made from it, or merged into it)."""
    mine = RevealRequest.objects.filter(requester=user).select_related(
        "report", "transfer__platform"
    )
    return mine.filter(Q(case=case) | Q(report__case=case)).distinct()


def request_get_for_requester(user: User, pk: int) -> RevealRequest:
    found = RevealRequest.objects.select_related("report").filter(requester=user, pk=pk).first()
    if found is None:
        raise NotFound()
    return found
