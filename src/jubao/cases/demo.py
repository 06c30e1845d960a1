"""Demo cases: one case walked by the demo staff up to disposal, so that the simulated platform
(`jubao simulate-platform`) has a measure to carry out when `make run` starts."""

from __future__ import annotations

from jubao.accounts.models import User
from jubao.cases.models import Case, CaseStatus
from jubao.cases.services import case_transition
from jubao.cases.workflow import Move
from jubao.catalogue import get_catalogue


def _tier1(case: Case) -> str | None:
    item = get_catalogue().item(case.item_code)
    for measure in item.measures:
        tier = measure.tier
        if tier.level == 1 and tier.approvers == 1 and not tier.collective_discussion:
            return measure.code
    return None


DEMO_PLATFORM = "星河社区"


def load(platform: str = DEMO_PLATFORM) -> str | None:
    """Take the oldest pending demo case about `platform` to disposal; return its reference
    (None when there is none to take, e.g. on a second run)."""
    people = {u.username: u for u in User.objects.filter(username__in=_STAFF)}
    if len(people) < len(_STAFF):
        return None
    pending = Case.objects.filter(status=CaseStatus.PENDING, platform__name=platform)
    for case in pending.order_by("opened_at"):
        item = get_catalogue().item(case.item_code)
        measure = _tier1(case)
        if measure is None or item.discussion.always or "infringing" not in item.results:
            continue
        steps = [
            (Move.ACCEPT, "intake", {}),
            (Move.START_REVIEW, "reviewer", {}),
            (Move.JUDGE, "reviewer", {"result": "infringing", "reasons": "演示：证据充分"}),
            (Move.PROPOSE_DISPOSAL, "disposal", {"measure": measure, "reasons": "演示：删除"}),
            (Move.APPROVE, "approver1", {}),
            (Move.START_DISPOSAL, "disposal", {}),
        ]
        for move, who, params in steps:
            case = case_transition(case=case, move=move, actor=people[who], **params)
        return case.reference
    return None


_STAFF = ("intake", "reviewer", "disposal", "approver1")
