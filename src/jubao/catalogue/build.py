"""Builders that turn one checked TOML entry into one catalogue object.

`Context` holds what earlier sections produced so that later ones can resolve their codes; an
unknown code is recorded as an issue naming the field and dropped from the result.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from jubao.catalogue.entities import (
    Area,
    Discussion,
    Escalation,
    Measure,
    MeasureParams,
    Proof,
    Referral,
    RefusalReason,
    ReporterRole,
    ReportItem,
    Result,
    RoleInfo,
    Stage,
    TargetField,
    Term,
    Text,
    Tier,
    TimeUnit,
    Track,
    TrackInfo,
    Vocabulary,
)
from jubao.catalogue.reader import (
    E_CONSISTENCY,
    E_MISSING,
    E_REFERENCE,
    E_TYPE,
    Entry,
    Issue,
)

EMPTY = Text(zh="", en="")
STAGE_UNITS = (TimeUnit.DAYS, TimeUnit.HOURS)
TARGET_INPUTS = ("url", "text", "datetime")
MEASURE_TARGETS = ("content", "link", "search_result", "account", "subject")
APPROVAL_ROLES = ("reviewer", "approver")
REFERRAL_KINDS = ("rights", "dispute", "authority")
REFUSAL_KINDS = (
    "out_of_scope",
    "supervision",
    "incomplete",
    "unlocatable",
    "duplicate",
    "standing",
    "abuse",
    "elsewhere",
)
OUT_OF_SCOPE_KINDS = ("out_of_scope", "supervision")
ESCALATION_KINDS = ("repeat", "malicious", "group")
FLAGS = ("repeat", "malicious", "group")
EXTENDS_TO = ("linked", "reregistered")
REPORTER_DETAILS = ("name", "phone", "email")
# Sections whose codes the code base branches on: the data must define exactly these.
CLOSED_SETS: dict[str, type[enum.StrEnum]] = {
    "area": Area,
    "track": Track,
    "role": ReporterRole,
    "stage": Stage,
    "result": Result,
}


def term(entry: Entry) -> Term:
    """A plain vocabulary entry: code, name and description."""
    return Term(
        code=entry.string("code"),
        name=entry.text("name") or EMPTY,
        description=entry.text("description") or EMPTY,
    )


def target_field(entry: Entry) -> TargetField:
    """A target field, with the kind of input it takes."""
    base = term(entry)
    return TargetField(**vars(base), input=entry.string("input", choices=TARGET_INPUTS))


def tier(entry: Entry) -> Tier:
    """A measure tier: approval role, number of approvers, collective discussion."""
    return Tier(
        level=entry.integer("level", minimum=1),
        name=entry.text("name") or EMPTY,
        description=entry.text("description") or EMPTY,
        approval_role=entry.string("approval_role", choices=APPROVAL_ROLES),
        approvers=entry.integer("approvers", minimum=1),
        collective_discussion=entry.boolean("collective_discussion"),
    )


def referral(entry: Entry) -> Referral:
    """A referral channel."""
    return Referral(
        code=entry.string("code"),
        kind=entry.string("kind", choices=REFERRAL_KINDS),
        name=entry.text("name") or EMPTY,
        purpose=entry.text("purpose") or EMPTY,
        how=entry.text("how") or EMPTY,
    )


@dataclass
class Context:
    """What has been built so far, and the issue list every builder writes to."""

    issues: list[Issue]
    terms: dict[str, dict[str, Any]] = field(default_factory=dict)
    tiers: dict[int, Tier] = field(default_factory=dict)
    referrals: dict[str, Referral] = field(default_factory=dict)
    refusals: dict[str, RefusalReason] = field(default_factory=dict)
    measures: dict[str, Measure] = field(default_factory=dict)
    _escalations: list[tuple[Entry, str, Measure | None, list[Escalation]]] = field(
        default_factory=list
    )

    def refs(self, entry: Entry, key: str, table: dict[str, Any], what: str, **kw: Any) -> tuple:
        """Resolve a list of codes against `table`, recording each unknown code."""
        found = []
        for n, code in enumerate(entry.strings(key, **kw)):
            if code in table:
                found.append(table[code])
            else:
                entry.problem(E_REFERENCE, f"{key}[{n}]", f"unknown {what} {code!r}")
        return tuple(found)

    def role(self, entry: Entry) -> RoleInfo:
        """A reporter role and the evidence any report by it needs."""
        base = term(entry)
        evidence = self.refs(
            entry, "evidence", self.terms["evidence_kind"], "evidence kind", nonempty=False
        )
        return RoleInfo(**vars(base), evidence=evidence)

    def track(self, entry: Entry) -> TrackInfo:
        """A track with a default time limit for every stage."""
        base = term(entry)
        limits = {}
        sub = entry.table("time_limits")
        if sub is not None:
            for stage in Stage:
                limit = sub.time_limit(stage.value, units=STAGE_UNITS)
                if limit is not None:
                    limits[stage] = limit
            sub.finish()
        return TrackInfo(**vars(base), time_limits=limits)

    def refusal(self, entry: Entry) -> RefusalReason:
        """A refusal reason and the referral channels it points to."""
        return RefusalReason(
            code=entry.string("code"),
            kind=entry.string("kind", choices=REFUSAL_KINDS),
            name=entry.text("name") or EMPTY,
            description=entry.text("description") or EMPTY,
            resubmit=entry.boolean("resubmit"),
            referrals=self.refs(
                entry, "referrals", self.referrals, "referral", required=False, nonempty=False
            ),
        )

    def measure(self, entry: Entry) -> Measure:
        """A measure; its escalation rules are checked once every measure is known."""
        level = entry.integer("tier", minimum=1)
        if level and level not in self.tiers:
            entry.problem(E_REFERENCE, "tier", f"unknown tier {level}")
        measure = Measure(
            code=entry.string("code"),
            name=entry.text("name") or EMPTY,
            description=entry.text("description") or EMPTY,
            target=entry.string("target", choices=MEASURE_TARGETS),
            tier=self.tiers.get(level) or Tier(level, EMPTY, EMPTY, "approver", 1, False),
            params=self._params(entry),
        )
        rules = [self._escalation(sub) for sub in entry.tables("escalation")]
        measure = Measure(**{**vars(measure), "escalation": tuple(rules)})
        self._escalations.append((entry, measure.code, measure, rules))
        return measure

    def _params(self, entry: Entry) -> MeasureParams:
        sub = entry.table("params", required=False)
        if sub is None:
            return MeasureParams()
        params = MeasureParams(
            period=sub.time_limit("period", required=False),
            proof_deadline=sub.time_limit("proof_deadline", required=False),
            extensions=sub.integer("extensions", required=False, minimum=0) or None,
            extension=sub.time_limit("extension", required=False),
            recheck=sub.time_limit("recheck", required=False),
            response_statement=sub.raw("response_statement", bool, required=False),
            extends_to=tuple(sub.strings("extends_to", required=False)),
        )
        for n, value in enumerate(params.extends_to):
            if value not in EXTENDS_TO:
                sub.problem(E_TYPE, f"extends_to[{n}]", f"use one of: {', '.join(EXTENDS_TO)}")
        if params.extension and not params.extensions:
            sub.problem(E_CONSISTENCY, "extension", "an extension needs extensions >= 1")
        sub.finish()
        return params

    def _escalation(self, sub: Entry) -> Escalation:
        when = sub.string("when", choices=ESCALATION_KINDS)
        rule = Escalation(
            when=when,
            description=sub.text("description") or EMPTY,
            offences=sub.integer("offences", required=when == "repeat", minimum=2) or None,
            within=sub.time_limit("within", required=when == "repeat"),
            accounts=sub.integer("accounts", required=when == "group", minimum=2) or None,
            propose=sub.string("propose", required=False) or None,
            flag=sub.string("flag", required=False, choices=FLAGS) or None,
        )
        if not rule.propose and not rule.flag:
            sub.problem(E_MISSING, "propose", "a rule must propose a measure or set a flag")
        sub.finish()
        return rule

    def check_escalations(self) -> None:
        """Every proposed measure exists, differs from its source and is at least as heavy."""
        for entry, code, measure, rules in self._escalations:
            for n, rule in enumerate(rules):
                if not rule.propose or measure is None:
                    continue
                target = self.measures.get(rule.propose)
                key = f"escalation[{n}].propose"
                if target is None:
                    entry.problem(E_REFERENCE, key, f"unknown measure {rule.propose!r}")
                elif target.code == code or target.tier.level < measure.tier.level:
                    entry.problem(E_CONSISTENCY, key, "must propose a different, heavier measure")

    def check_closed_sets(self, files: dict[str, str]) -> None:
        """Areas, tracks, roles, stages and results must match the codes the code knows."""
        for section, kind in CLOSED_SETS.items():
            defined = set(self.terms.get(section, {}))
            for value in kind:
                if value.value not in defined:
                    self.issues.append(
                        Issue(
                            E_MISSING,
                            files[section],
                            f'{section} "{value.value}"',
                            "code",
                            "this entry is required and missing",
                        )
                    )
            for extra in sorted(defined - {v.value for v in kind}):
                allowed = ", ".join(v.value for v in kind)
                self.issues.append(
                    Issue(
                        E_TYPE,
                        files[section],
                        f'{section} "{extra}"',
                        "code",
                        f"not a known {section}; use one of: {allowed}",
                    )
                )

    def vocabulary(self) -> Vocabulary:
        """The vocabulary object, keyed by enum members for the closed sets."""
        t = self.terms

        def closed(name: str, kind: type[enum.StrEnum]) -> dict[Any, Any]:
            known = {k.value for k in kind}
            return {kind(c): v for c, v in t[name].items() if c in known}

        return Vocabulary(
            areas=closed("area", Area),
            tracks=closed("track", Track),
            roles=closed("role", ReporterRole),
            stages=closed("stage", Stage),
            results=closed("result", Result),
            target_fields=t["target_field"],
            evidence_kinds=t["evidence_kind"],
            proof_kinds=t["proof_kind"],
            conditions=t["condition"],
            exemptions=t["exemption"],
            discussion_triggers=t["discussion_trigger"],
        )

    # -- report items -----------------------------------------------------------------------

    def item(self, entry: Entry) -> ReportItem:
        """A report item, with every code resolved and the track's time limits filled in."""
        t = self.terms
        area = entry.string("area", choices=[a.value for a in Area])
        track = entry.string("track", choices=[k.value for k in Track])
        reporters = self._enum_list(entry, "reporters", ReporterRole)
        results = self._enum_list(entry, "results", Result)
        item = ReportItem(
            code=entry.string("code"),
            area=Area(area) if area else Area.PERSONAL,
            name=entry.text("name") or EMPTY,
            description=entry.text("description") or EMPTY,
            examples=entry.texts("examples"),
            keywords=entry.words("keywords"),
            reporters=reporters,
            targets=self.refs(entry, "targets", t["target_field"], "target field"),
            optional_targets=self.refs(
                entry,
                "optional_targets",
                t["target_field"],
                "target field",
                required=False,
                nonempty=False,
            ),
            evidence=self.refs(entry, "evidence", t["evidence_kind"], "evidence kind"),
            optional_evidence=self.refs(
                entry,
                "optional_evidence",
                t["evidence_kind"],
                "evidence kind",
                required=False,
                nonempty=False,
            ),
            proof=self._proof(entry),
            acceptance=self.refs(entry, "acceptance", t["condition"], "acceptance condition"),
            out_of_scope=self._out_of_scope(entry),
            referrals=self.refs(
                entry, "referrals", self.referrals, "referral", required=False, nonempty=False
            ),
            priority=entry.integer("priority", minimum=1),
            track=Track(track) if track else Track.NORMAL,
            time_limits=self._time_limits(entry, track),
            discussion=self._discussion(entry),
            results=results,
            measures=self.refs(entry, "measures", self.measures, "measure", nonempty=False),
            reporter_to_platform=self._reporter_to_platform(entry),
            source=entry.file,
        )
        self._check_item(entry, item)
        return item

    def _enum_list(self, entry: Entry, key: str, kind: type[enum.StrEnum]) -> tuple[Any, ...]:
        out = []
        for n, value in enumerate(entry.strings(key)):
            if value in {k.value for k in kind}:
                out.append(kind(value))
            else:
                allowed = ", ".join(k.value for k in kind)
                entry.problem(E_TYPE, f"{key}[{n}]", f"{value!r} is not allowed; use {allowed}")
        return tuple(out)

    def _reporter_to_platform(self, entry: Entry) -> tuple[str, ...]:
        values = entry.strings("reporter_to_platform", required=False, nonempty=False)
        for n, value in enumerate(values):
            if value not in REPORTER_DETAILS:
                allowed = ", ".join(REPORTER_DETAILS)
                entry.problem(
                    E_TYPE, f"reporter_to_platform[{n}]", f"{value!r} is not allowed; use {allowed}"
                )
        return tuple(v for v in values if v in REPORTER_DETAILS)

    def _proof(self, entry: Entry) -> Proof:
        sub = entry.table("proof", required=False)
        if sub is None:
            return Proof()
        t = self.terms
        proof = Proof(
            third_party=self.refs(
                sub, "third_party", t["proof_kind"], "proof kind", required=False, nonempty=False
            ),
            no_official_proof_needed=self.refs(
                sub,
                "no_official_proof_needed",
                t["exemption"],
                "exemption",
                required=False,
                nonempty=False,
            ),
            note=sub.text("note", required=False),
        )
        sub.finish()
        return proof

    def _out_of_scope(self, entry: Entry) -> tuple[RefusalReason, ...]:
        reasons = self.refs(
            entry, "out_of_scope", self.refusals, "refusal reason", required=False, nonempty=False
        )
        for n, reason in enumerate(reasons):
            if reason.kind not in OUT_OF_SCOPE_KINDS:
                entry.problem(
                    E_REFERENCE,
                    f"out_of_scope[{n}]",
                    f"{reason.code!r} is a {reason.kind} reason, not an out-of-scope matter",
                )
        return reasons

    def _time_limits(self, entry: Entry, track: str) -> dict[Stage, Any]:
        info = self.terms["track"].get(track)
        limits = dict(info.time_limits) if info else {}
        sub = entry.table("time_limits", required=False)
        if sub is not None:
            for stage in Stage:
                limit = sub.time_limit(stage.value, required=False, units=STAGE_UNITS)
                if limit is not None:
                    limits[stage] = limit
            sub.finish()
        return {stage: limits[stage] for stage in Stage if stage in limits}

    def _discussion(self, entry: Entry) -> Discussion:
        sub = entry.table("discussion", required=False)
        if sub is None:
            return Discussion(always=False)
        discussion = Discussion(
            always=sub.boolean("always", required=False),
            when=self.refs(
                sub,
                "when",
                self.terms["discussion_trigger"],
                "discussion trigger",
                required=False,
                nonempty=False,
            ),
        )
        sub.finish()
        return discussion

    def _check_item(self, entry: Entry, item: ReportItem) -> None:
        """Rules that tie several fields of one item together."""
        both = {f.code for f in item.targets} & {f.code for f in item.optional_targets}
        if both:
            entry.problem(E_CONSISTENCY, "optional_targets", f"also required: {sorted(both)}")
        both = {e.code for e in item.evidence} & {e.code for e in item.optional_evidence}
        if both:
            entry.problem(E_CONSISTENCY, "optional_evidence", f"also required: {sorted(both)}")
        acts = {Result.INFRINGING, Result.PARTLY} & set(item.results)
        if acts and not item.measures and entry.has("measures"):
            entry.problem(E_MISSING, "measures", "an item that can be upheld needs measures")
