"""Scorecards of platforms over a period, computed from the work handed to them, and a ranking.

Nothing here is stored: each page computes the cards again with a handful of aggregate queries
(one grouped query per source, and one small query per platform for the median).
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.utils import timezone

from jubao.accounts.models import Platform
from jubao.intake.models import Evaluation
from jubao.oversight.models import AWAITING_RECTIFICATION, Problem
from jubao.platforms.models import Transfer, TransferStatus

DEFAULT_DAYS = 90
# The acknowledgement time that scores 0 in the composite score (a median of 0 hours scores 1).
ACK_TARGET_HOURS = 48
# Weights of the composite score; a component without data is left out and the others share
# its weight.
WEIGHTS = {
    "on_time": 0.30,
    "disposal": 0.25,
    "satisfaction": 0.20,
    "acknowledgement": 0.15,
    "complaints": 0.10,
}
COMPLAINT_DATE_FIELDS = ("created_at", "submitted_at", "filed_at", "received_at", "at")


@dataclass
class Scorecard:
    platform: Platform
    start: dt.datetime
    end: dt.datetime
    transfers: int = 0
    acknowledged: int = 0
    ack_median_hours: float | None = None
    due: int = 0
    on_time: int = 0
    closed: int = 0
    done: int = 0
    complaints: int | None = None  # None: no complaint records to count
    evaluations: int = 0
    satisfaction: float | None = None
    open_problems: int = 0
    overdue_problems: int = 0
    components: dict[str, float] = field(default_factory=dict)
    score: float | None = None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.due if self.due else None

    @property
    def disposal_rate(self) -> float | None:
        return self.done / self.closed if self.closed else None

    @property
    def complaint_rate(self) -> float | None:
        if self.complaints is None or not self.transfers:
            return None
        return self.complaints / self.transfers


def period_of(
    days: int = DEFAULT_DAYS, now: dt.datetime | None = None
) -> tuple[dt.datetime, dt.datetime]:
    end = now or timezone.now()
    return end - dt.timedelta(days=days), end


def complaint_model() -> tuple[type[models.Model], str | None] | None:
    """The complaint model and its date field, if the complaints app has a `Complaint` with a
    `platform` foreign key; else None (the complaint rate is then shown as "—")."""
    try:
        module = importlib.import_module("jubao.complaints.models")
    except ImportError:
        return None
    model = getattr(module, "Complaint", None)
    if model is None or not isinstance(model, type) or not issubclass(model, models.Model):
        return None
    try:
        platform_field = model._meta.get_field("platform")
    except FieldDoesNotExist:
        return None
    if not platform_field.is_relation or platform_field.related_model is not Platform:
        return None
    for name in COMPLAINT_DATE_FIELDS:
        try:
            found = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if isinstance(found, models.DateTimeField):
            return model, name
    return model, None


def _median_ack_hours(platform_id: int, period: Q, count: int) -> float | None:
    """The median of acknowledged_at − sent_at, read from the database: only the one or two
    middle rows are fetched."""
    if not count:
        return None
    waits = (
        Transfer.objects.filter(period, platform_id=platform_id, acknowledged_at__isnull=False)
        .annotate(
            wait=ExpressionWrapper(
                F("acknowledged_at") - F("sent_at"), output_field=DurationField()
            )
        )
        .order_by("wait", "pk")
        .values_list("wait", flat=True)
    )
    middle = list(waits[(count - 1) // 2 : count // 2 + 1])
    total = sum(middle, dt.timedelta())
    return total.total_seconds() / 3600 / len(middle)


def _score(card: Scorecard) -> None:
    parts: dict[str, float] = {}
    if card.on_time_rate is not None:
        parts["on_time"] = card.on_time_rate
    if card.disposal_rate is not None:
        parts["disposal"] = card.disposal_rate
    if card.satisfaction is not None:
        parts["satisfaction"] = (card.satisfaction - 1) / 4
    if card.ack_median_hours is not None:
        parts["acknowledgement"] = max(0.0, 1 - card.ack_median_hours / ACK_TARGET_HOURS)
    if card.complaint_rate is not None:
        parts["complaints"] = max(0.0, 1 - card.complaint_rate)
    card.components = parts
    weight = sum(WEIGHTS[k] for k in parts)
    if weight:
        card.score = round(100 * sum(WEIGHTS[k] * v for k, v in parts.items()) / weight, 1)


def scorecards(
    platforms: Iterable[Platform], *, start: dt.datetime, end: dt.datetime
) -> list[Scorecard]:
    """The scorecard of each platform for the period [start, end).

    The work counted is the transfers (cases and measures handed to the platform) sent in the
    period:

    - acknowledgement time: the median of `acknowledged_at − sent_at`, in hours, over the
      transfers the platform acknowledged;
    - on-time rate: on time ÷ due, where a transfer is *on time* when it was done
      (`done_at ≤ due_at`) or acknowledged (`acknowledged_at ≤ due_at`) by its due time, and *due*
      when its due time has passed by the end of the period or it is already on time;
    - disposal rate: done ÷ closed, where closed = status "done" or "disputed";
    - complaint rate: complaints about the platform filed in the period ÷ transfers sent in the
      period; None ("—") when jubao.complaints has no `Complaint` model with a `platform` key;
    - satisfaction: the mean evaluation score (1–5) given in the period by reporters of reports
      whose case's platform is the platform;
    - open and overdue problems of the problem ledger (now, not over the period), shown beside.

    Composite score (0–100) for the ranking: 100 × Σ wᵢ·sᵢ ÷ Σ wᵢ over the components that have
    data, with s = on-time rate (w 0.30), disposal rate (w 0.25), (satisfaction − 1) ÷ 4
    (w 0.20), max(0, 1 − median acknowledgement hours ÷ 48) (w 0.15) and
    max(0, 1 − complaint rate) (w 0.10). A platform with no data at all has no score.
    """
    chosen = list(platforms)
    ids = [p.pk for p in chosen]
    cards = {p.pk: Scorecard(platform=p, start=start, end=end) for p in chosen}
    if not ids:
        return []

    period = Q(sent_at__gte=start, sent_at__lt=end)
    on_time = Q(done_at__lte=F("due_at")) | Q(acknowledged_at__lte=F("due_at"))
    due = Q(due_at__lte=end) | on_time
    rows = (
        Transfer.objects.filter(period, platform_id__in=ids)
        .values("platform_id")
        .annotate(
            sent=Count("pk"),
            acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False)),
            due=Count("pk", filter=due),
            on_time=Count("pk", filter=on_time),
            closed=Count("pk", filter=Q(status__in=[TransferStatus.DONE, TransferStatus.DISPUTED])),
            done=Count("pk", filter=Q(status=TransferStatus.DONE)),
        )
        .order_by()
    )
    for row in rows:
        card = cards[row["platform_id"]]
        card.transfers, card.acknowledged = row["sent"], row["acknowledged"]
        card.due, card.on_time = row["due"], row["on_time"]
        card.closed, card.done = row["closed"], row["done"]
    for card in cards.values():
        card.ack_median_hours = _median_ack_hours(card.platform.pk, period, card.acknowledged)

    evaluations = (
        Evaluation.objects.filter(report__case__platform_id__in=ids, at__gte=start, at__lt=end)
        .values("report__case__platform_id")
        .annotate(n=Count("pk"), mean=Avg("score"))
        .order_by()
    )
    for grade in evaluations:
        card = cards[grade["report__case__platform_id"]]
        card.evaluations, card.satisfaction = grade["n"], float(grade["mean"])

    complaints = complaint_model()
    if complaints is not None:
        model, date_field = complaints
        filed = model._default_manager.filter(platform_id__in=ids)
        if date_field:
            filed = filed.filter(**{f"{date_field}__gte": start, f"{date_field}__lt": end})
        counted = dict(
            filed.values("platform_id")
            .annotate(n=Count("pk"))
            .order_by()
            .values_list("platform_id", "n")
        )
        for pk, card in cards.items():
            card.complaints = counted.get(pk, 0)

    today = timezone.localdate()
    problems = (
        Problem.objects.filter(platform_id__in=ids, status__in=AWAITING_RECTIFICATION)
        .values("platform_id")
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(deadline__lt=today)))
        .order_by()
    )
    for counts in problems:
        card = cards[counts["platform_id"]]
        card.open_problems, card.overdue_problems = counts["n"], counts["late"]

    for card in cards.values():
        _score(card)
    return [cards[pk] for pk in ids]


def ranking(cards: Iterable[Scorecard]) -> list[Scorecard]:
    """Highest composite score first; platforms without a score last; then by name."""
    return sorted(
        cards,
        key=lambda c: (c.score is None, -(c.score or 0), c.platform.name),
    )
