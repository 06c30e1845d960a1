"""Models of jubao.insights: transparency (§20) and the laws library (§3).

- `TypicalCase`: a finished case written up for the public, redacted, checked by a person,
  approved by someone else, then published.
- `PlatformFigures`: a platform's handling figures for one month, as the platform submitted them.
- `LawEntry`: a law, regulation or rule in the public library, with our summary.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jubao.accounts.models import Office, Platform
from jubao.cases.models import Case

TITLE_MAX_LENGTH = 200
TEXT_MAX_LENGTH = 20000


class TypicalStatus(models.TextChoices):
    DRAFTED = "drafted", _("Drafted")
    CHECKED = "checked", _("Redaction checked")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class TypicalCase(models.Model):
    """A finished case written up as a typical case for the public.

    The text is drafted from the case and redacted by the analysis engine; a person checks the
    redaction (and may edit the text), then an approver who neither drafted nor checked it
    approves it, and it is published. The database keeps the approver apart from the drafter and
    the checker, as the service does."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="typical_cases")
    item_code = models.CharField(_("report item"), max_length=64)
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    text = models.TextField(_("text"))
    status = models.CharField(
        _("status"), max_length=16, choices=TypicalStatus.choices, default=TypicalStatus.DRAFTED
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    drafted_at = models.DateTimeField(_("drafted"), auto_now_add=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("typical case")
        verbose_name_plural = _("typical cases")
        indexes = [models.Index(fields=["status", "published_at"])]
        constraints = [
            # Separation of duties in the database too: a raw update cannot self-approve.
            models.CheckConstraint(
                condition=~models.Q(approved_by=models.F("drafted_by")),
                name="typical_not_approved_by_drafter",
            ),
            models.CheckConstraint(
                condition=~models.Q(approved_by=models.F("checked_by")),
                name="typical_not_approved_by_checker",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(status=TypicalStatus.DRAFTED)
                    | models.Q(status=TypicalStatus.WITHDRAWN)
                    | models.Q(status=TypicalStatus.CHECKED, checked_by__isnull=False)
                    | models.Q(
                        status=TypicalStatus.APPROVED,
                        checked_by__isnull=False,
                        approved_by__isnull=False,
                    )
                    | models.Q(
                        status=TypicalStatus.PUBLISHED,
                        checked_by__isnull=False,
                        approved_by__isnull=False,
                        published_at__isnull=False,
                    )
                ),
                name="typical_steps_complete",
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=~models.Q(status=TypicalStatus.WITHDRAWN),
                name="typical_once_per_case",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class PlatformFigures(models.Model):
    """A platform's handling figures for one month; a resubmission replaces them (the earlier
    values are kept in `history`, and each submission is in the ledger)."""

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="figures")
    month = models.DateField(_("month"))  # the first day of the month
    received = models.PositiveIntegerField(_("reports received"))
    handled = models.PositiveIntegerField(_("reports handled"))
    removed = models.PositiveIntegerField(_("items removed"))
    accounts_handled = models.PositiveIntegerField(_("accounts handled"))
    median_hours = models.DecimalField(
        _("median handling time (hours)"), max_digits=8, decimal_places=1
    )
    revision = models.PositiveSmallIntegerField(default=1)
    submitted_at = models.DateTimeField(_("submitted"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Earlier submissions for the same month: [{"revision", "submitted_at", figures...}].
    history = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-month", "platform"]
        verbose_name = _("platform figures")
        verbose_name_plural = _("platform figures")
        constraints = [
            models.UniqueConstraint(fields=["platform", "month"], name="figures_once_per_month"),
            models.CheckConstraint(
                condition=models.Q(median_hours__gte=0), name="figures_median_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.platform_id} {self.month:%Y-%m}"


class LawStatus(models.TextChoices):
    IN_FORCE = "in_force", _("In force")
    AMENDED = "amended", _("Amended")
    REPEALED = "repealed", _("Repealed")


class LawEntry(models.Model):
    """A law, regulation or rule in the public library: what it is, the articles that matter for
    reporting online infringement, and our own summary."""

    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    issuing_body = models.CharField(_("issuing body"), max_length=200)
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    issued_on = models.DateField(_("issued"), null=True, blank=True)
    effective_on = models.DateField(_("effective"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=LawStatus.choices, default=LawStatus.IN_FORCE
    )
    articles = models.TextField(_("articles that matter"), blank=True)
    summary = models.TextField(_("our summary"))
    link = models.URLField(_("link to the official text"), blank=True)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        ordering = ["-effective_on", "-pk"]
        verbose_name = _("law or regulation")
        verbose_name_plural = _("laws and regulations")

    def __str__(self) -> str:
        return self.title


class WarningDimension(models.TextChoices):
    TARGET = "target", _("Reported target")
    ITEM = "item", _("Report item")
    REGION = "region", _("Region")
    PLATFORM = "platform", _("Platform")


class WarningKind(models.TextChoices):
    SURGE = "surge", _("Surge of reports")
    CYBERVIOLENCE = "cyberviolence", _("Possible cyber-violence")


class WarningStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("early warning", "Open")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("early warning", "Acknowledged")
    CLOSED = "closed", pgettext_lazy("early warning", "Closed")


class EarlyWarning(models.Model):
    """A surge of reports about one key (a target, a report item, a region or a platform) in one
    interval, found by the spike detector (§7). The evidence is the ids of the reports counted in
    the interval. A surge about a person's target is a cyber-violence alert (§9): the platform
    where the content is gets one webhook recommending protective measures."""

    dimension = models.CharField(_("dimension"), max_length=16, choices=WarningDimension.choices)
    # target: Target.target_key; item: the item code; region: province code prefix ("33");
    # platform: the platform's id.
    key = models.CharField(_("key"), max_length=64)
    kind = models.CharField(
        _("kind"), max_length=16, choices=WarningKind.choices, default=WarningKind.SURGE
    )
    interval_start = models.DateTimeField(_("interval start"))
    interval_hours = models.PositiveSmallIntegerField(_("interval (hours)"), default=1)
    count = models.PositiveIntegerField(_("reports in the interval"))
    baseline = models.FloatField(_("expected reports"))
    score = models.FloatField(_("score"))
    report_ids = models.JSONField(_("evidence (report ids)"), default=list)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    # The platform advised to protect the person (cyber-violence), or the platform of the key.
    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    advised_at = models.DateTimeField(_("platform advised"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=WarningStatus.choices, default=WarningStatus.OPEN
    )
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledge_note = models.TextField(_("note on acknowledging"), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    close_note = models.TextField(_("note on closing"), blank=True)

    class Meta:
        ordering = ["-interval_start", "-pk"]
        verbose_name = _("early warning")
        verbose_name_plural = _("early warnings")
        indexes = [
            models.Index(fields=["status", "interval_start"]),
            models.Index(fields=["office", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "key", "interval_start"], name="warning_once_per_interval"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dimension}:{self.key} {self.interval_start:%Y-%m-%d %H:%M}"


class FigureCounts(models.Model):
    """The counts of a figure (see `DailyFigure`)."""

    received = models.PositiveIntegerField(default=0)
    opened = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    not_accepted = models.PositiveIntegerField(default=0)
    disposed = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)
    answered_on_time = models.PositiveIntegerField(default=0)
    handling_seconds_sum = models.PositiveBigIntegerField(default=0)
    handling_count = models.PositiveIntegerField(default=0)
    # Time from opening to the first answer: at most 1, 3, 7, 15, 30 days, and longer.
    handled_1d = models.PositiveIntegerField(default=0)
    handled_3d = models.PositiveIntegerField(default=0)
    handled_7d = models.PositiveIntegerField(default=0)
    handled_15d = models.PositiveIntegerField(default=0)
    handled_30d = models.PositiveIntegerField(default=0)
    handled_more = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class DailyFigure(FigureCounts):
    """Pre-aggregated figures of one day for one combination of office, report item, channel and
    platform, kept current by `jubao.insights.stats` as reports arrive and cases move, and read
    by the statistics dashboards instead of the reports and cases themselves.

    `received` counts reports by the day they were submitted. The other counts follow the cases
    opened that day (a cohort): `opened` cases, and of those the ones `accepted`, `not_accepted`,
    `disposed` and `answered` (each counted once per case), the answers within the time limit,
    and the time from opening to the first answer (sum, count and histogram buckets). A case is
    filed under the channel of its first report."""

    day = models.DateField(_("day"))
    region = models.CharField(_("region"), max_length=6)  # the province code, "330000"
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    item_code = models.CharField(_("report item"), max_length=64)
    channel = models.CharField(_("channel"), max_length=16, blank=True)
    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("daily figure")
        verbose_name_plural = _("daily figures")
        indexes = [
            models.Index(fields=["day"]),
            models.Index(fields=["region", "day"]),
            models.Index(fields=["office", "day"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "office", "item_code", "channel", "platform"],
                name="daily_figure_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.office_id} {self.item_code} {self.channel}"


class Grain(models.IntegerChoices):
    """The dimensions a slice keeps, as bits: region 1, report item 2, channel 4, platform 8."""

    TOTAL = 0, _("everything")
    REGION = 1, _("region")
    ITEM = 2, _("report item")
    REGION_ITEM = 3, _("region and report item")
    CHANNEL = 4, _("channel")
    REGION_CHANNEL = 5, _("region and channel")
    ITEM_CHANNEL = 6, _("report item and channel")
    PLATFORM = 8, _("platform")
    REGION_PLATFORM = 9, _("region and platform")
    ITEM_PLATFORM = 10, _("report item and platform")
    CHANNEL_PLATFORM = 12, _("channel and platform")


class SliceFigure(FigureCounts):
    """The daily figures summed over everything but the dimensions of one grain (at most two of
    region, report item, channel and platform), so that a dashboard query reads a few thousand
    rows a year whatever the number of reports. Kept current with `DailyFigure`, in the same
    transaction. A dimension the grain leaves out holds "" (0 for the platform); within a grain
    that keeps the platform, 0 means "no platform"."""

    grain = models.PositiveSmallIntegerField(_("grain"), choices=Grain.choices)
    day = models.DateField(_("day"))
    region = models.CharField(_("region"), max_length=6, blank=True, default="")
    item_code = models.CharField(_("report item"), max_length=64, blank=True, default="")
    channel = models.CharField(_("channel"), max_length=16, blank=True, default="")
    platform_id = models.IntegerField(_("platform"), default=0)

    class Meta:
        verbose_name = _("slice of the daily figures")
        verbose_name_plural = _("slices of the daily figures")
        indexes = [
            models.Index(fields=["grain", "region", "day"], name="slice_region_day"),
            models.Index(fields=["grain", "item_code", "day"], name="slice_item_day"),
            models.Index(fields=["grain", "channel", "day"], name="slice_channel_day"),
            models.Index(fields=["grain", "platform_id", "day"], name="slice_platform_day"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "day", "region", "item_code", "channel", "platform_id"],
                name="slice_figure_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.grain} {self.region} {self.item_code} {self.channel}"


class MeasureSlice(models.Model):
    """Measures ordered per day and measure, summed over everything but at most one of region,
    report item and platform (grains 0, 1, 2 and 8 of `Grain`)."""

    grain = models.PositiveSmallIntegerField(_("grain"), choices=Grain.choices)
    day = models.DateField(_("day"))
    code = models.CharField(_("measure"), max_length=48)
    region = models.CharField(_("region"), max_length=6, blank=True, default="")
    item_code = models.CharField(_("report item"), max_length=64, blank=True, default="")
    platform_id = models.IntegerField(_("platform"), default=0)
    ordered = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("slice of the measure figures")
        verbose_name_plural = _("slices of the measure figures")
        indexes = [
            models.Index(fields=["grain", "region", "day"], name="mslice_region_day"),
            models.Index(fields=["grain", "item_code", "day"], name="mslice_item_day"),
            models.Index(fields=["grain", "platform_id", "day"], name="mslice_platform_day"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["grain", "day", "code", "region", "item_code", "platform_id"],
                name="measure_slice_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.grain} {self.code}"


class MeasureFigure(models.Model):
    """Measures ordered on one day, by office, measure, report item and platform."""

    day = models.DateField(_("day"))
    region = models.CharField(_("region"), max_length=6)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("measure"), max_length=48)
    item_code = models.CharField(_("report item"), max_length=64)
    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ordered = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("measure figure")
        verbose_name_plural = _("measure figures")
        indexes = [models.Index(fields=["day"]), models.Index(fields=["region", "day"])]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "office", "code", "item_code", "platform"],
                name="measure_figure_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.office_id} {self.code}"
