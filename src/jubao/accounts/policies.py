"""Access policies: the one place that says who may do what, and over which records.

Every view, API operation and queue asks here. A policy both answers "may this user?" and narrows
a queryset to the user's jurisdiction, so lists and single records follow the same rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from jubao.accounts.models import OFFICE_ROLES, SECOND_FACTOR_ROLES, Office, Role, User
from jubao.errors import Forbidden

M = TypeVar("M", bound=Model)
AnyUser = User | AnonymousUser


def roles_of(user: AnyUser) -> frozenset[str]:
    """The role codes a user holds, cached on the user object for the request."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_jubao_roles", None)
    if cached is None:
        cached = frozenset(user.role_grants.values_list("role", flat=True))
        user.__dict__["_jubao_roles"] = cached
    return cached


def has_role(user: AnyUser, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def approver_level(user: AnyUser) -> int:
    """The approval level of an approver (0 for everyone else)."""
    if not has_role(user, Role.APPROVER):
        return 0
    grant = user.role_grants.filter(role=Role.APPROVER).first()  # type: ignore[union-attr]
    return grant.level if grant else 0


def needs_second_factor(user: AnyUser) -> bool:
    return settings.JUBAO_REQUIRE_2FA and has_role(user, *SECOND_FACTOR_ROLES)


def second_factor_passed(user: AnyUser) -> bool:
    verified = getattr(user, "is_verified", None)
    return not needs_second_factor(user) or bool(verified and verified())


@dataclass(frozen=True)
class Policy:
    """Who may perform an action, and how far their jurisdiction reaches."""

    action: str
    roles: frozenset[str]
    # Jurisdiction limits staff of a provincial or city office to the offices below them.
    by_jurisdiction: bool = True

    def allows(self, user: AnyUser) -> bool:
        return user.is_authenticated and bool(roles_of(user) & self.roles)

    def check(self, user: AnyUser) -> None:
        if not self.allows(user):
            raise Forbidden(_("You do not have permission to do this."))

    def scope(self, user: AnyUser, queryset: QuerySet[M], office_path: str) -> QuerySet[M]:
        """Narrow `queryset` to the records this user may see.

        `office_path` is the lookup from the queryset's model to an Office ("" for Office itself),
        or the name of an alias on the queryset that holds an office id.
        """
        if not self.allows(user):
            return queryset.none()
        if not self.by_jurisdiction:
            return queryset
        office = getattr(user, "office", None)
        if office is None:
            return queryset.none()
        prefix = office.scope_prefix
        if not prefix:  # the central office sees every jurisdiction
            return queryset
        if not office_path:
            return queryset.filter(code__startswith=prefix)
        # A subquery on the small office table rather than a join: the large table is then
        # filtered on its indexed office column.
        offices = Office.objects.filter(code__startswith=prefix).values("pk")
        return queryset.filter(**{f"{office_path}__in": offices})


def _policy(action: str, roles: Iterable[str], **kwargs: Any) -> Policy:
    return Policy(action=action, roles=frozenset(roles), **kwargs)


POLICIES: dict[str, Policy] = {
    p.action: p
    for p in [
        _policy("workbench.view", OFFICE_ROLES | {Role.PLATFORM}, by_jurisdiction=False),
        _policy("offices.view", OFFICE_ROLES),
        _policy("platforms.view", OFFICE_ROLES),
        _policy("users.manage", {Role.ADMIN}),
        _policy("ledger.view", {Role.AUDITOR, Role.SUPERVISOR, Role.ADMIN}, by_jurisdiction=False),
        _policy("identity.reveal", {Role.CUSTODIAN}),
        _policy("identity.request", OFFICE_ROLES - {Role.AUDITOR, Role.CUSTODIAN}),
        _policy("reports.enter", {Role.INTAKE}, by_jurisdiction=False),
        _policy("cases.view", OFFICE_ROLES),
        _policy("cases.act", OFFICE_ROLES - {Role.AUDITOR}),
        _policy("evidence.view", OFFICE_ROLES),
        _policy("cases.assign", {Role.SUPERVISOR}),
        _policy("cases.supervise", {Role.SUPERVISOR, Role.AUDITOR}),
        _policy("blacklist.manage", {Role.SUPERVISOR, Role.APPROVER}),
        _policy("platform.work", {Role.PLATFORM}, by_jurisdiction=False),
        # The enterprise area: staff verify enterprises of their jurisdiction and work with them
        # (counselling, liaison, guidance, joint handling); enterprises use their own pages.
        _policy("enterprises.verify", {Role.INTAKE, Role.SUPERVISOR}),
        _policy("enterprises.guide", {Role.INTAKE, Role.SUPERVISOR}),
        _policy("enterprise.use", {Role.ENTERPRISE}, by_jurisdiction=False),
        # Supervision of platforms (§18): supervisors inspect and follow rectification; office
        # staff see the problem ledger and the scorecards.
        _policy("oversight.manage", {Role.SUPERVISOR}),
        _policy("oversight.view", OFFICE_ROLES),
        # The complaint window (§19): intake officers and supervisors handle complaints.
        _policy("complaints.handle", {Role.INTAKE, Role.SUPERVISOR}),
        # Transparency (§20): supervisors draft typical cases and the laws library; approvers
        # approve a typical case for publication.
        _policy("transparency.edit", {Role.SUPERVISOR}),
        _policy("transparency.approve", {Role.APPROVER}),
        # The typical cases' pages: those who draft and check them, and those who approve.
        _policy("transparency.work", {Role.SUPERVISOR, Role.APPROVER}),
    ]
}


def policy(action: str) -> Policy:
    """The policy for an action; an unknown action is a programming error, never "allowed"."""
    return POLICIES[action]


def staff_view(action: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorate a view: sign-in, the second factor and the action's policy are all required."""
    rule = policy(action)

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not second_factor_passed(user):
                return redirect("accounts:otp")
            if not rule.allows(user):
                message = _("You do not have permission to see this page.")
                return render(request, "web/error.html", {"message": message}, status=403)
            return view(request, *args, **kwargs)

        wrapped.jubao_policy = action  # type: ignore[attr-defined]
        return wrapped

    return decorator
