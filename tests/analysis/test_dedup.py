"""Near-duplicate text detection: normalisation, signatures, index recall and persistence."""

from __future__ import annotations

import hashlib
import random
import re
import unicodedata

import numpy as np
import pytest

from jubao.analysis.dedup import (
    MinHasher,
    NearDuplicateIndex,
    estimate_jaccard,
    normalise,
    shingles,
    signature,
    similarity,
)
from jubao.analysis.dedup.minhash import mix64

# 2,500 common CJK code points: random strings over them share almost no 3-grams.
_ALPHABET = [chr(0x4E00 + i) for i in range(0, 5000, 2)]
_SLOGAN = "坚决抵制某某品牌的黑心商家，大家一起来举报，让更多的人知道真相！"


def _random_text(rng: random.Random, low: int = 30, high: int = 80) -> str:
    return "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(low, high)))


def _edit(text: str, rng: random.Random) -> str:
    """Insert two characters, change punctuation and add full-width digits and a URL."""
    chars = list(text)
    for _ in range(2):
        chars.insert(rng.randrange(len(chars) + 1), rng.choice(_ALPHABET))
    chars.insert(rng.randrange(len(chars) + 1), "，")
    return "".join(chars) + "！！１２３ http://t.cn/Abc @某人"


def _jaccard(a: str, b: str) -> float:
    sa, sb = set(shingles(normalise(a)).tolist()), set(shingles(normalise(b)).tolist())
    return len(sa & sb) / len(sa | sb)


@pytest.fixture(scope="module")
def corpus() -> dict[str, str]:
    rng = random.Random(11)
    return {f"post-{i}": _random_text(rng) + "123" for i in range(400)}


@pytest.fixture(scope="module")
def index(corpus: dict[str, str]) -> NearDuplicateIndex:
    idx = NearDuplicateIndex()
    for key, text in corpus.items():
        idx.add(key, text)
    return idx


def test_normalise_folds_width_case_punctuation_urls_and_mentions() -> None:
    raw = "转发！ＡＢＣ１２３，看看 https://t.cn/A6x?x=1 @张三 //@李四: 真的。"
    assert normalise(raw) == "转发abc123看看真的"


