"""System checks: the catalogue must load and validate before the server or a command starts."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error

from jubao.catalogue.reader import CatalogueError
from jubao.catalogue.registry import catalogue_dir, clear_cache, get_catalogue


def check_catalogue(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Load the configured catalogue afresh; one Error per problem, naming file, entry, field."""
    # Reload so that `manage.py check` sees edits made since the process started.
    clear_cache()
    try:
        get_catalogue()
    except CatalogueError as exc:
        folder = catalogue_dir()
        return [
            Error(
                str(issue),
                hint=f"Fix the catalogue in {folder}; see docs/catalogue.md.",
                obj="catalogue",
                id=issue.check_id,
            )
            for issue in exc.issues
        ]
    return []
