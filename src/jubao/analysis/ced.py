"""Loader for the CED Weibo rumour sample (Song et al. 2018), in the `propagation` post format.

Layout of the folder: `original-microblog/INDEX_MID_UID.json` holds a source post, and a file of
the same name in `rumor-repost/` or `non-rumor-repost/` holds the list of its reposts and
comments (`mid`, `parent` (empty when answering the source post), `uid`, `text`, `date`).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

__all__ = ["CHINA", "default_path", "iter_cascades", "parse_time"]

CHINA = ZoneInfo("Asia/Shanghai")
LABELS = {"rumor-repost": "rumor", "non-rumor-repost": "non-rumor"}

_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, 1)}
_NO_YEAR = re.compile(r"(\d{1,2})月(\d{1,2})日\s*(\d{1,2}):(\d{2})")


def default_path() -> Path | None:
    """The sample folder: `$JUBAO_CED_PATH`, else `../shared/data/ced-sample` next to the repo.

    Returns None when the folder does not exist.
    """
    override = os.environ.get("JUBAO_CED_PATH")
    repo = Path(__file__).resolve().parents[3]
    path = Path(override) if override else repo.parent / "shared" / "data" / "ced-sample"
    return path if (path / "original-microblog").is_dir() else None


def iter_cascades(folder: Path | str) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Yield `(root, posts)` for every source post in `folder`, in file-name order.

    Both are dicts with `mid`, `parent`, `uid`, `time` (aware datetime, China time) and `text`;
    the root also carries `label` ("rumor", "non-rumor" or None when it has no repost file).
    Posts are passed through as stored, duplicates included (`propagation.analyze` drops them).
    """
    folder = Path(folder)
    for source in sorted((folder / "original-microblog").glob("*.json")):
        root = _read_root(source)
        posts: list[dict[str, Any]] = []
        for sub, label in LABELS.items():
            reposts = folder / sub / source.name
            if reposts.is_file():
                root["label"] = label
                posts = _read_reposts(reposts, root["time"])
                break
        yield root, posts


def _read_root(path: Path) -> dict[str, Any]:
    """The source post; its mid and uid come from the file name `INDEX_MID_UID.json`."""
    _index, rest = path.stem.split("_", 1)
    mid, uid = rest.rsplit("_", 1)
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        "mid": mid,
        "parent": "",
        "uid": uid,
        "time": parse_time(data["time"]),
        "text": data.get("text") or "",
        "label": None,
    }


def _read_reposts(path: Path, root_time: datetime) -> list[dict[str, Any]]:
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
        return [
            {
                "mid": row["mid"],
                "parent": row.get("parent") or "",
                "uid": str(row["uid"]),
                "time": parse_time(row["date"], after=root_time),
                "text": row.get("text") or "",
            }
            for row in rows
        ]
    except (KeyError, ValueError) as exc:
        raise ValueError(f"{path}: {exc}") from exc


def parse_time(value: Any, *, after: datetime | None = None) -> datetime:
    """Parse a CED time into an aware datetime in China time.

    Accepted: a Unix timestamp (int or digit string), `2012-09-16 15:05:11` (China time),
    `Fri Sep 14 08:42:09 +0800 2012`, and `07月14日 21:09` without a year. The missing year is
    taken from `after` (the source post), plus one if that would date the repost before it.
    """
    if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
        return datetime.fromtimestamp(int(value), tz=UTC).astimezone(CHINA)
    if not isinstance(value, str):
        raise ValueError(f"unsupported time {value!r}")
    text = value.strip()
    if text[:4].isdigit():
        return datetime.fromisoformat(text).replace(tzinfo=CHINA)
    if match := _NO_YEAR.fullmatch(text):
        return _without_year(match, after)
    return _twitter_style(text)


def _without_year(match: re.Match[str], after: datetime | None) -> datetime:
    if after is None:
        raise ValueError(f"{match.group(0)!r} has no year and there is no reference time")
    month, day, hour, minute = map(int, match.groups())
    stamp = datetime(after.year, month, day, hour, minute, tzinfo=CHINA)
    return stamp if stamp >= after else stamp.replace(year=after.year + 1)


def _twitter_style(text: str) -> datetime:
    """`Fri Sep 14 08:42:09 +0800 2012`, parsed without locale-dependent strptime names."""
    try:
        _weekday, month, day, clock, offset, year = text.split()
        hour, minute, second = map(int, clock.split(":"))
        sign = -1 if offset[0] == "-" else 1
        shift = timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])) * sign
        stamp = datetime(
            int(year), _MONTHS[month], int(day), hour, minute, second, tzinfo=timezone(shift)
        )
    except (KeyError, ValueError, IndexError) as exc:
        raise ValueError(f"unsupported time {text!r}") from exc
    return stamp.astimezone(CHINA)
