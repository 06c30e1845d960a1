"""What the federation page reads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jubao.federation import tree
from jubao.federation.jobs import FIGURE_FIELDS, below_figures, own_figures
from jubao.federation.models import InMessage, Link, MessageStatus, OutMessage, Peer


@dataclass(frozen=True)
class PeerRow:
    peer: Peer
    relation: str
    relation_label: str


def peers() -> list[PeerRow]:
    return [
        PeerRow(p, tree.relation(p.code), str(tree.RELATION_LABELS[tree.relation(p.code)]))
        for p in Peer.objects.all()
    ]


def outbox_counts() -> dict[str, int]:
    counts = {s.value: 0 for s in MessageStatus}
    for row in OutMessage.objects.values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    return counts


def recent_out(limit: int = 20) -> QuerySet[OutMessage]:
    return OutMessage.objects.select_related("peer")[:limit]


def recent_in(limit: int = 20) -> QuerySet[InMessage]:
    return InMessage.objects.select_related("sender")[:limit]


def late_hops() -> QuerySet[Link]:
    return (
        Link.objects.filter(settled_at__isnull=True, due_at__lte=timezone.now())
        .select_related("case", "peer")
        .order_by("due_at")
    )


def links() -> QuerySet[Link]:
    return Link.objects.select_related("case", "peer")


FIELD_LABELS = {
    "received": _("Reports received"),
    "opened": _("Cases opened"),
    "accepted": _("Accepted"),
    "not_accepted": _("Not accepted"),
    "disposed": _("Disposed"),
    "answered": _("Answered"),
    "forwarded": _("Forwarded to another instance"),
}


def rollup_table() -> dict[str, Any]:
    """Totals of the last days: ours, the instances' below us, and both together."""
    since = timezone.localdate() - dt.timedelta(days=settings.JUBAO_FEDERATION_ROLLUP_DAYS)
    fields = (*FIGURE_FIELDS, "forwarded")

    def total(days: dict[str, dict[str, int]]) -> list[int]:
        return [sum(d.get(f, 0) for d in days.values()) for f in fields]

    own, below = total(own_figures(since)), total(below_figures(since))
    rows = [(FIELD_LABELS[f], own[i], below[i], own[i] + below[i]) for i, f in enumerate(fields)]
    return {"rows": rows, "since": since}
