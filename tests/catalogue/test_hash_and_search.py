"""The content hash follows content, not layout; search finds items from plain descriptions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from jubao.catalogue import get_catalogue, load_catalogue, search
from jubao.catalogue.registry import catalogue_dir


def test_whitespace_and_comments_do_not_change_the_hash(data_copy: Path):
    original = load_catalogue(data_copy).content_hash
    for path in data_copy.glob("*.toml"):
        text = path.read_text(encoding="utf-8")
        text = "# a comment added at the top\n\n" + text.replace("\n\n", "\n\n\n# spacing\n")
        text = text.replace("priority = ", "priority   =   ")
        path.write_text(text, encoding="utf-8")
    assert load_catalogue(data_copy).content_hash == original


def test_a_content_change_changes_the_hash(data_copy: Path, edit: Callable[[str, str, str], Path]):
    original = load_catalogue(data_copy).content_hash
    edit("measures.toml", "period = { calendar_days = 15 }", "period = { calendar_days = 20 }")
    assert load_catalogue(data_copy).content_hash != original


def test_the_setting_points_at_another_folder(settings, edit: Callable[[str, str, str], Path]):
    folder = edit("meta.toml", 'version = "', 'version = "test-')
    settings.JUBAO_CATALOGUE_DIR = str(folder)
    assert catalogue_dir() == folder.resolve()
    assert get_catalogue().version.startswith("test-")
    del settings.JUBAO_CATALOGUE_DIR
    assert not get_catalogue().version.startswith("test-")


@pytest.mark.parametrize(
    ("query", "lang", "expected"),
    [
        ("有人把我家的住址发到网上了", "zh-hans", "personal.info.address"),
        ("我被人肉了，开盒", None, "personal.doxxing"),
        ("someone posted my phone number", "en", "personal.info.contact"),
        ("公司被敲诈，要付删帖费", None, "enterprise.extortion"),
        ("孩子被同学欺负，视频传到群里", None, "minors.bullying"),
        ("a fake website copies our company", "en", "enterprise.fake_site"),
        ("搜索框联想词", "zh", "search.autocomplete"),
        ("water army fake reviews", None, "enterprise.water_army"),
    ],
)
def test_search_ranks_the_right_item_first(query: str, lang: str | None, expected: str):
    hits = search(query, lang)
    assert hits, query
    assert hits[0].item.code == expected, [(h.item.code, h.score) for h in hits[:3]]


def test_search_without_a_match_is_empty():
    assert search("zzzz qqqq") == []
    assert search("") == []


def test_search_limit():
    assert len(search("信息", limit=3)) <= 3
