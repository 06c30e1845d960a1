"""Water-army coordination: synthetic campaigns among organic posts."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from jubao.analysis.coordination import Stats, find_groups

T0 = datetime(2024, 5, 1, 8, 0)
TEN_MINUTES = timedelta(minutes=10)
SLOGAN = "坚决抵制某某品牌的黑心商家，大家一起来举报，让更多的人知道真相！"
_ALPHABET = [chr(0x4E00 + i) for i in range(0, 6000, 2)]


def _organic(count: int, seed: int = 1, days: float = 3.0) -> list[dict[str, Any]]:
    """Unrelated posts by 700 accounts at random times over `days`."""
    rng = random.Random(seed)
    return [
        {
            "mid": f"o{i}",
            "uid": f"user{rng.randrange(700)}",
            "time": T0 + timedelta(minutes=rng.uniform(0, days * 24 * 60)),
            "text": "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(10, 60))),
        }
        for i in range(count)
    ]


def _campaign(accounts: int, start: datetime, seed: int = 2) -> list[dict[str, Any]]:
    """`accounts` accounts posting lightly varied copies of the slogan within ten minutes."""
    rng = random.Random(seed)
    suffixes = ["", "！！", "#话题#", "@某网友", " 转发", "http://t.cn/A6x"]
    return [
        {
            "mid": f"c{i}",
            "uid": f"army{i}",
            "time": start + timedelta(seconds=rng.uniform(0, 590)),
            "text": SLOGAN + rng.choice(suffixes),
        }
        for i in range(accounts)
    ]


def test_campaign_is_found_among_organic_posts() -> None:
    posts = _organic(1000) + _campaign(20, T0 + timedelta(hours=30))
    groups = find_groups(posts, window=TEN_MINUTES)
    assert len(groups) == 1
    group = groups[0]
    assert group.reason == "near_duplicate_text"
    assert group.accounts == {f"army{i}" for i in range(20)}
    assert set(group.posts) == {f"c{i}" for i in range(20)}
    assert group.end - group.start <= TEN_MINUTES
    times = {p["mid"]: p["time"] for p in posts}
    assert [times[m] for m in group.posts] == sorted(times[m] for m in group.posts)
    assert group.score > 10


def test_organic_spread_of_a_popular_text_is_not_flagged() -> None:
    # The same text shared by 40 accounts, one every two hours over three days and more.
    spread = [
        {"mid": f"s{i}", "uid": f"fan{i}", "time": T0 + timedelta(hours=2 * i), "text": SLOGAN}
        for i in range(40)
    ]
    assert find_groups(_organic(1000) + spread, window=TEN_MINUTES) == []


def test_one_account_repeating_itself_is_not_a_group() -> None:
    spam = [
        {"mid": f"r{i}", "uid": "loner", "time": T0 + timedelta(seconds=10 * i), "text": SLOGAN}
        for i in range(30)
    ]
    assert find_groups(spam, window=TEN_MINUTES) == []


def test_default_repost_texts_are_too_short_to_count() -> None:
    reposts = [
        {"mid": f"p{i}", "uid": f"u{i}", "time": T0 + timedelta(seconds=20 * i), "text": "转发微博"}
        for i in range(15)
    ]
    assert find_groups(reposts, window=TEN_MINUTES) == []
    assert len(find_groups(reposts, window=TEN_MINUTES, min_chars=4)) == 1


def test_min_accounts_and_window_are_respected() -> None:
    two = _campaign(2, T0)
    assert find_groups(two, window=TEN_MINUTES) == []
    assert len(find_groups(two, window=TEN_MINUTES, min_accounts=2)) == 1
    spaced = [dict(p, time=T0 + timedelta(minutes=11 * i)) for i, p in enumerate(_campaign(5, T0))]
    assert find_groups(spaced, window=TEN_MINUTES) == []
    assert len(find_groups(spaced, window=timedelta(minutes=30))) == 1


def test_similarity_threshold_separates_different_texts() -> None:
    rng = random.Random(4)
    different = [
        {
            "mid": f"d{i}",
            "uid": f"u{i}",
            "time": T0 + timedelta(minutes=i),
            "text": "".join(rng.choice(_ALPHABET) for _ in range(40)),
        }
        for i in range(10)
    ]
    assert find_groups(different, window=TEN_MINUTES) == []


def test_same_target_group() -> None:
    rng = random.Random(5)
    url_spellings = [
        "https://m.weibo.cn/status/4712?from=singlemessage",
        "https://weibo.com/status/4712/",
        "http://www.weibo.com/status/4712#comments",
    ]
    attack = [
        {
            "mid": f"t{i}",
            "uid": f"troll{i}",
            "time": T0 + timedelta(hours=5, seconds=rng.uniform(0, 500)),
            "text": "".join(rng.choice(_ALPHABET) for _ in range(30)),
            "target": url_spellings[i % 3],
        }
        for i in range(6)
    ]
    scattered = [
        dict(p, mid=f"x{i}", uid=f"reader{i}", time=T0 + timedelta(hours=10 + 3 * i))
        for i, p in enumerate(attack)
    ]
    groups = find_groups(_organic(300) + attack + scattered, window=TEN_MINUTES)
    assert [g.reason for g in groups] == ["same_target"]
    assert groups[0].target == "url:https://weibo.com/status/4712"
    assert groups[0].accounts == {f"troll{i}" for i in range(6)}


def test_account_targets_are_keyed_loosely() -> None:
    posts = [
        {"mid": str(i), "uid": f"u{i}", "time": T0, "text": f"{i}", "target": target}
        for i, target in enumerate(["@Victim", "victim ", "＠victim"])
    ]
    (group,) = find_groups(posts, window=TEN_MINUTES)
    assert group.target == "raw:victim"


def test_two_campaigns_in_one_day_are_separate_groups() -> None:
    posts = _campaign(8, T0, seed=1) + [
        dict(p, mid=f"late{i}", uid=f"late{i}")
        for i, p in enumerate(_campaign(8, T0 + timedelta(hours=6), seed=3))
    ]
    groups = find_groups(posts, window=TEN_MINUTES)
    assert len(groups) == 2
    assert {len(g.accounts) for g in groups} == {8}


def test_shared_text_at_scale_stays_near_linear() -> None:
    """2×10^4 near-identical posts: work is counted, not timed."""
    n = 20_000
    rng = random.Random(6)
    posts = [
        {
            "mid": f"m{i}",
            "uid": f"u{i % 5000}",
            "time": T0 + timedelta(seconds=rng.uniform(0, 6 * 3600)),
            "text": SLOGAN + rng.choice(["", "！", "转发", "顶"]),
        }
        for i in range(n)
    ]
    stats = Stats()
    groups = find_groups(posts, window=TEN_MINUTES, stats=stats)
    assert stats.posts == n
    # Identical band buckets are swept once; each sweep and comparison is linear in its bucket.
    assert stats.swept <= 4 * n
    assert stats.comparisons <= 4 * n
    assert stats.buckets <= 64
    assert len(groups) == 1 and len(groups[0].posts) == n


def test_aware_datetimes_and_bad_input() -> None:
    aware = [dict(p, time=p["time"].replace(tzinfo=UTC)) for p in _campaign(5, T0)]
    assert len(find_groups(aware, window=TEN_MINUTES)) == 1
    mixed = aware + _campaign(1, T0, seed=9)
    with pytest.raises(ValueError, match="naive"):
        find_groups(mixed, window=TEN_MINUTES)
    with pytest.raises(ValueError, match="uid"):
        find_groups([{"mid": "1", "time": T0, "text": "x"}], window=TEN_MINUTES)
    with pytest.raises(ValueError, match="datetime"):
        find_groups([{"mid": "1", "uid": "u", "time": "today", "text": "x"}], window=TEN_MINUTES)
    with pytest.raises(ValueError, match="window"):
        find_groups([], window=timedelta(0))
    assert find_groups([], window=TEN_MINUTES) == []
