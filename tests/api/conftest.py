"""Seed data for the property-based API tests: a platform with a key, a transfer of an approved
measure to it, and a dispute label on the same case that takes a response statement."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.cache import cache

from jubao.cases.models import Case, Judgement, Proposal
from jubao.cases.services import case_transition
from jubao.cases.workflow import Move
from jubao.catalogue import get_catalogue
from jubao.measures.models import Measure
from jubao.measures.services import measure_applied, measures_order
from jubao.platforms.models import Transfer
from tests.platforms.conftest import platform_key, private_key  # noqa: F401
from tests.platforms.test_transfers import approved_case  # noqa: F401


@dataclass(frozen=True)
class Seeded:
    """Ids that exist, so that part of the generated calls reach real records."""

    transfer: Transfer
    label: Measure


@pytest.fixture(autouse=True)
def _easy(easy_pow_and_no_rate_limits):
    """The seed report solves a cheap challenge and meets no rate limit."""


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _label(case: Case, cast: dict) -> Measure:
    code = "content.dispute_label"
    spec = get_catalogue().measure(code)
    judgement = Judgement.objects.create(
        case=case, judge=cast["member3"], result="infringing", reasons="证据充分"
    )
    proposal = Proposal.objects.create(
        case=case,
        judgement=judgement,
        proposer=cast["disposal"],
        measure_code=code,
        tier=spec.tier.level,
        level_required=spec.tier.level,
        approvals_required=spec.tier.approvers,
        reasons="事实有争议",
    )
    (ordered,) = measures_order(case=case, proposal=proposal)
    return measure_applied(measure=ordered)


@pytest.fixture
def seeded(approved_case, cast, platform_key) -> Seeded:  # noqa: F811
    case = case_transition(case=approved_case, move=Move.START_DISPOSAL, actor=cast["disposal"])
    return Seeded(transfer=Transfer.objects.get(case=case), label=_label(case, cast))
