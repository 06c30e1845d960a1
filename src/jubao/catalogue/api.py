"""GET /api/v1/catalogue: the whole standards catalogue as typed JSON, both languages.

Texts are returned as `{"zh": ..., "en": ...}` so that one response serves every client; codes
that refer to other entries (measures, referrals, evidence kinds, ...) are returned as codes and
resolved through the lists in the same response.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Router, Schema

from jubao.api_errors import ErrorOut
from jubao.catalogue.registry import get_catalogue
from jubao.catalogue.serialize import to_plain
from jubao.errors import NotFound

router = Router(tags=["catalogue"])


class TextOut(Schema):
    zh: str
    en: str


class TimeLimitOut(Schema):
    amount: int
    unit: str  # days (working days), hours or calendar_days


class TermOut(Schema):
    code: str
    name: TextOut
    description: TextOut


class TargetFieldOut(TermOut):
    input: str


class RoleOut(TermOut):
    evidence: list[str]


class TrackOut(TermOut):
    time_limits: dict[str, TimeLimitOut]


class VocabularyOut(Schema):
    areas: dict[str, TermOut]
    tracks: dict[str, TrackOut]
    roles: dict[str, RoleOut]
    stages: dict[str, TermOut]
    results: dict[str, TermOut]
    target_fields: dict[str, TargetFieldOut]
    evidence_kinds: dict[str, TermOut]
    proof_kinds: dict[str, TermOut]
    conditions: dict[str, TermOut]
    exemptions: dict[str, TermOut]
    discussion_triggers: dict[str, TermOut]


class TierOut(Schema):
    level: int
    name: TextOut
    description: TextOut
    approval_role: str
    approvers: int
    collective_discussion: bool


class EscalationOut(Schema):
    when: str
    description: TextOut
    offences: int | None
    within: TimeLimitOut | None
    accounts: int | None
    propose: str | None
    flag: str | None


class MeasureParamsOut(Schema):
    period: TimeLimitOut | None
    proof_deadline: TimeLimitOut | None
    extensions: int | None
    extension: TimeLimitOut | None
    recheck: TimeLimitOut | None
    response_statement: bool | None
    extends_to: list[str]


class MeasureOut(Schema):
    code: str
    name: TextOut
    description: TextOut
    target: str
    tier: int
    params: MeasureParamsOut
    escalation: list[EscalationOut]


class ReferralOut(Schema):
    code: str
    kind: str
    name: TextOut
    purpose: TextOut
    how: TextOut


class RefusalOut(Schema):
    code: str
    kind: str
    name: TextOut
    description: TextOut
    resubmit: bool
    referrals: list[str]


class ProofOut(Schema):
    third_party: list[str]
    no_official_proof_needed: list[str]
    note: TextOut | None


class DiscussionOut(Schema):
    always: bool
    when: list[str]


class WordsOut(Schema):
    zh: list[str]
    en: list[str]


class ItemOut(Schema):
    code: str
    area: str
    name: TextOut
    description: TextOut
    examples: list[TextOut]
    keywords: WordsOut
    reporters: list[str]
    targets: list[str]
    optional_targets: list[str]
    evidence: list[str]
    optional_evidence: list[str]
    proof: ProofOut
    acceptance: list[str]
    out_of_scope: list[str]
    referrals: list[str]
    priority: int
    track: str
    time_limits: dict[str, TimeLimitOut]
    discussion: DiscussionOut
    results: list[str]
    measures: list[str]
    reporter_to_platform: list[str]


class CatalogueOut(Schema):
    version: str
    content_hash: str
    vocabulary: VocabularyOut
    tiers: dict[str, TierOut]
    items: list[ItemOut]
    measures: list[MeasureOut]
    referrals: list[ReferralOut]
    refusals: list[RefusalOut]


class ItemDetailOut(Schema):
    version: str
    content_hash: str
    item: ItemOut


@router.get("", response=CatalogueOut, summary="The whole standards catalogue")
def catalogue_get(request: HttpRequest) -> dict[str, Any]:
    """Every report item, measure, referral channel and refusal reason, with version and hash."""
    return to_plain(get_catalogue())


@router.get(
    "/items/{code}", response={200: ItemDetailOut, 404: ErrorOut}, summary="One report item"
)
def catalogue_item_get(request: HttpRequest, code: str) -> dict[str, Any]:
    """One report item by code, with the catalogue version and content hash it belongs to."""
    catalogue = get_catalogue()
    try:
        item = catalogue.item(code)
    except KeyError:
        raise NotFound(gettext("There is no report item with this code.")) from None
    return {
        "version": catalogue.version,
        "content_hash": catalogue.content_hash,
        "item": to_plain(item),
    }
