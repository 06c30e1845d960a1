"""Reading supervision records within the reader's jurisdiction.

Office staff (`oversight.view`) see the records of platforms registered in their jurisdiction; a
platform operator (`platform.work`) sees their own platform's problems only. Anything else is
"not found", the same answer as for a missing record.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from jubao.accounts.models import Platform, User
from jubao.accounts.policies import AnyUser, policy
from jubao.errors import NotFound
from jubao.oversight.models import (
    AWAITING_RECTIFICATION,
    InspectionPlan,
    Problem,
)


def platforms_for(user: AnyUser, action: str = "oversight.view") -> QuerySet[Platform]:
    return policy(action).scope(
        user, Platform.objects.select_related("jurisdiction"), "jurisdiction"
    )


def platform_get(user: AnyUser, pk: int, action: str = "oversight.view") -> Platform:
    found = platforms_for(user, action).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def plans_for(user: AnyUser, action: str = "oversight.view") -> QuerySet[InspectionPlan]:
    plans = InspectionPlan.objects.select_related("office", "created_by")
    return policy(action).scope(user, plans, "office")


def plan_get(user: AnyUser, pk: int, action: str = "oversight.view") -> InspectionPlan:
    found = plans_for(user, action).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def problems_for(
    user: AnyUser,
    action: str = "oversight.view",
    *,
    status: str = "",
    platform: int | None = None,
    overdue: bool = False,
    today: dt.date | None = None,
) -> QuerySet[Problem]:
    found = Problem.objects.select_related("platform", "finding")
    found = policy(action).scope(user, found, "platform__jurisdiction")
    if status:
        found = found.filter(status=status)
    if platform:
        found = found.filter(platform_id=platform)
    if overdue:
        today = today or timezone.localdate()
        found = found.filter(status__in=AWAITING_RECTIFICATION, deadline__lt=today)
    return found


def problem_get(user: AnyUser, pk: int, action: str = "oversight.view") -> Problem:
    found = problems_for(user, action).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def problems_of_operator(user: User) -> QuerySet[Problem]:
    """The problems of the operator's own platform (none for a user without a platform)."""
    if not policy("platform.work").allows(user) or user.platform_id is None:
        return Problem.objects.none()
    return Problem.objects.filter(platform_id=user.platform_id).select_related("platform")


def problem_get_for_operator(user: User, pk: int) -> Problem:
    found = problems_of_operator(user).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found
