"""GET /api/v1/cases: the staff queue as JSON, for the workbench's own scripts and for tools.

Staff authenticate with their workbench session (password and second factor) and see exactly
the cases of the HTML queue: same filters, same jurisdiction, same order, same pages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.security import SessionAuth

from jubao.accounts.models import User
from jubao.accounts.policies import policy, second_factor_passed
from jubao.api_errors import ErrorOut
from jubao.cases.models import Case
from jubao.cases.selectors import QueueFilters, case_queue, page_of, supervision_list


class StaffSession(SessionAuth):
    """A signed-in staff member who passed the second factor and may view cases."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if (
            isinstance(user, User)
            and user.is_active
            and second_factor_passed(user)
            and policy("cases.view").allows(user)
        ):
            return user
        return None


router = Router(tags=["cases"], auth=StaffSession(csrf=True))


class CaseOut(Schema):
    reference: str
    status: str
    item: str
    track: str
    priority: int
    office: str
    platform: str | None
    assignee: str | None
    opened_at: datetime
    due_at: datetime | None
    clock: str  # "", "warning" or "overdue"
    flags: list[str]


class QueueOut(Schema):
    page: int
    has_next: bool
    items: list[CaseOut]


class QueueQuery(Schema):
    status: str = ""
    track: str = ""
    item: str = ""
    platform: str = ""
    assigned: str = ""
    clock: str = ""
    q: str = ""
    page: int = 1


def _out(case: Case, now: datetime) -> CaseOut:
    clock = ""
    if case.due_at and case.due_at <= now:
        clock = "overdue"
    elif case.warn_at and case.warn_at <= now:
        clock = "warning"
    return CaseOut(
        reference=case.reference,
        status=case.status,
        item=case.item_code,
        track=case.track,
        priority=case.priority,
        office=case.jurisdiction.code,
        platform=case.platform.name if case.platform else None,
        assignee=case.assignee.get_username() if case.assignee else None,
        opened_at=case.opened_at,
        due_at=case.due_at,
        clock=clock,
        flags=list(case.flags),
    )


def _user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


@router.get(
    "/cases", response={200: QueueOut, 400: ErrorOut, 403: ErrorOut}, summary="The case queue"
)
def queue(request: HttpRequest, query: Query[QueueQuery]) -> QueueOut:
    """Open cases in the caller's jurisdiction by priority, 50 a page, with the queue filters."""
    now = timezone.now()
    filters = QueueFilters.from_query(query.dict())
    page = page_of(case_queue(_user(request), filters, now=now), query.page)
    return QueueOut(
        page=page.number, has_next=page.has_next, items=[_out(c, now) for c in page.items]
    )


@router.get(
    "/cases/supervision",
    response={200: QueueOut, 400: ErrorOut, 403: ErrorOut},
    summary="Late and nearly late cases",
)
def supervision(request: HttpRequest, page: int = 1) -> QueueOut:
    """Open cases past a deadline, then those past 75 % of a time limit (supervisors and
    auditors, like the supervision page)."""
    policy("cases.supervise").check(_user(request))
    now = timezone.now()
    found = page_of(supervision_list(_user(request), now=now), page)
    return QueueOut(
        page=found.number, has_next=found.has_next, items=[_out(c, now) for c in found.items]
    )
