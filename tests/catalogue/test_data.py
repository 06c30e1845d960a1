"""The bundled catalogue is valid and covers every report item the guiding opinions name."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import translation

from jubao.catalogue import (
    Area,
    ReporterRole,
    Result,
    Stage,
    Text,
    TimeLimit,
    TimeUnit,
    Track,
    get_catalogue,
    load_catalogue,
)

# Every report item required by §(8)–(12), §(15) and §(17), by code.
REQUIRED_ITEMS = {
    # §(8) personal information disclosed without consent
    "personal.info.address": Area.PERSONAL,
    "personal.info.id_document": Area.PERSONAL,
    "personal.info.contact": Area.PERSONAL,
    "personal.info.health": Area.PERSONAL,
    "personal.info.whereabouts": Area.PERSONAL,
    "personal.info.financial": Area.PERSONAL,
    # §(8) theft and sale of personal information, impersonation, portraits, reputation
    "personal.info.trade": Area.PERSONAL,
    "personal.impersonation": Area.PERSONAL,
    "personal.portrait": Area.PERSONAL,
    "personal.defamation": Area.PERSONAL,
    # §(9) cyber-violence rapid channel
    "personal.doxxing": Area.CYBERVIOLENCE,
    "personal.cyber_attack": Area.CYBERVIOLENCE,
    "personal.cyber_rumour": Area.CYBERVIOLENCE,
    # §(10) minors first, special groups
    "minors.insult": Area.MINORS,
    "minors.identity": Area.MINORS,
    "minors.bullying": Area.MINORS,
    "personal.discrimination": Area.PERSONAL,
    # §(11) self-media, search results, fights in comments and live streams
    "personal.selfmedia_false": Area.PERSONAL,
    "search.result_link": Area.SEARCH,
    "search.snippet": Area.SEARCH,
    "search.snapshot": Area.SEARCH,
    "search.autocomplete": Area.SEARCH,
    "search.related_search": Area.SEARCH,
    "personal.flame_war": Area.PERSONAL,
    # §(12) enterprises and entrepreneurs
    "enterprise.false_info": Area.ENTERPRISE,
    "enterprise.extortion": Area.ENTERPRISE,
    "enterprise.counterfeit": Area.ENTERPRISE,
    "enterprise.fake_site": Area.ENTERPRISE,
    "enterprise.water_army": Area.ENTERPRISE,
    "enterprise.entrepreneur_privacy": Area.ENTERPRISE,
    "enterprise.entrepreneur_insult": Area.ENTERPRISE,
}

REQUIRED_MEASURES = {
    "content.remove", "content.block", "link.block", "fasttrack.remove", "content.private",
    "content.dispute_label", "search.remove_link", "search.remove_snippet",
    "search.remove_snapshot", "search.remove_autocomplete", "search.remove_related",
    "account.warning", "account.mute", "account.limit_features", "account.suspend",
    "account.close", "blacklist.account", "blacklist.subject",
}  # fmt: skip

REQUIRED_REFERRALS = {
    "legal_consultation", "judicial_relief", "public_interest_litigation", "online_mediation",
    "police", "labour_arbitration", "consumer_complaint", "civil_court",
}  # fmt: skip

DISPUTES_17 = {
    "out_of_scope.labour", "out_of_scope.contract", "out_of_scope.equity",
    "out_of_scope.property", "out_of_scope.debt", "out_of_scope.consumer",
}  # fmt: skip


def _bilingual(text: Text) -> bool:
    return bool(text.zh.strip()) and bool(text.en.strip())


def test_the_bundled_catalogue_validates():
    catalogue = load_catalogue()
    assert catalogue.version
    assert re.fullmatch(r"[0-9a-f]{64}", catalogue.content_hash)
    assert catalogue.stamp() == {
        "catalogue_version": catalogue.version,
        "catalogue_hash": catalogue.content_hash,
    }


def test_get_catalogue_is_cached():
    assert get_catalogue() is get_catalogue()


@pytest.mark.parametrize(("code", "area"), sorted(REQUIRED_ITEMS.items()))
def test_every_required_item_exists_with_all_fields(code: str, area: Area):
    item = get_catalogue().item(code)
    assert item.area is area
    assert _bilingual(item.name) and _bilingual(item.description)
    assert item.examples and all(_bilingual(e) for e in item.examples)
    assert item.keywords.zh and item.keywords.en
    assert item.reporters and item.targets and item.evidence and item.acceptance
    assert item.priority > 0 and isinstance(item.track, Track)
    assert set(item.time_limits) == set(Stage)
    assert all(limit.amount > 0 for limit in item.time_limits.values())
    assert Result.INFRINGING in item.results and Result.NOT_INFRINGING in item.results
    assert item.measures
    terms: list[Any] = [*item.targets, *item.evidence, *item.acceptance, *item.measures]
    assert all(_bilingual(term.name) for term in terms)


def test_cyberviolence_is_a_rapid_channel_open_to_anyone():
    catalogue = get_catalogue()
    items = catalogue.items_for_area(Area.CYBERVIOLENCE)
    assert {i.code for i in items} >= {"personal.doxxing", "personal.cyber_attack"}
    for item in items:
        assert item.may_report(ReporterRole.ANYONE)
        assert item.track is Track.CYBERVIOLENCE
        assert item.time_limit("acceptance").unit is TimeUnit.HOURS


def test_minors_come_first():
    catalogue = get_catalogue()
    minors = catalogue.items_for_area(Area.MINORS)
    assert all(i.track is Track.MINORS and i.may_report("anyone") for i in minors)
    lowest_other = min(i.priority for i in catalogue.items if i.area is not Area.MINORS)
    assert all(i.priority < lowest_other for i in minors)


def test_items_for_area_are_ordered_by_priority():
    items = get_catalogue().items_for_area("enterprise")
    assert [i.priority for i in items] == sorted(i.priority for i in items)


def test_enterprise_items_exclude_the_disputes_of_section_17():
    catalogue = get_catalogue()
    false_info = catalogue.item("enterprise.false_info")
    assert {r.code for r in false_info.out_of_scope} >= DISPUTES_17 | {"supervision"}
    for code in DISPUTES_17:
        assert catalogue.refusal(code).referrals, code
    assert catalogue.refusal("supervision").kind == "supervision"


def test_section_15_proof_rules():
    catalogue = get_catalogue()
    vocab = catalogue.vocabulary
    assert {"evident_insult", "out_of_context", "unfiled_counterfeit_site"} <= set(vocab.exemptions)
    assert set(vocab.proof_kinds) >= {
        "legal_opinion", "audit_report", "public_service_query", "source_media",
        "industry_standard", "third_party_institution",
    }  # fmt: skip
    fake_site = catalogue.item("enterprise.fake_site")
    assert "unfiled_counterfeit_site" in {e.code for e in fake_site.proof.no_official_proof_needed}
    false_info = catalogue.item("enterprise.false_info")
    assert {p.code for p in false_info.proof.third_party} == set(vocab.proof_kinds)


def test_measures_tiers_and_escalation():
    catalogue = get_catalogue()
    assert {m.code for m in catalogue.measures} >= REQUIRED_MEASURES
    assert sorted(catalogue.tiers) == [1, 2, 3]
    assert catalogue.tiers[3].approvers >= 2 and catalogue.tiers[3].collective_discussion
    kinds = {rule.when for m in catalogue.measures for rule in m.escalation}
    assert kinds == {"repeat", "malicious", "group"}
    for measure in catalogue.measures:
        for rule in measure.escalation:
            if rule.propose:
                assert catalogue.measure(rule.propose).tier.level >= measure.tier.level
    private = catalogue.measure("content.private").params
    assert private.period and private.proof_deadline and private.extensions == 1
    assert catalogue.measure("content.dispute_label").params.response_statement is True
    assert catalogue.measure("search.remove_link").params.recheck is not None
    assert "reregistered" in catalogue.measure("account.close").params.extends_to


def test_referral_matrix():
    catalogue = get_catalogue()
    assert {r.code for r in catalogue.referrals} >= REQUIRED_REFERRALS
    for referral in catalogue.referrals:
        assert _bilingual(referral.purpose) and _bilingual(referral.how)
        # No invented contact data: only the well-known national service numbers may appear.
        assert not re.search(r"https?://|www\.", referral.how.zh + referral.how.en)


def test_unknown_codes_raise_key_error():
    catalogue = get_catalogue()
    with pytest.raises(KeyError):
        catalogue.item("personal.nothing")
    with pytest.raises(KeyError):
        catalogue.measure("account.vanish")


def test_text_follows_the_active_language():
    text = Text(zh="举报", en="Report")
    with translation.override("en"):
        assert str(text) == "Report"
    with translation.override("zh-hans"):
        assert str(text) == "举报"
    assert text.get("en") == "Report" and text.get("zh-hans") == "举报"


def test_time_limit_labels():
    assert TimeLimit(3, TimeUnit.DAYS).label("en") == "3 working days"
    assert TimeLimit(1, TimeUnit.HOURS).label("en") == "1 hour"
    assert TimeLimit(24, TimeUnit.HOURS).label("zh-hans") == "24 小时"
    assert TimeLimit(24, TimeUnit.HOURS).hours == 24
