"""The standards catalogue: report items, proof, acceptance, referrals, measures (data/*.toml).

Everything that handles reports reads its items, time limits and measures from here:

    from jubao.catalogue import get_catalogue
    item = get_catalogue().item("personal.doxxing")
"""

from jubao.catalogue.entities import (
    Area,
    Catalogue,
    Escalation,
    Measure,
    Referral,
    RefusalReason,
    ReporterRole,
    ReportItem,
    Result,
    Stage,
    Text,
    TimeLimit,
    TimeUnit,
    Track,
)
from jubao.catalogue.loader import content_hash, load_catalogue
from jubao.catalogue.reader import CatalogueError, Issue
from jubao.catalogue.registry import catalogue_dir, clear_cache, get_catalogue
from jubao.catalogue.search import SearchHit, search

__all__ = [
    "Area",
    "Catalogue",
    "CatalogueError",
    "Escalation",
    "Issue",
    "Measure",
    "Referral",
    "RefusalReason",
    "ReportItem",
    "ReporterRole",
    "Result",
    "SearchHit",
    "Stage",
    "Text",
    "TimeLimit",
    "TimeUnit",
    "Track",
    "catalogue_dir",
    "clear_cache",
    "content_hash",
    "get_catalogue",
    "load_catalogue",
    "search",
]
