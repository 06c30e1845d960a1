"""The statistics dashboard's filter form: a period in months and the optional keys."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jubao.accounts.models import Office, OfficeLevel, Platform
from jubao.catalogue import get_catalogue
from jubao.insights.stats import Filters
from jubao.intake.models import Channel

MONTH_FORMAT = "%Y-%m"


def month_of(text: str) -> date | None:
    try:
        return datetime.strptime(text, MONTH_FORMAT).date()
    except (TypeError, ValueError):
        return None


def months_back(day: date, count: int) -> date:
    """The first day of the month `count` months before `day`'s month."""
    index = day.year * 12 + day.month - 1 - count
    return date(index // 12, index % 12 + 1, 1)


class MonthInput(forms.TextInput):
    input_type = "month"


class StatisticsForm(forms.Form):
    start = forms.CharField(label=_("From (month)"), required=False, widget=MonthInput)
    end = forms.CharField(label=_("To (month)"), required=False, widget=MonthInput)
    region = forms.ChoiceField(label=_("Region"), required=False)
    item = forms.ChoiceField(label=_("Report item"), required=False)
    platform = forms.ChoiceField(label=_("Platform"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)

    def __init__(self, *args: Any, offices: QuerySet[Office], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        provinces = offices.filter(level=OfficeLevel.PROVINCE).order_by("code")
        self._choice("region").choices = [("", _("All regions"))] + [
            (o.code, o.name) for o in provinces
        ]
        self._choice("item").choices = [("", _("All items"))] + [
            (i.code, str(i.name)) for i in get_catalogue().items
        ]
        self._choice("platform").choices = [("", _("All platforms"))] + [
            (str(p.pk), p.name) for p in Platform.objects.order_by("name")
        ]
        self._choice("channel").choices = [("", _("All channels")), *Channel.choices]

    def _choice(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("start", "end"):
            if data.get(name) and month_of(data[name]) is None:
                self.add_error(name, _("Enter a month as YYYY-MM."))
        return data

    def filters(self) -> Filters:
        """The filters asked for; without a valid form, the last 12 months of everything."""
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        end = month_of(data.get("end", "")) or today.replace(day=1)
        start = month_of(data.get("start", "")) or months_back(end, 11)
        if start > end:
            start, end = end, start
        platform = data.get("platform") or ""
        return Filters.months(
            start,
            end,
            region=data.get("region") or "",
            item=data.get("item") or "",
            platform=int(platform) if platform.isdigit() else None,
            channel=data.get("channel") or "",
        )