def _reference_normalise(text: str) -> str:
    """The definition `normalise` must match, without its shortcuts."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"(?:https?://|www\.)\S+|@[\w\-]{1,30}", "", text, flags=re.IGNORECASE)
    return re.sub(r"[\W_]+", "", text)


def test_normalise_shortcuts_match_full_nfkc() -> None:
    rng = random.Random(4)
    # Full-width punctuation next to combining marks, compatibility characters, mentions and
    # URLs that the punctuation ends (or does not end), Latin letters with case.
    pieces = [*"，？！…（）：～；、。", "\u0301", "\u0338", "①", "㈠", "ﬁ", "Ｋ"]
    pieces += ["ｈｔｔｐ://x.cn/a"]
    pieces += ["@张三", "http://t.cn/A", "www.", "ÀÉ", "ß", "İ", " ", "\u3000", "_", "-", "a", "1"]
    pieces += [rng.choice(_ALPHABET) for _ in range(20)]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert normalise(text) == _reference_normalise(text), text


def _reference_signature(text: str, hasher: MinHasher) -> np.ndarray | None:
    """The definition of a signature, written with the public building blocks."""
    ids = shingles(normalise(text), hasher.shingle_size)
    if ids.size == 0:
        return None
    a, b, salt = hasher._params
    values = np.multiply.outer(mix64(ids, salt), a) + b
    return (values.min(axis=0) >> np.uint64(16)).astype(np.uint16)


@pytest.mark.parametrize("length", [1, 2, 3, 4, 40, 511, 512, 513, 2000])
def test_signature_fast_paths_equal_the_definition(length: int) -> None:
    rng = random.Random(length)
    text = "".join(rng.choice(_ALPHABET) for _ in range(length))
    for hasher in (MinHasher(), MinHasher(num_perm=32, shingle_size=2, seed=9)):
        expected = _reference_signature(text, hasher)
        got = hasher.signature_array(text)
        assert expected is not None and got is not None
        assert got.dtype == np.uint16 and got.flags.c_contiguous
        assert (got == expected).all()


def test_edited_copies_are_found(corpus: dict[str, str], index: NearDuplicateIndex) -> None:
    rng = random.Random(5)
    keys = rng.sample(sorted(corpus), 200)
    found = sum(key in index.query(_edit(corpus[key], rng)) for key in keys)
    assert found / len(keys) >= 0.95


def test_unrelated_texts_do_not_match(index: NearDuplicateIndex) -> None:
    rng = random.Random(6)
    assert all(index.query(_random_text(rng)) == [] for _ in range(200))


def test_chinese_repost_variants_match_and_rank_best_first() -> None:
    idx = NearDuplicateIndex()
    idx.add("orig", _SLOGAN)
    idx.add("longer", _SLOGAN + "转发的朋友们都看看吧，这件事情太过分了")
    idx.add("other", "今天天气很好，我们去公园散步吧，顺便买点水果回家。")
    variants = [
        "坚决抵制某某品牌的黑心商家!大家一起来举报,让更多的人知道真相!!!",  # punctuation
        "坚决抵制某某品牌的黑心商家，大家一起来举报，让更多人知道真相！#话题#",  # edits
        "【转】坚决抵制某某品牌的黑心商家，大家一起来举报，让更多的人知道真相！@网友",
    ]
    for text in variants:
        hits = idx.query(text)
        assert hits and hits[0] == "orig"
        assert "other" not in hits
    scores = [score for _, score in idx.query_scored(_SLOGAN)]
    assert scores == sorted(scores, reverse=True)


def test_query_results_meet_threshold(corpus: dict[str, str], index: NearDuplicateIndex) -> None:
    rng = random.Random(9)
    for key in rng.sample(sorted(corpus), 30):
        for _, score in index.query_scored(_edit(corpus[key], rng)):
            assert score >= index.threshold


def test_estimate_tracks_true_jaccard() -> None:
    rng = random.Random(2)
    hasher = MinHasher()
    errors = []
    for _ in range(300):
        base = _random_text(rng, 20, 120)
        chars = list(base)
        for _ in range(rng.randint(0, 8)):
            chars.insert(rng.randrange(len(chars)), rng.choice(_ALPHABET))
        edited = "".join(chars)
        sig_a, sig_b = hasher.signature_array(base), hasher.signature_array(edited)
        assert sig_a is not None and sig_b is not None
        errors.append(estimate_jaccard(sig_a, sig_b) - _jaccard(base, edited))
    assert abs(float(np.mean(errors))) < 0.01  # unbiased
    assert float(np.std(errors)) < 0.07  # about sqrt(J(1-J)/64)


def test_round_trip_preserves_answers(corpus: dict[str, str], index: NearDuplicateIndex) -> None:
    data = index.to_bytes()
    restored = NearDuplicateIndex.from_bytes(data)
    assert len(restored) == len(index)
    rng = random.Random(3)
    for key in rng.sample(sorted(corpus), 50):
        query = _edit(corpus[key], rng)
        assert restored.query_scored(query) == index.query_scored(query)
    # About 2 bytes per permutation plus the key: compact, not a pickled object graph.
    assert len(data) < len(index) * (2 * 64 + 20) + 100


def test_round_trip_keeps_unicode_keys_empty_texts_and_parameters() -> None:
    idx = NearDuplicateIndex(0.8, num_perm=32, bands=8, shingle_size=2, seed=9)
    idx.add("帖子-1", _SLOGAN)
    idx.add("空", "！！！ 🙂")
    restored = NearDuplicateIndex.from_bytes(idx.to_bytes())
    assert restored.threshold == 0.8
    assert restored.hasher == idx.hasher
    assert "空" in restored and len(restored) == 2
    assert restored.query(_SLOGAN) == ["帖子-1"]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: d[:10], "too short"),
        (lambda d: d[:-5] + bytes([d[-5] ^ 1]) + d[-4:], "CRC"),
        (lambda d: b"XXXX" + d[4:], "CRC"),
        (lambda d: d[:-4] + d[-4:][::-1], "CRC"),
    ],
)
def test_damaged_data_is_rejected(index: NearDuplicateIndex, damage, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        NearDuplicateIndex.from_bytes(damage(index.to_bytes()))


def test_remove_and_replace() -> None:
    idx = NearDuplicateIndex()
    idx.add("a", _SLOGAN)
    idx.add("b", "今天天气很好，我们去公园散步吧，顺便买点水果回家。")
    idx.remove("a")
    assert len(idx) == 1 and "a" not in idx
    assert idx.query(_SLOGAN) == []
    with pytest.raises(KeyError):
        idx.remove("a")
    idx.add("b", _SLOGAN)  # re-adding a key replaces its text
    assert len(idx) == 1
    assert idx.query(_SLOGAN) == ["b"]
    assert idx.query("今天天气很好，我们去公园散步吧，顺便买点水果回家。") == []


def test_many_removals_compact_the_arrays(corpus: dict[str, str]) -> None:
    idx = NearDuplicateIndex()
    for key, text in corpus.items():
        idx.add(key, text)
    for key in list(corpus)[:300]:
        idx.remove(key)
    assert len(idx) == 100
    assert len(idx._keys) < 250  # dead rows were dropped
    survivor = list(corpus)[350]
    assert idx.query(corpus[survivor]) == [survivor]


def test_long_band_runs_and_pending_rows_are_all_candidates() -> None:
    idx = NearDuplicateIndex()
    for i in range(12):
        idx.add(f"copy-{i}", _SLOGAN)
    idx.add("other", "今天天气很好，我们去公园散步吧，顺便买点水果回家。")
    idx.compact()  # twelve equal band keys per band in the sorted arrays
    for i in range(12, 15):
        idx.add(f"copy-{i}", _SLOGAN + "！")  # still pending
    assert idx._pending
    assert idx.query(_SLOGAN) == [f"copy-{i}" for i in range(15)]


@pytest.mark.parametrize("count", [1, 3, 4, 5, 40])
def test_scalar_and_vector_verification_agree(corpus: dict[str, str], count: int) -> None:
    idx = NearDuplicateIndex()
    for key, text in corpus.items():
        idx.add(key, text)
    rng = random.Random(count)
    sig = idx.hasher.signature_array(_edit(corpus["post-7"], rng))
    assert sig is not None
    rows = sorted([*rng.sample(range(len(corpus)), count - 1), 7])
    expected = [int(np.count_nonzero(idx._sigs[row] == sig)) for row in rows]
    assert idx._matches(sig, rows) == expected


def test_storage_is_packed_arrays(index: NearDuplicateIndex) -> None:
    index.compact()
    assert index._sigs.dtype == np.uint16 and index._sigs.shape == (len(index), 64)
    assert index._band_keys.dtype == np.uint32
    assert index._band_keys.size == index._band_rows.size == 16 * len(index)
    assert not index._pending


def test_empty_text_is_indexed_but_matches_nothing() -> None:
    idx = NearDuplicateIndex()
    idx.add("empty", "，。！ 🙂🙂")
    assert len(idx) == 1
    assert idx.query("，。！ 🙂🙂") == []
    assert idx.query("") == []


def test_signature_is_stable_compact_and_comparable() -> None:
    sig = signature(_SLOGAN)
    assert len(sig) == 12 + 2 * 64
    assert _SLOGAN.encode("utf-8")[:6] not in sig
    # Pinned: a change here breaks fingerprints already stored or exchanged between servers.
    assert hashlib.sha256(sig).hexdigest()[:16] == _PINNED_SIGNATURE_DIGEST
    assert similarity(sig, signature(_SLOGAN + "！！")) == 1.0
    assert similarity(sig, signature("今天天气很好，我们去公园散步吧")) < 0.2
    assert similarity(sig, signature("")) == 0.0


def test_signatures_move_between_indexes() -> None:
    sender, receiver = NearDuplicateIndex(), NearDuplicateIndex()
    receiver.add_signature("remote-1", sender.signature(_SLOGAN))
    assert receiver.query(_SLOGAN + "转发") == ["remote-1"]
    assert receiver.query_signature(sender.signature(_SLOGAN))[0][0] == "remote-1"
    other = NearDuplicateIndex(num_perm=32, bands=8)
    with pytest.raises(ValueError, match="num_perm"):
        other.add_signature("x", sender.signature(_SLOGAN))


def test_batch_signatures_equal_single_ones() -> None:
    hasher = MinHasher()
    texts = [_SLOGAN, "", "！！", "a", "ab", "今天天气很好"] * 3
    sigs, valid = hasher.signature_matrix(texts, chunk=4)
    for text, sig, ok in zip(texts, sigs, valid, strict=True):
        single = hasher.signature_array(text)
        assert ok == (single is not None)
        if single is not None:
            assert (sig == single).all()


def test_invalid_parameters() -> None:
    with pytest.raises(ValueError):
        NearDuplicateIndex(num_perm=64, bands=10)
    with pytest.raises(ValueError):
        NearDuplicateIndex(threshold=0)
    with pytest.raises(TypeError):
        NearDuplicateIndex().add(1, "x")  # type: ignore[arg-type]


_PINNED_SIGNATURE_DIGEST = "a589be47a04e6901"
