"""Reading cases for staff: the same jurisdiction rule for the queue and for one case."""

from __future__ import annotations

from django.db.models import QuerySet

from jubao.accounts.models import User
from jubao.accounts.policies import policy
from jubao.cases.models import FINISHED, Case
from jubao.errors import NotFound


def cases_for_user(user: User) -> QuerySet[Case]:
    """Cases in the user's jurisdiction (the central office sees all)."""
    base = Case.objects.select_related("jurisdiction", "platform", "assignee")
    return policy("cases.view").scope(user, base, "jurisdiction")


def case_queue(user: User, *, status: str = "", track: str = "") -> QuerySet[Case]:
    """Open cases first by priority (minors and cyber-violence rank highest), then by age."""
    cases = cases_for_user(user)
    cases = cases.filter(status=status) if status else cases.exclude(status__in=FINISHED)
    if track:
        cases = cases.filter(track=track)
    return cases.order_by("priority", "opened_at")


def case_get_for_user(user: User, pk: int) -> Case:
    """One case, or the same NotFound for "missing" and "not yours"."""
    case = cases_for_user(user).filter(pk=pk).first()
    if case is None:
        raise NotFound()
    return case
