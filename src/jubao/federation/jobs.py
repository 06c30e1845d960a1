"""The federation's background work, one round per call of `federation_round` (run by
`jubao workers` and `jubao federation sync`):

1. announce the fingerprints of our open cases to every peer, and withdraw those of cases that
   finished;
2. route: with a duty intake officer configured (`JUBAO_FEDERATION_ROUTER`), transfer each
   pending case that belongs elsewhere (its platform is registered where a peer serves, or a
   peer announced an earlier open case about the same content) in that officer's name;
3. deliver the outbox;
4. report hops whose receiving office has not accepted or refused in time to the supervisors;
5. roll our figures (and those rolled up to us) up to the instance above, every
   `JUBAO_FEDERATION_ROLLUP_MINUTES`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jubao.accounts.models import Office, Role, User
from jubao.cases.models import FINISHED, Case, CaseStatus
from jubao.errors import DomainError
from jubao.federation import fingerprints, tree
from jubao.federation.models import Direction, Fingerprint, Link, OutMessage, Peer, RolledUpFigure
from jubao.federation.outbox import message_enqueue, messages_deliver
from jubao.ledger.services import ledger_append, obj_ref

ANNOUNCE_BATCH = 200
FIGURE_FIELDS = ("received", "opened", "accepted", "not_accepted", "disposed", "answered")


# --- 1. fingerprints -----------------------------------------------------------------------------


def _entry(case: Case, values: list[str], is_open: bool) -> dict[str, Any]:
    return {
        "case": str(case.public_id),
        "office": case.jurisdiction.code,
        "opened": case.opened_at.isoformat(),
        "open": is_open,
        "fingerprints": values,
    }


def _belongs_here(case: Case) -> bool:
    """A case waiting to be forwarded is not announced: the instance it goes to will."""
    return case.platform is None or tree.served_here(case.platform.jurisdiction.code)


@transaction.atomic
def fingerprints_sync(*, limit: int = ANNOUNCE_BATCH) -> int:
    """Announce new open cases and withdraw finished ones; returns how many cases changed."""
    peers = list(Peer.objects.filter(enabled=True))
    if not peers:
        return 0  # alone: nothing to announce (cases open now are announced once peers exist)
    known = Fingerprint.objects.filter(peer__isnull=True).values("case")
    fresh = (
        Case.objects.exclude(status__in=FINISHED)
        .exclude(pk__in=known)
        .select_related("jurisdiction", "platform__jurisdiction")
        .order_by("-opened_at")[:limit]
    )
    entries = []
    for case in fresh:
        if not _belongs_here(case):
            continue
        values = fingerprints.of_case(case)
        if not values:
            continue
        Fingerprint.objects.bulk_create(
            Fingerprint(
                value=v, case=case, office_code=case.jurisdiction.code, opened_at=case.opened_at
            )
            for v in values
        )
        entries.append(_entry(case, values, True))
    closed = (
        Fingerprint.objects.filter(peer__isnull=True, open=True, case__status__in=FINISHED)
        .select_related("case__jurisdiction")
        .order_by("case")
    )
    done: dict[int, Case] = {}
    for row in closed[: limit * 10]:
        assert row.case is not None
        done[row.case.pk] = row.case
    for case in done.values():
        Fingerprint.objects.filter(peer__isnull=True, case=case).update(open=False)
        entries.append(_entry(case, [], False))
    if entries:
        for peer in peers:
            message_enqueue(peer=peer, kind="fingerprint.announce", body={"cases": entries})
    return len(entries)


# --- 2. routing ----------------------------------------------------------------------------------


def _router() -> User | None:
    name = settings.JUBAO_FEDERATION_ROUTER
    if not name:
        return None
    return User.objects.filter(username=name, is_active=True, role_grants__role=Role.INTAKE).first()


def destination(case: Case) -> Office | None:
    """Where a pending case of ours belongs, if another instance serves it: the office of an
    earlier open case about the same content at a peer, else its platform's registered place."""
    values = fingerprints.of_case(case)
    earlier = (
        Fingerprint.objects.filter(
            peer__enabled=True, open=True, value__in=values, opened_at__lt=case.opened_at
        )
        .exclude(office_code=case.jurisdiction.code)
        .order_by("opened_at")
    )
    for match in earlier:
        if tree.route(match.office_code) is not None:
            office = Office.objects.filter(code=match.office_code).first()
            if office is not None:
                return office
    place = case.platform.jurisdiction if case.platform is not None else None
    if place is not None and not tree.served_here(place.code) and tree.route(place.code):
        return place
    return None


def routes_run(*, limit: int = 100) -> list[str]:
    """Transfer pending cases that belong elsewhere, as the duty intake officer."""
    from jubao.cases.services import case_transition
    from jubao.cases.workflow import Move

    router = _router()
    if router is None or not Peer.objects.filter(enabled=True).exists():
        return []
    moved = []
    pending = (
        Case.objects.filter(status=CaseStatus.PENDING)
        .select_related("jurisdiction", "platform__jurisdiction")
        .order_by("opened_at")[:limit]
    )
    for case in pending:
        office = destination(case)
        if office is None or office == case.jurisdiction:
            continue
        try:
            with translation.override(settings.LANGUAGE_CODE):
                case_transition(
                    case=case,
                    move=Move.TRANSFER,
                    actor=router,
                    office=office,
                    note=_("Routed to the instance that serves this office."),
                )
        except DomainError:
            continue
        moved.append(case.reference)
    return moved


