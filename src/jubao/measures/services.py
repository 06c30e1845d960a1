"""Measures from an approved proposal: one per target, carried out by the platform or the office.

`measures_order` is called when disposal starts (the tier's approvals are complete): it creates
the measures and hands those the platform must carry out to it (`platforms.transfer_send`).
`measure_applied` records that a measure is in force and starts what follows from its catalogue
parameters: the period after which it ends, the reporter's proof deadline of a time-limited
private measure, the re-check of a search measure, the blacklist entry of a blacklist measure.
What follows is in `lifecycle.py` (the rest of each measure's life) and `blacklist.py`.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from jubao.analysis.urls import target_key
from jubao.cases.deadlines import due_at
from jubao.cases.models import Case, Proposal
from jubao.catalogue import Measure as CatalogueMeasure
from jubao.catalogue import get_catalogue
from jubao.ledger.services import ledger_append, obj_ref
from jubao.measures.blacklist import blacklist_from_measure
from jubao.measures.models import Measure, MeasureStatus
from jubao.vault.blind import blind_index

# Target fields that locate each kind of target.
_LOCATORS = {
    "content": ("url",),
    "link": ("url",),
    "search_result": (
        "result_url",
        "snapshot_url",
        "snippet",
        "autocomplete_term",
        "related_search",
        "query",
        "engine",
    ),
    "account": ("platform", "account_id", "account_name"),
}


def _targets(case: Case, kind: str) -> list[dict[str, str]]:
    """The distinct targets of the case's reports that a measure of `kind` applies to."""
    seen, found = set(), []
    fields = _LOCATORS.get(kind, ())
    for target in case.reports.values_list("targets__fields", flat=True):
        if not target:
            continue
        picked = {f: str(target[f]) for f in fields if target.get(f)}
        if kind == "account" and not (picked.get("account_id") or picked.get("account_name")):
            continue
        if not picked:
            continue
        key = tuple(sorted(picked.items()))
        if key not in seen:
            seen.add(key)
            found.append(picked)
    return found


def _key(kind: str, target: dict[str, str]) -> str:
    if kind == "account":
        account = target.get("account_id") or target.get("account_name") or ""
        raw = target_key(platform=target.get("platform") or "", account_id=account)
        return blind_index(purpose="cases.account", value=raw)
    url = target.get("url") or target.get("result_url") or target.get("snapshot_url")
    if url:
        return blind_index(purpose="measures.target", value=target_key(url=url))
    return ""


@transaction.atomic
def measures_order(*, case: Case, proposal: Proposal) -> list[Measure]:
    """Create the measures of an approved proposal and hand the platform its share."""
    from jubao.platforms.services import transfer_send

    spec = get_catalogue().measure(proposal.measure_code)
    targets = _targets(case, spec.target) or [{}]
    created = [
        Measure.objects.create(
            case=case,
            proposal=proposal,
            code=spec.code,
            target_kind=spec.target,
            target=target,
            target_key=_key(spec.target, target),
            platform=case.platform,
        )
        for target in targets
    ]
    from jubao.insights.stats import figures_on_measure

    for measure in created:
        figures_on_measure(measure)
        ledger_append(
            actor="system",
            action="measure.order",
            ref=obj_ref(measure),
            payload={"case": case.pk, "measure": spec.code},
        )
        if measure.platform is not None and spec.target != "subject":
            transfer_send(case=case, platform=measure.platform, measure=measure)
    return created


def _after(start: datetime, limit: object) -> datetime | None:
    return due_at(start, limit).at if limit is not None else None  # type: ignore[arg-type]


@transaction.atomic
def measure_applied(*, measure: Measure, at: datetime | None = None) -> Measure:
    """The measure is in force from `at`: set the dates its catalogue parameters imply (and put
    the target of a blacklist measure on the blacklist)."""
    at = at or timezone.now()
    spec: CatalogueMeasure = get_catalogue().measure(measure.code)
    params = spec.params
    measure.status = MeasureStatus.ACTIVE
    measure.applied_at = at
    measure.ends_at = _after(at, params.period)
    measure.proof_due_at = _after(at, params.proof_deadline)
    measure.recheck_at = _after(at, params.recheck)
    measure.save()
    ledger_append(
        actor="system",
        action="measure.applied",
        ref=obj_ref(measure),
        payload={"case": measure.case_id, "measure": measure.code},
    )
    blacklist_from_measure(measure=measure, at=at)
    return measure
