"""The account and subject blacklists: entries made by blacklist measures, appeals, and the
platforms' yes/no check.

An entry holds only a keyed hash: for an account the blind index "cases.account" of (platform,
account id), the key offences are counted under; for a subject (the person or company behind
accounts) the blind index of the ID number or unified social credit code, as
`cases.escalation.subject_key` computes it. A platform that asks learns yes or no for the key it
sent and nothing else; every question is written to the ledger and counted against a per-platform
rate limit in the cache.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jubao.accounts.models import Platform, User
from jubao.cases.models import Offence
from jubao.errors import DomainError
from jubao.ledger.services import actor_ref, ledger_append, obj_ref
from jubao.measures.checkhash import check_hash
from jubao.measures.models import (
    AppealStatus,
    BlacklistEntry,
    BlacklistKind,
    Measure,
    MeasureStatus,
)
from jubao.platforms.webhooks import webhook_enqueue

# Catalogue measures whose code starts so put their target on the blacklist.
BLACKLIST_PREFIX = "blacklist."
APPEAL_MAX_LENGTH = 4000
RATE = re.compile(r"^(\d+)/([smhd])$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_KEY = re.compile(r"^[0-9a-f]{64}$")


class CheckRateLimited(DomainError):
    status = 429

    def __init__(self) -> None:
        super().__init__(
            _("Too many blacklist checks in a short time. Wait a while and try again."),
            code="rate_limited",
        )


def is_blacklist(measure: Measure) -> bool:
    return measure.code.startswith(BLACKLIST_PREFIX)


def entries_in_force(now: datetime | None = None):
    now = now or timezone.now()
    return BlacklistEntry.objects.filter(lifted_at__isnull=True, expires_at__gt=now)


def _keys(measure: Measure) -> list[tuple[str, str]]:
    """(blacklist key, check hash) pairs of the measure's target."""
    if measure.target_kind == BlacklistKind.ACCOUNT:
        account = measure.target.get("account_id") or measure.target.get("account_name") or ""
        if not measure.target_key:
            return []
        return [(measure.target_key, check_hash("account", account) if account else "")]
    offences = Offence.objects.filter(case=measure.case).exclude(subject_key="")
    return sorted(set(offences.values_list("subject_key", "subject_check")))


def blacklist_from_measure(*, measure: Measure, at: datetime) -> list[BlacklistEntry]:
    """Put the target of a blacklist measure that just came into force on the blacklist.

    Called by `measure_applied` inside its transaction. The entry lasts for the measure's period,
    or JUBAO_BLACKLIST_DAYS when it has none (the measure then ends with the entry). An entry
    already in force for the same key gains the case as a source and the later expiry.
    """
    if not is_blacklist(measure):
        return []
    kind = measure.target_kind
    keys = _keys(measure)
    if kind not in BlacklistKind.values or not keys:
        raise DomainError(
            _(
                "Nobody to blacklist: the case names no account, or the judgement gave no ID "
                "number or unified social credit code of the subject."
            ),
            code="no_blacklist_target",
        )
    if measure.ends_at is None:
        measure.ends_at = at + timedelta(days=settings.JUBAO_BLACKLIST_DAYS)
        measure.save(update_fields=["ends_at"])
    reason = measure.proposal.reasons if measure.proposal else measure.code
    entries = []
    platform = measure.platform if kind == BlacklistKind.ACCOUNT else None
    for key, check in keys:
        entry = entries_in_force(at).select_for_update().filter(kind=kind, key=key).first()
        if entry is None:
            entry = BlacklistEntry.objects.create(
                kind=kind,
                key=key,
                check_hash=check,
                platform=platform,
                reason=reason,
                expires_at=measure.ends_at,
            )
        elif entry.expires_at < measure.ends_at:
            entry.expires_at = measure.ends_at
            entry.save(update_fields=["expires_at"])
        entry.source_cases.add(measure.case_id)
        entry.measures.add(measure)
        ledger_append(
            actor="system",
            action="blacklist.add",
            ref=obj_ref(entry),
            payload={"case": measure.case_id, "measure": measure.pk, "kind": kind},
        )
        entries.append(entry)
    return entries


def _locked(entry: BlacklistEntry) -> BlacklistEntry:
    return BlacklistEntry.objects.select_for_update().get(pk=entry.pk)


def _text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(message, code="required", field=field)
    if len(value) > APPEAL_MAX_LENGTH:
        raise DomainError(
            _("Keep it under %(max)d characters.") % {"max": APPEAL_MAX_LENGTH},
            code="too_long",
            field=field,
        )
    return value


class AppealConflict(DomainError):
    status = 409


