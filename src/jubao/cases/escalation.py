"""Repeat, malicious and group infringement: offences counted, escalation rules applied.

A judgement that finds infringement records one `Offence` per account named in the case's
targets, under a keyed hash of the platform and account, and, when the reviewer names the person
or company behind the accounts (ID number or unified social credit code), under a keyed hash of
that number too. No account name and no ID number is stored.

The catalogue's escalation rules (see `docs/catalogue.md`) are attached to measures:

- repeat: the measure was already imposed on the account (or its subject) for offences within
  `within`, so that imposing it again would make `offences`: the rule proposes a heavier one;
- group: at least `accounts` accounts in one case;
- malicious: the reviewer marked the infringement as malicious.

`escalations(case)` lists the rules that hold for a case's latest judgement; the case page shows
them, the proposal form offers their heavier measures, and the judgement sets the case's flags.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from jubao.analysis.pii import valid_id_number, valid_uscc
from jubao.analysis.urls import target_key
from jubao.cases.models import Case, Judgement, Offence
from jubao.catalogue import Escalation, TimeLimit, TimeUnit, get_catalogue
from jubao.errors import DomainError
from jubao.vault.blind import blind_index

__all__ = ["Hint", "account_keys", "escalations", "offences_record", "subject_key"]


def account_keys(case: Case) -> set[str]:
    """Keyed hashes of the (platform, account) pairs named in the case's active reports."""
    keys = set()
    for fields in case.reports.values_list("targets__fields", flat=True):
        if not fields:
            continue
        account = fields.get("account_id") or fields.get("account_name")
        if account and str(account).strip():
            raw = target_key(platform=fields.get("platform") or "", account_id=str(account))
            keys.add(blind_index(purpose="cases.account", value=raw))
    return keys


def subject_key(number: str) -> str:
    """The keyed hash of an ID number or unified social credit code; refuses invalid ones."""
    number = number.strip().upper()
    if not (valid_id_number(number, date.today()) or valid_uscc(number)):
        raise DomainError(
            _("This is neither a valid ID number nor a valid unified social credit code."),
            code="invalid",
            field="subject",
        )
    return blind_index(purpose="cases.subject", value=number)


def offences_record(judgement: Judgement, subject: str = "", subject_check: str = "") -> int:
    """Count the judgement's offences against each account of the case; returns how many."""
    keys = sorted(account_keys(judgement.case))
    Offence.objects.bulk_create(
        Offence(
            judgement=judgement,
            case=judgement.case,
            account_key=key,
            subject_key=subject,
            subject_check=subject_check,
            malicious=judgement.malicious,
            at=judgement.at,
        )
        for key in keys
    )
    return len(keys)


@dataclass(frozen=True)
class Hint:
    """An escalation rule that holds for a case: why, which flag, which heavier measure."""

    measure: str  # the measure the rule belongs to
    when: str
    description: str
    flag: str | None
    propose: str | None


def _days(limit: TimeLimit) -> timedelta:
    if limit.unit is TimeUnit.HOURS:
        return timedelta(hours=limit.amount)
    # Working days are counted as calendar days here: a look-back window, not a deadline.
    return timedelta(days=limit.amount)


def _holds(rule: Escalation, measure: str, judgement: Judgement, now: datetime) -> bool:
    if rule.when == "malicious":
        return judgement.malicious
    found = list(judgement.offences.all())
    if rule.when == "group":
        return rule.accounts is not None and len({o.account_key for o in found}) >= rule.accounts
    if rule.when == "repeat" and rule.offences and rule.within:
        # Earlier offences that ended with this measure; this offence would be one more.
        earlier = Offence.objects.filter(
            measure_code=measure, at__gte=now - _days(rule.within)
        ).exclude(judgement=judgement)
        for key in {o.account_key for o in found}:
            if earlier.filter(account_key=key).count() + 1 >= rule.offences:
                return True
        for key in {o.subject_key for o in found if o.subject_key}:
            judged = earlier.filter(subject_key=key).values("judgement").distinct().count()
            if judged + 1 >= rule.offences:
                return True
    return False


def escalations(case: Case, now: datetime | None = None) -> list[Hint]:
    """The escalation rules of the item's measures that hold for the latest judgement."""
    judgement = case.judgements.order_by("-at", "-pk").first()
    if judgement is None or judgement.result == "not_infringing":
        return []
    now = now or timezone.now()
    item = get_catalogue().item(case.item_code)
    hints, seen = [], set()
    for measure in item.measures:
        for rule in measure.escalation:
            key = (rule.when, rule.flag, rule.propose)
            if key in seen or not _holds(rule, measure.code, judgement, now):
                continue
            seen.add(key)
            hints.append(
                Hint(measure.code, rule.when, str(rule.description), rule.flag, rule.propose)
            )
    return hints
