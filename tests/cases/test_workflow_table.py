"""Every (state, move, actor) triple: allowed moves succeed, every other is refused with a clear
error and changes nothing."""

from __future__ import annotations

import pytest
from django.db import transaction

from jubao.cases.models import CaseEvent, CaseStatus
from jubao.cases.services import case_transition
from jubao.cases.workflow import REPORTER, SYSTEM, Move, transition_for
from jubao.catalogue import get_catalogue
from jubao.errors import DomainError
from tests.cases.conftest import tier1_measure

pytestmark = pytest.mark.django_db
ACTORS = ["intake", "reviewer", "disposal", "approver", "supervisor", REPORTER, SYSTEM]


class Undo(Exception):
    """Raised to roll a savepoint back after a successful move."""


def _params(cast: dict, offices: dict, make_case) -> dict:
    refusal = get_catalogue().refusals[0].code
    return {
        Move.REFUSE: {"reason": refusal},
        Move.TRANSFER: {"office": offices["440000"]},
        Move.MERGE: {"into": make_case()},
        Move.REQUEST_PROOF: {"message": "请补充原帖截图"},
        Move.JUDGE: {"result": "infringing", "reasons": "公开他人住址"},
        Move.DISCUSS: {"members": [cast["reviewer"], cast["member2"], cast["member3"]]},
        Move.CONCLUDE_DISCUSSION: {"minutes": "三人参加，两票认定侵权"},
        Move.PROPOSE_DISPOSAL: {"measure": tier1_measure(), "reasons": "删除帖子"},
        Move.ANSWER: {"message": "已处理"},
        Move.REOPEN: {"reason": "举报人申诉"},
    }


# Moves that the table allows but whose guard refuses on the prepared case, and why.
GUARDED = {("judged", Move.ANSWER): "measure_required"}


@pytest.mark.parametrize("state", list(CaseStatus))
def test_every_move_from_every_state_for_every_actor(state, cast, offices, make_case):
    case = make_case(state)
    params_by_move = _params(cast, offices, make_case)
    for move in Move:
        for name in ACTORS:
            actor = cast.get(name, name)
            step = transition_for(state, move)
            allowed = step is not None and bool(step.roles & {name, *_roles(actor)})
            params = params_by_move.get(move, {})
            events = CaseEvent.objects.count()
            if allowed and (state, move) not in GUARDED:
                with pytest.raises(Undo), transaction.atomic():
                    result = case_transition(case=case, move=move, actor=actor, **params)
                    assert result.status == step.target, (state, move, name)
                    raise Undo
            else:
                with pytest.raises(DomainError) as refused:
                    case_transition(case=case, move=move, actor=actor, **params)
                assert str(refused.value.message), (state, move, name)
                if (state, move) in GUARDED and allowed:
                    assert refused.value.code == GUARDED[(state, move)]
                case.refresh_from_db()
                assert case.status == state, (state, move, name)
                assert CaseEvent.objects.count() == events


def _roles(actor) -> set[str]:
    from jubao.accounts.policies import roles_of

    return set() if isinstance(actor, str) else set(roles_of(actor))