# --- 4. late hops --------------------------------------------------------------------------------


def hops_watch(*, now: dt.datetime | None = None) -> list[int]:
    """Report each hop past its deadline once: ledger entry and an e-mail to the supervisors."""
    from jubao.notify.services import notify_enqueue

    now = now or timezone.now()
    late = Link.objects.filter(
        settled_at__isnull=True, due_at__lte=now, overdue_reported_at__isnull=True
    ).select_related("case", "peer")
    reported = []
    for link in late:
        with transaction.atomic():
            if not Link.objects.filter(pk=link.pk, overdue_reported_at__isnull=True).update(
                overdue_reported_at=now
            ):
                continue
            ledger_append(
                actor="system",
                action="federation.hop_overdue",
                ref=obj_ref(link.case),
                payload={"link": link.pk, "peer": link.peer.code, "direction": link.direction},
            )
            people = User.objects.filter(is_active=True, role_grants__role=Role.SUPERVISOR).exclude(
                email=""
            )
            with translation.override(settings.LANGUAGE_CODE):
                subject = _("Case %(reference)s: a hop between instances is late") % {
                    "reference": link.case.reference
                }
                text = _(
                    "Case %(reference)s was passed between this instance and %(peer)s and has "
                    "not been accepted or refused in time."
                ) % {"reference": link.case.reference, "peer": link.peer.name}
            for person in people.distinct():
                notify_enqueue(channel="email", to=person.email, subject=subject, body=text)
        reported.append(link.pk)
    return reported


# --- 5. roll-up ----------------------------------------------------------------------------------


def own_figures(since: dt.date) -> dict[str, dict[str, int]]:
    """Our figures by day from the statistics' pre-aggregated table, and the cases we
    forwarded (a forwarded report is received here and again where it is handled)."""
    from jubao.insights.models import DailyFigure

    days: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIGURE_FIELDS, 0))
    rows = (
        DailyFigure.objects.filter(day__gte=since)
        .values("day")
        .annotate(**{f: Sum(f) for f in FIGURE_FIELDS})
    )
    for row in rows:
        found: dict[str, Any] = dict(row)
        days[found["day"].isoformat()].update({f: int(found[f] or 0) for f in FIGURE_FIELDS})
    forwarded = (
        Link.objects.filter(direction=Direction.OUT, sent_at__date__gte=since)
        .annotate(day=TruncDate("sent_at"))
        .values("day")
        .annotate(n=Count("pk"))
    )
    for row in forwarded:
        days[row["day"].isoformat()]["forwarded"] = row["n"]
    return dict(days)


def below_figures(since: dt.date) -> dict[str, dict[str, int]]:
    """The sum, by day, of what the instances directly below us rolled up."""
    days: dict[str, dict[str, int]] = defaultdict(dict)
    for row in RolledUpFigure.objects.filter(day__gte=since):
        target = days[row.day.isoformat()]
        for name, value in row.figures.items():
            target[name] = target.get(name, 0) + int(value)
    return dict(days)


def combined_figures(since: dt.date) -> dict[str, dict[str, int]]:
    total: dict[str, dict[str, int]] = defaultdict(dict)
    for part in (own_figures(since), below_figures(since)):
        for day, figures in part.items():
            for name, value in figures.items():
                total[day][name] = total[day].get(name, 0) + value
    return dict(total)


def rollup_send(*, force: bool = False, now: dt.datetime | None = None) -> OutMessage | None:
    """Queue our figures of the last `JUBAO_FEDERATION_ROLLUP_DAYS` days, with those of the
    instances below us, for the instance above us (at most every ..._MINUTES unless forced)."""
    now = now or timezone.now()
    above = tree.parent()
    if above is None:
        return None
    interval = dt.timedelta(minutes=settings.JUBAO_FEDERATION_ROLLUP_MINUTES)
    last = OutMessage.objects.filter(peer=above, kind="figures.rollup").order_by("-created_at")
    latest = last.first()
    if not force and latest is not None and latest.created_at > now - interval:
        return None
    since = timezone.localdate(now) - dt.timedelta(days=settings.JUBAO_FEDERATION_ROLLUP_DAYS)
    body = {"sent": now.isoformat(), "days": combined_figures(since)}
    with transaction.atomic():
        return message_enqueue(peer=above, kind="figures.rollup", body=body)


def federation_round() -> dict[str, Any]:
    """One round of every federation job (see the module's docstring)."""
    announced = fingerprints_sync()
    routed = routes_run()
    delivered = messages_deliver()
    late = hops_watch()
    rolled = rollup_send()
    if rolled is not None:
        delivered += messages_deliver()
    return {
        "announced": announced,
        "routed": len(routed),
        "delivered": delivered,
        "late": len(late),
        "rolled_up": rolled is not None,
    }
