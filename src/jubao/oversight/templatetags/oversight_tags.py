"""Showing scorecard figures: a rate as a percentage, hours with one decimal, "—" for no data."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format

register = template.Library()

NO_DATA = "—"


@register.filter
def percent(value: float | None) -> str:
    if value is None:
        return NO_DATA
    return f"{number_format(value * 100, 1)}%"


@register.filter
def decimal1(value: float | None) -> str:
    if value is None:
        return NO_DATA
    return number_format(value, 1)
