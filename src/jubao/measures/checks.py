"""System checks of the measures' settings: a bad value stops start-up with its name."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error

from jubao.catalogue import get_catalogue
from jubao.catalogue.reader import CatalogueError


def check_measures(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors = []
    from jubao.measures.blacklist import parse_rate

    try:
        parse_rate(settings.JUBAO_RATE_BLACKLIST_CHECK)
    except ValueError as exc:
        errors.append(Error(f"JUBAO_RATE_BLACKLIST_CHECK: {exc}", id="jubao.measures.E001"))
    try:
        catalogue = get_catalogue()
    except CatalogueError:
        return errors  # the catalogue's own check names the problem
    removal = {m.code: m for m in catalogue.measures}.get(settings.JUBAO_MEASURE_REMOVAL)
    if removal is None or removal.target != "content":
        errors.append(
            Error(
                f"JUBAO_MEASURE_REMOVAL: {settings.JUBAO_MEASURE_REMOVAL!r} is not a catalogue "
                "measure on content",
                id="jubao.measures.E002",
            )
        )
    return errors
