"""The public reporting guidelines, generated from the catalogue in the active language."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from jubao.catalogue.details import detail_labels
from jubao.catalogue.entities import Catalogue, ReportItem
from jubao.catalogue.registry import get_catalogue

# The referral kinds in the order the referral page shows them.
REFERRAL_KINDS = ("rights", "authority", "dispute")


def guidelines(request: HttpRequest) -> HttpResponse:
    """The guidelines index: every report item, grouped by area."""
    catalogue = get_catalogue()
    groups = [
        {"area": term, "items": catalogue.items_for_area(area)}
        for area, term in catalogue.vocabulary.areas.items()
    ]
    return render(
        request,
        "catalogue/guidelines.html",
        {"catalogue": catalogue, "groups": [g for g in groups if g["items"]]},
    )


def item_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One report item: who may report, what to provide, proof, scope, time limits, results."""
    catalogue = get_catalogue()
    try:
        item = catalogue.item(code)
    except KeyError:
        raise Http404(code) from None
    return render(request, "catalogue/item.html", _item_context(catalogue, item))


def _item_context(catalogue: Catalogue, item: ReportItem) -> dict[str, Any]:
    vocab = catalogue.vocabulary
    # Evidence that the reporter's role adds (authorisation letter for agents, and so on).
    role_evidence = [
        (vocab.roles[role], vocab.roles[role].evidence)
        for role in item.reporters
        if vocab.roles[role].evidence
    ]
    return {
        "catalogue": catalogue,
        "item": item,
        "area": vocab.areas[item.area],
        "track": vocab.tracks[item.track],
        "reporters": [vocab.roles[role] for role in item.reporters],
        "anyone": item.may_report("anyone"),
        "role_evidence": role_evidence,
        "time_limits": [(vocab.stages[stage], limit) for stage, limit in item.time_limits.items()],
        "results": [vocab.results[result] for result in item.results],
        "reporter_details": detail_labels(item.reporter_to_platform),
    }


def measures(request: HttpRequest) -> HttpResponse:
    """The measures, grouped by tier, with their parameters and escalation rules."""
    catalogue = get_catalogue()
    tiers = [
        {
            "tier": tier,
            "measures": [
                {"measure": m, "escalation": _escalation(catalogue, m.escalation)}
                for m in catalogue.measures
                if m.tier.level == level
            ],
        }
        for level, tier in catalogue.tiers.items()
    ]
    return render(request, "catalogue/measures.html", {"catalogue": catalogue, "tiers": tiers})


def _escalation(catalogue: Catalogue, rules: Any) -> list[dict[str, Any]]:
    return [
        {"rule": r, "propose": catalogue.measure(r.propose) if r.propose else None} for r in rules
    ]


def referrals(request: HttpRequest) -> HttpResponse:
    """The referral channels, and which matters outside our scope go to which channel."""
    catalogue = get_catalogue()
    groups = [
        {"kind": kind, "referrals": [r for r in catalogue.referrals if r.kind == kind]}
        for kind in REFERRAL_KINDS
    ]
    matters = [r for r in catalogue.refusals if r.kind in ("out_of_scope", "supervision")]
    others = [r for r in catalogue.refusals if r.kind not in ("out_of_scope", "supervision")]
    return render(
        request,
        "catalogue/referrals.html",
        {"catalogue": catalogue, "groups": groups, "matters": matters, "others": others},
    )
