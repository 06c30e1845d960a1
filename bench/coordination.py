"""Benchmark: `find_groups` on 10^5 near-identical posts plus 10^5 organic posts.

Organic posts are real CED reposts (``../shared/data/ced-sample/*-repost/*.json``) with their
own mids, uids and dates; when the data is absent the script says so and exits. The campaign is
one slogan with light variations (suffixes, a URL, a mention, a random extra character in 30 %
of copies) posted by
20,000 accounts over 24 hours.

    .venv/bin/python bench/coordination.py [--campaign 100000] [--organic 100000]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from jubao.analysis.coordination import Stats, find_groups  # noqa: E402

SLOGAN = "坚决抵制某某品牌的黑心商家，大家一起来举报，让更多的人知道真相！"
START = datetime(2012, 9, 20, 8, 0)


def organic_posts(limit: int) -> list[dict[str, Any]]:
    """Real reposts with a full date, or exit with a message if the data is missing."""
    files = sorted((DATA / "ced-sample").glob("*-repost/*.json"))
    if not files:
        sys.exit(f"bench data not found: expected {DATA}/ced-sample/*-repost/*.json")
    posts: list[dict[str, Any]] = []
    for path in files:
        for post in json.loads(path.read_text("utf-8")):
            try:
                when = datetime.strptime(post["date"], "%Y-%m-%d %H:%M:%S")
            except (KeyError, ValueError):
                continue  # dates without a year: not worth guessing for a benchmark
            posts.append(
                {"mid": post["mid"], "uid": post["uid"], "time": when, "text": post["text"]}
            )
            if len(posts) == limit:
                return posts
    return posts


def campaign_posts(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    suffixes = ["", "！！", "#话题#", "@某网友", " 转发", "http://t.cn/A6x", "顶", "同意"]
    posts = []
    for i in range(count):
        text = list(SLOGAN)
        if rng.random() < 0.3:
            text.insert(rng.randrange(len(text)), rng.choice("的了是在不我有"))
        text.append(rng.choice(suffixes))
        posts.append(
            {
                "mid": f"camp{i}",
                "uid": f"army{rng.randrange(20_000)}",
                "time": START + timedelta(seconds=rng.uniform(0, 86_400)),
                "text": "".join(text),
            }
        )
    return posts


def run(posts: list[dict[str, Any]], label: str) -> None:
    stats = Stats()
    began = time.perf_counter()
    groups = find_groups(posts, window=timedelta(minutes=10), stats=stats)
    elapsed = time.perf_counter() - began
    reasons = Counter(g.reason for g in groups)
    largest = max(groups, key=lambda g: len(g.posts), default=None)
    print(f"{label}: {len(posts)} posts in {elapsed:.1f} s ({len(posts) / elapsed:.0f} posts/s)")
    print(f"  groups: {len(groups)} {dict(reasons)}")
    if largest is not None:
        print(
            f"  largest: {len(largest.posts)} posts, {len(largest.accounts)} accounts, "
            f"{largest.start:%Y-%m-%d %H:%M}–{largest.end:%H:%M}, score {largest.score:.1f}"
        )
    print(
        f"  work: buckets swept {stats.buckets}, identical buckets skipped "
        f"{stats.duplicate_buckets}, posts swept {stats.swept} "
        f"({stats.swept / len(posts):.2f}/post), comparisons {stats.comparisons} "
        f"({stats.comparisons / len(posts):.2f}/post)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaign", type=int, default=100_000)
    parser.add_argument("--organic", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    organic = organic_posts(args.organic)
    campaign = campaign_posts(args.campaign, args.seed)
    run(organic, "organic only (real CED reposts)")
    run(campaign + organic, "campaign + organic")


if __name__ == "__main__":
    main()
