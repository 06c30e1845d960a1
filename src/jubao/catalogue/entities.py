"""The typed, frozen objects that the catalogue's TOML files become.

Nothing here reads files: `jubao.catalogue.loader` builds these objects and validates every
reference, so code that holds a `ReportItem` can follow `item.measures` or `item.referrals`
without checking that the codes exist.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.utils.translation import get_language

# Marks a dataclass field that refers to objects defined elsewhere in the catalogue; the
# serializer writes such fields as codes instead of copying the referenced object.
REF: dict[str, Any] = {"ref": "code"}
# Marks bookkeeping fields that are not content: left out of the API and of the content hash.
INTERNAL: dict[str, Any] = {"internal": True}


class Area(enum.StrEnum):
    """Where a report item belongs in the portal; code branches on these, so they are fixed."""

    PERSONAL = "personal"
    ENTERPRISE = "enterprise"
    SEARCH = "search"
    MINORS = "minors"
    CYBERVIOLENCE = "cyberviolence"


class Track(enum.StrEnum):
    """The handling track, which sets default time limits and queue order."""

    NORMAL = "normal"
    FAST = "fast"
    CYBERVIOLENCE = "cyberviolence"
    MINORS = "minors"
    ENTERPRISE = "enterprise"


class ReporterRole(enum.StrEnum):
    """Who files the report in relation to the person or enterprise harmed."""

    VICTIM = "victim"
    AGENT = "agent"
    GUARDIAN = "guardian"
    ANYONE = "anyone"


class Result(enum.StrEnum):
    """The judgement a case ends with."""

    INFRINGING = "infringing"
    NOT_INFRINGING = "not_infringing"
    PARTLY = "partly"


class Stage(enum.StrEnum):
    """The stages that carry a time limit."""

    ACCEPTANCE = "acceptance"
    REVIEW = "review"
    JUDGEMENT = "judgement"
    DISPOSAL = "disposal"
    ANSWER = "answer"
    PLATFORM_TRANSFER = "platform_transfer"
    SUPPLEMENT_WAIT = "supplement_wait"
    OVERALL = "overall"


class TimeUnit(enum.StrEnum):
    """Working days follow the Chinese public-holiday calendar; hours run round the clock."""

    DAYS = "days"
    HOURS = "hours"
    CALENDAR_DAYS = "calendar_days"


@dataclass(frozen=True)
class Text:
    """A text in Simplified Chinese and English; `str()` follows the active Django language."""

    zh: str
    en: str

    def get(self, lang: str | None = None) -> str:
        """Return the text in `lang` (a language code), or in the active language if None."""
        code = (lang or get_language() or "zh-hans").lower()
        return self.zh if code.startswith("zh") else self.en

    def __str__(self) -> str:
        return self.get()


@dataclass(frozen=True)
class Words:
    """Search keywords in each language; the lists need not line up."""

    zh: tuple[str, ...] = ()
    en: tuple[str, ...] = ()


@dataclass(frozen=True)
class TimeLimit:
    """A time limit: `amount` working days, clock hours or calendar days."""

    amount: int
    unit: TimeUnit

    @property
    def hours(self) -> int | None:
        """The limit in hours when it is counted in hours, else None."""
        return self.amount if self.unit is TimeUnit.HOURS else None

    def label(self, lang: str | None = None) -> str:
        """A short human label such as "3 working days" or "24 小时"."""
        zh_units = {"days": "个工作日", "hours": "小时", "calendar_days": "天"}
        en_units = {"days": "working day", "hours": "hour", "calendar_days": "calendar day"}
        plural = "" if self.amount == 1 else "s"
        return Text(
            zh=f"{self.amount} {zh_units[self.unit]}",
            en=f"{self.amount} {en_units[self.unit]}{plural}",
        ).get(lang)

    def __str__(self) -> str:
        return self.label()


@dataclass(frozen=True)
class Term:
    """A coded, bilingual vocabulary entry: a target field, an evidence kind, a condition."""

    code: str
    name: Text
    description: Text


@dataclass(frozen=True)
class TargetField(Term):
    """A field the reporter fills in to locate the infringing content."""

    input: str  # one of url, text, datetime


@dataclass(frozen=True)
class RoleInfo(Term):
    """A reporter role and the evidence it must add to any report."""

    evidence: tuple[Term, ...] = field(default=(), metadata=REF)


@dataclass(frozen=True)
class TrackInfo(Term):
    """A handling track and its default time limit for each stage."""

    time_limits: dict[Stage, TimeLimit] = field(default_factory=dict)


@dataclass(frozen=True)
class Tier:
    """A measure severity tier: who approves, how many approvers, whether to discuss."""

    level: int
    name: Text
    description: Text
    approval_role: str
    approvers: int
    collective_discussion: bool


@dataclass(frozen=True)
class Escalation:
    """A rule that proposes a heavier measure for repeat, malicious or group infringement."""

    when: str  # repeat, malicious or group
    description: Text
    offences: int | None = None
    within: TimeLimit | None = None
    accounts: int | None = None
    propose: str | None = None  # a measure code; kept as a code because rules may chain
    flag: str | None = None


@dataclass(frozen=True)
class MeasureParams:
    """Optional parameters of a measure; which ones apply depends on the measure."""

    period: TimeLimit | None = None
    proof_deadline: TimeLimit | None = None
    extensions: int | None = None
    extension: TimeLimit | None = None
    recheck: TimeLimit | None = None
    response_statement: bool | None = None
    extends_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class Measure:
    """A disposal measure with its tier (approval level) and escalation rules."""

    code: str
    name: Text
    description: Text
    target: str
    tier: Tier = field(metadata={"ref": "level"})
    params: MeasureParams
    escalation: tuple[Escalation, ...] = ()


@dataclass(frozen=True)
class Referral:
    """A channel outside the reporting system: a court, mediation, arbitration, the police."""

    code: str
    kind: str  # rights (the §(3) matrix) or dispute (the §(17) channels)
    name: Text
    purpose: Text
    how: Text


@dataclass(frozen=True)
class RefusalReason:
    """A coded reason for not accepting a report, with the channels to point the reporter to."""

    code: str
    kind: str
    name: Text
    description: Text
    resubmit: bool
    referrals: tuple[Referral, ...] = field(default=(), metadata=REF)


@dataclass(frozen=True)
class Proof:
    """What counts as proof for an item, and when no official proof is needed."""

    third_party: tuple[Term, ...] = field(default=(), metadata=REF)
    no_official_proof_needed: tuple[Term, ...] = field(default=(), metadata=REF)
    note: Text | None = None


@dataclass(frozen=True)
class Discussion:
    """When a case of this item goes to collective discussion."""

    always: bool
    when: tuple[Term, ...] = field(default=(), metadata=REF)


@dataclass(frozen=True)
class ReportItem:
    """One report item: what may be reported, by whom, with what proof, handled how and when."""

    code: str
    area: Area
    name: Text
    description: Text
    examples: tuple[Text, ...]
    keywords: Words
    reporters: tuple[ReporterRole, ...]
    targets: tuple[TargetField, ...] = field(metadata=REF)
    optional_targets: tuple[TargetField, ...] = field(metadata=REF)
    evidence: tuple[Term, ...] = field(metadata=REF)
    optional_evidence: tuple[Term, ...] = field(metadata=REF)
    proof: Proof
    acceptance: tuple[Term, ...] = field(metadata=REF)
    out_of_scope: tuple[RefusalReason, ...] = field(metadata=REF)
    referrals: tuple[Referral, ...] = field(metadata=REF)
    priority: int
    track: Track
    time_limits: dict[Stage, TimeLimit]
    discussion: Discussion
    results: tuple[Result, ...]
    measures: tuple[Measure, ...] = field(metadata=REF)
    # Reporter details (name, phone, email) a platform needs to act on this item, e.g. to check
    # that an impersonated person is who they say. Sent only after the identity custodian approves.
    reporter_to_platform: tuple[str, ...] = ()
    source: str = field(default="", metadata=INTERNAL)  # the file it came from, for messages

    def may_report(self, role: ReporterRole | str) -> bool:
        """True if someone in `role` may file this item."""
        return ReporterRole(role) in self.reporters or ReporterRole.ANYONE in self.reporters

    def time_limit(self, stage: Stage | str) -> TimeLimit:
        """The time limit of `stage` for this item."""
        return self.time_limits[Stage(stage)]


@dataclass(frozen=True)
class Vocabulary:
    """The coded terms that report items refer to."""

    areas: dict[Area, Term]
    tracks: dict[Track, TrackInfo]
    roles: dict[ReporterRole, RoleInfo]
    stages: dict[Stage, Term]
    results: dict[Result, Term]
    target_fields: dict[str, TargetField]
    evidence_kinds: dict[str, Term]
    proof_kinds: dict[str, Term]
    conditions: dict[str, Term]
    exemptions: dict[str, Term]
    discussion_triggers: dict[str, Term]


@dataclass(frozen=True)
class Catalogue:
    """The whole standards catalogue, as loaded from one data folder."""

    version: str
    content_hash: str
    vocabulary: Vocabulary
    tiers: dict[int, Tier]
    items: tuple[ReportItem, ...]
    measures: tuple[Measure, ...]
    referrals: tuple[Referral, ...]
    refusals: tuple[RefusalReason, ...]

    @cached_property
    def _index(self) -> dict[str, dict[str, Any]]:
        return {
            "item": {i.code: i for i in self.items},
            "measure": {m.code: m for m in self.measures},
            "referral": {r.code: r for r in self.referrals},
            "refusal": {r.code: r for r in self.refusals},
        }

    def item(self, code: str) -> ReportItem:
        """The report item `code`; raises KeyError for an unknown code."""
        return self._index["item"][code]

    def items_for_area(self, area: Area | str) -> tuple[ReportItem, ...]:
        """The items of one area, most urgent first (lower priority number first)."""
        wanted = Area(area)
        chosen = [(i.priority, n, i) for n, i in enumerate(self.items) if i.area is wanted]
        return tuple(entry[2] for entry in sorted(chosen, key=lambda e: (e[0], e[1])))

    def measure(self, code: str) -> Measure:
        """The measure `code`; raises KeyError for an unknown code."""
        return self._index["measure"][code]

    def referral(self, code: str) -> Referral:
        """The referral channel `code`; raises KeyError for an unknown code."""
        return self._index["referral"][code]

    def refusal(self, code: str) -> RefusalReason:
        """The refusal reason `code`; raises KeyError for an unknown code."""
        return self._index["refusal"][code]

    def stamp(self) -> dict[str, str]:
        """What a record that applied the catalogue stores: version and content hash."""
        return {"catalogue_version": self.version, "catalogue_hash": self.content_hash}
