"""Tests for jubao.analysis.propagation and the CED loader (no database)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import networkx as nx
import pytest

from jubao.analysis import ced, propagation
from jubao.analysis.propagation import analyze

T0 = datetime(2024, 3, 1, 12, 0)


def post(mid: str, parent: str | None, uid: str, minute: int, text: str = "") -> dict[str, Any]:
    return {"mid": mid, "parent": parent, "uid": uid, "time": T0 + timedelta(minutes=minute),
            "text": text}  # fmt: skip


ROOT = post("r", "", "alice", 0, "原帖")
# r ─┬─ a(bob) ─┬─ b(carol) ── d(carol)
#    │          └─ c(carol)
#    ├─ e(dave, "求扩散") ── f(erin)
#    └─ g(bob)
SMALL = [
    post("a", "", "bob", 2),
    post("b", "a", "carol", 3),
    post("c", "a", "carol", 4),
    post("d", "b", "carol", 5),
    post("e", None, "dave", 1, "大家帮忙求扩散"),
    post("f", "e", "erin", 6),
    post("g", "", "bob", 7),
]


def test_small_cascade_reach_and_roles() -> None:
    c = analyze(SMALL, root=ROOT)
    assert c.reach == {"r": 7, "a": 3, "b": 1, "c": 0, "d": 0, "e": 1, "f": 0, "g": 0}
    assert c.size == 8
    assert c.roles == {
        "originator": {"alice"},
        "first_forwarder": {"dave"},
        "multi_poster": {"carol"},
        "inciter": {"dave"},
    }
    assert c.evidence["multi_poster"] == {"carol": ("b", "c", "d")}
    assert c.evidence["first_forwarder"] == {"dave": ("e",)}
    assert c.evidence["originator"] == {"alice": ("r",)}
    assert c.reparented == {}


def test_role_parameters() -> None:
    c = analyze(SMALL, root=ROOT, first_k=2, multi_min_posts=2, hub_min_reach=3, cues=())
    assert c.roles["first_forwarder"] == {"dave", "bob"}
    assert c.roles["multi_poster"] == {"bob", "carol"}
    assert c.evidence["inciter"] == {"bob": ("a",)}  # reach 3 >= hub 3; the cue is off
    assert analyze(SMALL, root=ROOT, cue_min_reach=2).roles["inciter"] == set()


def test_originator_replies_and_time_ties() -> None:
    posts = [post("z", "", "alice", 1), post("y", "", "bob", 2), post("x", "", "carol", 2)]
    c = analyze(posts, root=ROOT)
    assert c.roles["first_forwarder"] == {"carol"}  # same minute: mid "x" < "y"
    assert "alice" in c.roles["multi_poster"] or c.roles["multi_poster"] == set()


def test_root_in_posts_and_duplicates_count_once() -> None:
    twice = [ROOT, *SMALL, dict(SMALL[1]), {**SMALL[3], "parent": ""}]
    c = analyze(twice, root=ROOT)
    assert c.reach == analyze(SMALL, root=ROOT).reach
    blank_first = [{**SMALL[3], "parent": ""}, *SMALL]
    assert analyze(blank_first, root=ROOT).reach["b"] == 1  # the copy naming its parent wins


def test_missing_and_self_parents_answer_the_root() -> None:
    posts = [
        *SMALL,
        post("h", "gone", "fay", 8),
        post("i", "h", "gus", 9),
        post("j", "j", "hal", 9),
    ]
    c = analyze(posts, root=ROOT)
    assert c.reach["r"] == 10
    assert c.reach["h"] == 1 and c.reach["j"] == 0
    assert c.reparented == {"h": "missing", "j": "self"}


def test_cycles_are_broken_at_their_earliest_post() -> None:
    # Parent links p -> s -> q -> p loop, t hangs below s; q is the earliest: r - q - s - {p, t}.
    loop = [post("p", "s", "u1", 30), post("q", "p", "u2", 20), post("s", "q", "u3", 40),
            post("t", "s", "u4", 50)]  # fmt: skip
    c = analyze([*SMALL, *loop], root=ROOT)
    assert c.reparented == {"q": "cycle"}
    assert c.reach["q"] == 3 and c.reach["s"] == 2 and c.reach["p"] == c.reach["t"] == 0
    assert c.reach["r"] == 11
    assert analyze(list(reversed([*SMALL, *loop])), root=ROOT).reach == c.reach


def test_empty_cascade() -> None:
    c = analyze([], root=ROOT)
    assert c.reach == {"r": 0}
    assert c.roles["first_forwarder"] == set()


def test_deep_chain_is_iterative() -> None:
    n = 200_000
    posts = [post(f"m{i}", f"m{i - 1}" if i > 1 else "", f"u{i % 97}", i) for i in range(1, n + 1)]
    c = analyze(posts, root=ROOT)
    assert c.reach["r"] == n
    assert c.reach["m1"] == n - 1
    assert c.reach[f"m{n}"] == 0


def nx_reach(posts: list[dict[str, Any]], root: dict[str, Any]) -> dict[str, int]:
    """Reference: descendants per node on a networkx DiGraph (fine for small cascades)."""
    mids = {p["mid"] for p in posts} | {root["mid"]}
    linked: dict[str, tuple[str, bool]] = {}
    for p in posts:
        ok = p["parent"] in mids and p["parent"] != p["mid"]
        if p["mid"] != root["mid"] and (p["mid"] not in linked or (ok and not linked[p["mid"]][1])):
            linked[p["mid"]] = (p["parent"] if ok else root["mid"], ok)
    graph = nx.DiGraph([(parent, mid) for mid, (parent, _) in linked.items()])
    graph.add_node(root["mid"])
    return {m: len(nx.descendants(graph, m)) for m in graph}


def test_random_trees_match_networkx() -> None:
    rng = random.Random(11)
    for _ in range(20):
        n = rng.randrange(1, 300)
        posts = [post(f"p{i}", rng.choice(["", *(f"p{j}" for j in range(i))][-5:]), "u", i)
                 for i in range(n)]  # fmt: skip
        assert analyze(posts, root=ROOT).reach == nx_reach(posts, ROOT)


def test_in_order_runs_and_loops_match_networkx() -> None:
    # Runs of posts answering the previous one are merged internally: cover runs that branch,
    # that end in a loop, that are listed backwards, and a loop made of consecutive posts.
    chain = [post(f"c{i}", f"c{i - 1}" if i else "", "u", i) for i in range(50)]
    branch = [post("x1", "c10", "v", 60), post("x2", "x1", "v", 61), post("x3", "c10", "w", 62)]
    loop = [post("l0", "l2", "w", 70), post("l1", "l0", "w", 71), post("l2", "l1", "w", 72),
            post("l3", "l2", "w", 73)]  # fmt: skip
    for posts in (chain + branch + loop, list(reversed(chain + branch + loop))):
        c = analyze(posts, root=ROOT)
        graph_reach = nx_reach([p for p in posts if p["mid"] != "l0"] + [post("l0", "", "w", 70)],
                               ROOT)  # fmt: skip
        assert c.reach == graph_reach
        assert c.reparented == {"l0": "cycle"}


def test_repeated_mids_keep_one_copy_in_every_role() -> None:
    posts = [*SMALL, dict(SMALL[3]), {**SMALL[2], "parent": ""}, {**ROOT, "uid": "mallory"}]
    c = analyze(posts, root=ROOT, multi_min_posts=2, hub_min_reach=1)
    assert c.size == 8 and c.reach == analyze(SMALL, root=ROOT).reach
    assert c.evidence["multi_poster"] == {"bob": ("a", "g"), "carol": ("b", "c", "d")}
    assert c.evidence["inciter"] == {"bob": ("a",), "carol": ("b",), "dave": ("e",)}


def test_first_forwarders_skip_the_originators_early_replies() -> None:
    posts = [post(f"o{i}", "", "alice", i) for i in range(5)]
    posts += [post("p", "", "bob", 9), post("q", "", "carol", 9), post("s", "", "dave", 8)]
    assert analyze(posts, root=ROOT, first_k=2).evidence["first_forwarder"] == {
        "dave": ("s",),
        "bob": ("p",),  # same minute as carol's "q": the smaller mid wins
    }


def test_many_accounts_multi_posters_match_a_plain_count() -> None:
    # Large enough for the hash-bucket prefilter; uids are mostly distinct, a few repeat.
    rng = random.Random(5)
    uids = [f"u{rng.randrange(10**6)}" if i % 10 else f"h{i % 70}" for i in range(20_000)]
    posts = [post(f"p{i}", "", uid, i) for i, uid in enumerate(uids)]
    expected: dict[str, list[str]] = {}
    for p in [ROOT, *posts]:
        expected.setdefault(p["uid"], []).append(p["mid"])
    for k in (2, 3, 40):
        c = analyze(posts, root=ROOT, multi_min_posts=k)
        want = {u: tuple(sorted(ms)) for u, ms in expected.items() if len(ms) >= k}
        assert c.evidence["multi_poster"] == want


@pytest.fixture(scope="module")
def ced_sample() -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    folder = ced.default_path()
    if folder is None:
        pytest.skip("CED sample not found at ../shared/data/ced-sample (or $JUBAO_CED_PATH)")
    return list(ced.iter_cascades(folder))


def test_ced_reach_of_root_counts_distinct_posts(ced_sample: list[Any]) -> None:
    assert len(ced_sample) > 100
    for root, posts in ced_sample:
        c = analyze(posts, root=root)
        distinct = {p["mid"] for p in posts} - {root["mid"]}
        assert c.reach[root["mid"]] == len(distinct) == c.size - 1
        assert c.roles["originator"] == {root["uid"]}


def test_ced_matches_networkx(ced_sample: list[Any]) -> None:
    sample = sorted(ced_sample, key=lambda rp: len(rp[1]), reverse=True)[:3] + ced_sample[:5]
    for root, posts in sample:
        assert analyze(posts, root=root).reach == nx_reach(posts, root)


def test_ced_times_are_china_time(ced_sample: list[Any]) -> None:
    root, posts = ced_sample[0]
    assert root["time"].utcoffset() == timedelta(hours=8)
    assert all(p["time"].tzinfo is not None for p in posts)
    assert root["label"] in {"rumor", "non-rumor"}


def test_ced_time_formats() -> None:
    source = ced.parse_time("Fri Sep 14 08:42:09 +0800 2012")
    assert source.isoformat() == "2012-09-14T08:42:09+08:00"
    assert ced.parse_time(1347334462).isoformat() == "2012-09-11T11:34:22+08:00"
    assert ced.parse_time("2012-09-16 15:05:11").isoformat() == "2012-09-16T15:05:11+08:00"
    assert ced.parse_time("09月20日 21:09", after=source).isoformat() == "2012-09-20T21:09:00+08:00"
    assert ced.parse_time("07月14日 21:09", after=source).year == 2013  # before the source
    with pytest.raises(ValueError):
        ced.parse_time("昨天 10:00")


# --- the two code paths ------------------------------------------------------------------------
# Cascades up to propagation._SMALL posts are handled with lists, larger ones with numpy arrays.
# Setting _SMALL to -1 sends even tiny cascades down the numpy path, so both are tested alike.


@pytest.fixture(params=["lists", "arrays"])
def path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "arrays":
        monkeypatch.setattr(propagation, "_SMALL", -1)
    return str(request.param)


def random_cascade(rng: random.Random, n: int) -> list[dict[str, Any]]:
    """Random parents (often later posts, so loops), repeats, blank and unknown parents."""
    posts = []
    for i in range(n):
        r = rng.random()
        parent: str | None
        if r < 0.3:
            parent = rng.choice(["", None])
        elif r < 0.85:
            parent = f"p{rng.randrange(n)}"
        elif r < 0.9:
            parent = f"p{i}"
        else:
            parent = f"gone{rng.randrange(3)}"
        text = rng.choice(["", "转发微博", "求扩散", "人肉他", None])
        posts.append(
            post(f"p{i}", parent, f"u{rng.randrange(max(1, n // 4))}", rng.randrange(9), text)
        )
    for _ in range(rng.randrange(3)):
        if posts:
            posts.insert(rng.randrange(len(posts)), {**rng.choice(posts), "parent": ""})
    return posts


def test_paths_agree_with_networkx_and_each_other(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(3)
    for _ in range(150):
        posts = random_cascade(rng, rng.randrange(0, 40))
        if rng.random() < 0.2:
            posts.insert(0, {**ROOT, "uid": "mallory"})
        options = {
            "first_k": rng.choice([0, 1, 3]),
            "multi_min_posts": rng.choice([1, 2, 3]),
            "hub_min_reach": rng.choice([0, 2, 10]),
            "cue_min_reach": rng.choice([0, 1, 2]),
        }
        monkeypatch.setattr(propagation, "_SMALL", 1 << 14)
        lists = analyze(posts, root=ROOT, **options)
        monkeypatch.setattr(propagation, "_SMALL", -1)
        arrays = analyze(posts, root=ROOT, **options)
        assert lists == arrays
        # Loops are broken at their earliest post: give networkx the repaired parents.
        repaired = [{**p, "parent": ""} if p["mid"] in lists.reparented else p for p in posts]
        assert lists.reach == nx_reach(repaired, ROOT)
        for role, groups in lists.evidence.items():
            assert all(list(mids) == sorted(mids) for mids in groups.values()), role


def test_blank_parents_can_be_real_mids(path: str) -> None:
    posts = [post("", None, "bob", 1), post("a", "", "carol", 2), post("b", "a", "dave", 3)]
    c = analyze(posts, root=ROOT)
    assert c.reach == {"r": 3, "": 2, "a": 1, "b": 0}  # "" names the post, None the root
    assert c.reparented == {}


def test_root_mid_repeated_after_the_root(path: str) -> None:
    posts = [*SMALL, {**ROOT, "uid": "mallory", "parent": "a"}, {**SMALL[0], "uid": "x"}]
    c = analyze(posts, root=ROOT, multi_min_posts=1)
    assert c.reach == analyze(SMALL, root=ROOT).reach
    assert "mallory" not in c.roles["multi_poster"]
    assert c.evidence["multi_poster"]["bob"] == ("a", "g")


def test_first_forwarder_evidence_is_sorted(path: str) -> None:
    posts = [post("z", "", "bob", 1), post("y", "", "bob", 2), post("x", "", "carol", 3)]
    c = analyze(posts, root=ROOT, first_k=2)
    assert c.evidence["first_forwarder"] == {"bob": ("y", "z")}


def test_small_deep_chain_with_a_loop(path: str) -> None:
    # Deep enough for the list path to hand the counting to numpy.
    n = 3000
    chain = [post(f"c{i}", f"c{i - 1}" if i else "", f"u{i % 7}", i) for i in range(n)]
    loop = [post("l0", "l1", "w", 5), post("l1", "l0", "w", 6), post("t", "l1", "v", 7)]
    c = analyze([*reversed(chain), *loop], root=ROOT)
    assert c.reach["r"] == n + 3 and c.reach["c0"] == n - 1 and c.reach[f"c{n - 1}"] == 0
    assert c.reparented == {"l0": "cycle"} and c.reach["l0"] == 2
    assert c.evidence["inciter"]["u0"][0] == "c0"


def test_cue_texts_repeat(path: str) -> None:
    texts = ["转发微博", "求扩散", "", None] * 50
    posts = [post(f"p{i:03}", "" if i < 4 else f"p{i % 4:03}", f"u{i}", i, t)
             for i, t in enumerate(texts)]  # fmt: skip
    c = analyze(posts, root=ROOT, hub_min_reach=10**6)
    assert c.evidence["inciter"] == {"u1": ("p001",)}


def test_bad_cues_are_rejected() -> None:
    with pytest.raises(ValueError):
        analyze(SMALL, root=ROOT, cues=["扩散", ""])