@transaction.atomic
def blacklist_appeal(*, entry: BlacklistEntry, text: str, by: User | None = None) -> BlacklistEntry:
    """Record the listed party's appeal (received by the office, `by` enters it); one per entry."""
    locked = _locked(entry)
    if not locked.in_force(timezone.now()):
        raise AppealConflict(_("This entry is no longer in force."), code="not_in_force")
    if locked.appeal_status != AppealStatus.NONE:
        raise AppealConflict(_("This entry already has an appeal."), code="appeal_exists")
    locked.appeal_text = _text(text, "text", _("Write what the appeal says."))
    locked.appeal_status, locked.appeal_at = AppealStatus.PENDING, timezone.now()
    locked.save(update_fields=["appeal_text", "appeal_status", "appeal_at"])
    ledger_append(actor=actor_ref(by), action="blacklist.appeal", ref=obj_ref(locked))
    return locked


@transaction.atomic
def blacklist_appeal_decide(
    *, entry: BlacklistEntry, by: User, uphold: bool, note: str = ""
) -> BlacklistEntry:
    """Decide a pending appeal: upheld lifts the entry (and ends its measures), dismissed keeps
    it, with the reasons."""
    locked = _locked(entry)
    if locked.appeal_status != AppealStatus.PENDING:
        raise AppealConflict(_("No appeal is waiting for a decision."), code="no_appeal")
    note = (note or "").strip()
    if not uphold and not note:
        raise DomainError(_("Say why the appeal is dismissed."), code="required", field="note")
    now = timezone.now()
    locked.appeal_status = AppealStatus.UPHELD if uphold else AppealStatus.DISMISSED
    locked.appeal_decision, locked.appeal_decided_at, locked.appeal_decided_by = note, now, by
    fields = ["appeal_status", "appeal_decision", "appeal_decided_at", "appeal_decided_by"]
    if uphold:
        locked.lifted_at = now
        fields.append("lifted_at")
        _end_measures(locked, now)
    locked.save(update_fields=fields)
    ledger_append(
        actor=actor_ref(by),
        action="blacklist.appeal_decide",
        ref=obj_ref(locked),
        payload={"upheld": uphold},
    )
    return locked


def _end_measures(entry: BlacklistEntry, now: datetime) -> None:
    for measure in entry.measures.select_for_update().filter(status=MeasureStatus.ACTIVE):
        measure.status, measure.ended_at = MeasureStatus.ENDED, now
        measure.save(update_fields=["status", "ended_at"])
        ledger_append(actor="system", action="measure.end", ref=obj_ref(measure))
        if measure.platform is not None:
            webhook_enqueue(
                platform=measure.platform,
                event="measure.lifted",
                body={
                    "event": "measure.lifted",
                    "measure": str(measure.public_id),
                    "code": measure.code,
                    "status": measure.status,
                    "target": measure.target,
                    "reason": "appeal_upheld",
                },
                key=f"measure.lifted:{measure.public_id}",
            )


def parse_rate(rate: str) -> tuple[int, int]:
    """ "600/m" -> (600, 60); raises ValueError on anything else."""
    found = RATE.match(rate.strip())
    if not found:
        raise ValueError(f"bad rate {rate!r}: expected N/s, N/m, N/h or N/d")
    return int(found.group(1)), _SECONDS[found.group(2)]


def _over_limit(platform: Platform) -> bool:
    allowed, window = parse_rate(settings.JUBAO_RATE_BLACKLIST_CHECK)
    name = f"jubao:blacklist-check:{platform.pk}:{int(time.time() // window)}"
    cache.add(name, 0, timeout=window)
    try:
        used = cache.incr(name)
    except ValueError:  # the counter expired between add and incr
        cache.set(name, 1, timeout=window)
        used = 1
    return used > allowed


@transaction.atomic
def blacklist_check(*, platform: Platform, kind: str, key: str) -> bool:
    """Whether `key` (a check hash, see checkhash.py) of `kind` is on the blacklist now: yes or no,
    nothing more; an account is looked up among the asking platform's accounts only.
    Every check is written to the ledger; past JUBAO_RATE_BLACKLIST_CHECK it is refused."""
    if kind not in BlacklistKind.values:
        raise DomainError(_("Choose account or subject."), code="invalid", field="kind")
    key = (key or "").strip().lower()
    if not _KEY.match(key):
        raise DomainError(
            _("The key must be 64 hexadecimal characters."), code="invalid", field="key"
        )
    if _over_limit(platform):
        raise CheckRateLimited()
    found = entries_in_force().filter(kind=kind, check_hash=key)
    if kind == BlacklistKind.ACCOUNT:
        found = found.filter(platform=platform)
    listed = found.exists()
    ledger_append(
        actor=f"platform:{platform.pk}",
        action="blacklist.check",
        ref=obj_ref(platform),
        payload={"platform": platform.pk, "kind": kind, "key": key},
    )
    return listed
