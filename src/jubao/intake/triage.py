"""Triage on submit: platform and jurisdiction, priority, analysis hints, the target keys.

Analysers are plain functions listed in ANALYSERS: each reads the report's texts and returns
hints (kinds of personal information found, an abuse score) plus a priority adjustment. A new
analyser is one more function in the list; intake itself does not change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from jubao.accounts.models import Office, Platform, PlatformStatus, User
from jubao.analysis import abuse, pii
from jubao.analysis.urls import target_key
from jubao.intake.validation import CleanDraft
from jubao.vault.blind import blind_index

URL_FIELDS = ("url", "result_url", "snapshot_url")
# Priority is "lower is more urgent"; these steps move a report up the queues.
MINOR_STEP = 5
DOXXING_STEP = 3
MINOR_ID_STEP = 5
ABUSE_STEP = 2
TOP_PRIORITY = 1


@dataclass
class Hints:
    """What analysers found (no personal data: kinds, counts and scores) and the priority step."""

    data: dict[str, Any] = field(default_factory=dict)
    priority_step: int = 0


Analyser = Callable[[Sequence[str]], Hints]


def personal_information(texts: Sequence[str]) -> Hints:
    """Leaked personal information raises priority; a minor's ID number raises it further."""
    findings = [f for text in texts for f in pii.scan(text)]
    if not findings:
        return Hints()
    kinds = sorted({f.kind for f in findings})
    minor = pii.has_minor(findings)
    step = DOXXING_STEP + (MINOR_ID_STEP if minor else 0)
    return Hints({"pii": {"kinds": kinds, "count": len(findings), "minor_id": minor}}, step)


def offensive_language(texts: Sequence[str]) -> Hints:
    """A high abuse score on the quoted content points at cyber-violence."""
    texts = [t for t in texts if t.strip()]
    if not texts:
        return Hints()
    score = max(abuse.predict(texts))
    step = ABUSE_STEP if score >= abuse.THRESHOLD else 0
    return Hints({"abuse": {"score": round(score, 3), "offensive": score >= abuse.THRESHOLD}}, step)


ANALYSERS: list[Analyser] = [personal_information, offensive_language]


@dataclass
class Triage:
    platform: Platform | None
    jurisdiction: Office
    track: str
    priority: int
    target_keys: list[str]
    analysis: dict[str, Any]
    # The enterprise area's flags and designated handler for a new case (see jubao.enterprises).
    flags: tuple[str, ...] = ()
    responsible: User | None = None


def _host(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.lower()


def find_platform(targets: list[dict[str, str]]) -> Platform | None:
    """The registered platform a target names, by its web address first, then by its name."""
    platforms = list(Platform.objects.exclude(status=PlatformStatus.CLOSED))
    for target in targets:
        hosts = {_host(target[f]) for f in URL_FIELDS if target.get(f)}
        for platform in platforms:
            if any(h == d or h.endswith("." + d) for h in hosts for d in platform.domains):
                return platform
    names = {t.get("platform", "").strip().lower() for t in targets} - {""}
    for platform in platforms:
        if {platform.name.lower(), platform.name_en.lower()} & names:
            return platform
    return None


def target_keys(targets: list[dict[str, str]]) -> list[str]:
    """Keyed fingerprints of each target (canonical URL, or platform and account)."""
    keys = []
    for target in targets:
        url = next((target[f] for f in URL_FIELDS if target.get(f)), None)
        account = target.get("account_id") or target.get("account_name")
        if url or account:
            raw = target_key(url=url, platform=target.get("platform"), account_id=account)
            keys.append(blind_index(purpose="intake.target", value=raw))
        else:
            keys.append("")
    return keys


def home_office() -> Office:
    return Office.objects.get(code=settings.JUBAO_OFFICE_CODE)


def triage(clean: CleanDraft, account: User | None = None) -> Triage:
    """Route and rank a validated report; a verified enterprise's report goes to the office of
    its registered place, ranks higher for a key enterprise and gets its liaison."""
    from jubao.enterprises.services import enterprise_route, priority_step
    from jubao.federation.tree import served_here

    draft, item = clean.draft, clean.item
    platform = find_platform(clean.targets)
    texts = [draft.description] + [t.get("excerpt", "") for t in clean.targets]
    priority, analysis = item.priority, {}
    for analyser in ANALYSERS:
        hints = analyser(texts)
        analysis.update(hints.data)
        priority -= hints.priority_step
    if draft.for_minor:
        priority -= MINOR_STEP
    priority -= priority_step(account)
    enterprise = enterprise_route(account, platform)
    jurisdiction = platform.jurisdiction if platform else home_office()
    # Federation hook: a platform registered where another instance serves is not ours to
    # handle; the case starts at our office, which forwards it (see jubao.federation).
    if not served_here(jurisdiction.code):
        jurisdiction = home_office()
    return Triage(
        platform=platform,
        jurisdiction=enterprise.office if enterprise else jurisdiction,
        track=str(item.track),
        priority=max(TOP_PRIORITY, priority),
        target_keys=target_keys(clean.targets),
        analysis=analysis,
        flags=enterprise.flags if enterprise else (),
        responsible=enterprise.responsible if enterprise else None,
    )
