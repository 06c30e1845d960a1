"""The process-wide catalogue: loaded once from the configured folder, reloadable for tests."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from jubao.catalogue.entities import Catalogue
from jubao.catalogue.loader import DATA_DIR, load_catalogue

_cache: dict[Path, Catalogue] = {}
_lock = threading.Lock()


def catalogue_dir() -> Path:
    """The data folder in use: setting JUBAO_CATALOGUE_DIR, or the bundled data."""
    configured = getattr(settings, "JUBAO_CATALOGUE_DIR", None)
    return Path(configured).resolve() if configured else DATA_DIR


def get_catalogue() -> Catalogue:
    """The catalogue of the configured folder, loaded and validated on first use.

    Raises `CatalogueError` if the catalogue is broken; the system checks report the same
    problems at start-up, so a running server never meets a broken catalogue here.
    """
    folder = catalogue_dir()
    found = _cache.get(folder)
    if found is None:
        with _lock:
            found = _cache.get(folder)
            if found is None:
                found = _cache[folder] = load_catalogue(folder)
    return found


def clear_cache() -> None:
    """Forget loaded catalogues so that the next `get_catalogue()` reads the files again."""
    with _lock:
        _cache.clear()


@receiver(setting_changed)
def _setting_changed(*, setting: str, **kwargs: Any) -> None:
    # Tests point JUBAO_CATALOGUE_DIR at a temporary copy; drop the cache when they do.
    if setting == "JUBAO_CATALOGUE_DIR":
        clear_cache()
