"""Tests for jubao.analysis.abuse (no database, no Django)."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from jubao.analysis import abuse

REPO = Path(__file__).resolve().parents[2]
COLD_DEV = REPO.parent / "shared" / "data" / "cold" / "dev.csv"
# Allowed shortfall against the figure recorded in the model metadata (and the docs); the
# check reruns the exact shipped model, so any real drift (feature code, file) shows up as a
# large drop, while float summation order can move a borderline text or two.
DEV_TOLERANCE = 0.005

OFFENSIVE = [
    "黑鬼都滚出中国，一群畜生",
    "河南人都是骗子，偷井盖的垃圾",
    "女人就是贱，天生下贱的东西",
    "你这个傻逼死全家",
    "东北人全是黑社会，恶心死了",
]
BENIGN = [
    "今天天气很好，我们一起去公园散步吧。",
    "这家餐厅的面条很好吃，推荐大家去尝尝。",
    "谢谢你的帮助，祝你工作顺利！",
    "我在上海读书，周末喜欢去图书馆看书。",
    "这部电影的配乐非常动人。",
]


def test_model_files_have_no_pickle() -> None:
    # np.load with allow_pickle=False refuses object arrays; additionally check that every
    # member of the archive is a plain numeric array.
    with np.load(abuse.WEIGHTS_FILE, allow_pickle=False) as data:
        for name in data.files:
            assert data[name].dtype.kind in "iuf", name
    with zipfile.ZipFile(abuse.WEIGHTS_FILE) as zf:
        assert all(n.endswith(".npy") for n in zf.namelist())
    meta = json.loads(abuse.META_FILE.read_text(encoding="utf-8"))
    assert meta["training_data"]["name"].startswith("COLD")
    assert meta["rebuild"]
    assert abuse.WEIGHTS_FILE.stat().st_size < 5_000_000


def test_load_model_and_threshold() -> None:
    model = abuse.load_model()
    assert model.weights.shape == (1 << model.bits,)
    assert 0.0 < abuse.THRESHOLD < 1.0
    assert model.threshold == abuse.THRESHOLD


def test_licence_note_present() -> None:
    text = (abuse.MODEL_DIR / "LICENSE-abuse-model.md").read_text(encoding="utf-8")
    assert "COLD" in text and "Apache" in text and "train_abuse.py" in text


def test_predict_shape_and_range() -> None:
    texts = [*OFFENSIVE, *BENIGN, "", "a", "😀" * 3, "x\x00y", "\ud800 broken surrogate"]
    probs = abuse.predict(texts)
    assert len(probs) == len(texts)
    assert all(isinstance(p, float) and 0.0 <= p <= 1.0 for p in probs)


def test_predict_empty_inputs() -> None:
    assert abuse.predict([]) == []
    (p,) = abuse.predict([""])
    assert 0.0 <= p <= 1.0
    # An empty text has no features: its probability is the sigmoid of the bias alone.
    bias = abuse.load_model().bias
    assert p == pytest.approx(1.0 / (1.0 + np.exp(-bias)))


def test_predict_rejects_bare_string() -> None:
    with pytest.raises(TypeError):
        abuse.predict("一句话")


@pytest.mark.parametrize("text", OFFENSIVE)
def test_offensive_examples_score_high(text: str) -> None:
    assert abuse.predict([text])[0] > abuse.THRESHOLD


@pytest.mark.parametrize("text", BENIGN)
def test_benign_examples_score_low(text: str) -> None:
    assert abuse.predict([text])[0] < abuse.THRESHOLD


def test_deterministic_and_batch_independent() -> None:
    texts = [*OFFENSIVE, *BENIGN]
    first = abuse.predict(texts)
    assert abuse.predict(texts) == first
    # A text's score must not depend on its neighbours in the batch (n-grams never cross texts).
    singles = [abuse.predict([t])[0] for t in texts]
    assert singles == pytest.approx(first, abs=1e-12)
    reversed_batch = abuse.predict(texts[::-1])[::-1]
    assert reversed_batch == pytest.approx(first, abs=1e-12)


def test_chunking_matches_single_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [*OFFENSIVE, *BENIGN] * 3
    whole = abuse.predict(texts)
    monkeypatch.setattr(abuse, "_CHUNK", 4)
    assert abuse.predict(texts) == pytest.approx(whole, abs=1e-12)


def test_fullwidth_and_case_are_folded() -> None:
    plain, wide = abuse.predict(["sb滚", "ＳＢ滚"])
    assert plain == pytest.approx(wide, abs=1e-12)


def test_hashing_is_stable() -> None:
    # Fixed expected buckets: fails if the hash function (and so every stored weight's
    # meaning) changes by accident.
    doc, bucket = abuse.hashed_ngrams(["ab", "c"], 1, 2, 20)
    assert doc.tolist() == [0, 0, 1, 0]
    # unigrams a, b (text 0), c (text 1), then bigram ab (text 0)
    assert bucket.tolist() == [986858, 274234, 143961, 954678]


def test_ngrams_do_not_cross_texts() -> None:
    doc, _ = abuse.hashed_ngrams(["ab", "cd"], 1, 3, 20)
    # 2 unigrams + 1 bigram per text, no trigram and no "bc" bigram across the boundary.
    assert np.bincount(doc).tolist() == [3, 3]


def _read_dev() -> tuple[list[str], np.ndarray]:
    with COLD_DEV.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [r["TEXT"] for r in rows], np.array([int(r["label"]) for r in rows])


def test_dev_accuracy_matches_documented_figure() -> None:
    if not COLD_DEV.is_file():
        pytest.skip(f"COLD dev split not found at {COLD_DEV}; accuracy check skipped")
    texts, labels = _read_dev()
    pred = np.array(abuse.predict(texts)) >= abuse.THRESHOLD
    accuracy = float(np.mean(pred == (labels == 1)))
    documented = abuse.load_model().meta["dev_metrics"]["accuracy"]
    assert documented >= 0.85
    assert accuracy >= documented - DEV_TOLERANCE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("女人就该在家带孩子", {"gender"}),
        ("田园女权真可怕", {"gender"}),
        ("河南人都偷井盖", {"region"}),
        ("又在搞地域黑了", {"region"}),
        ("黑人的素质怎么样", {"race"}),
        ("黑鬼滚回非洲去", {"race"}),
        ("老年人就别出来挤公交了", {"age"}),
        ("现在的熊孩子真没教养", {"age"}),
        ("残疾人就不要出门添乱", {"disability"}),
        ("你个瘸子还想跑步", {"disability"}),
        ("东北老人", {"region", "age"}),
        ("ＬＧＢＴ群体", {"gender"}),
    ],
)
def test_topics_positive(text: str, expected: set[str]) -> None:
    assert abuse.topics(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "今天天气不错，适合出去走走。",
        "这个方案我觉得还需要再讨论一下。",
        "我明白人生不易",  # 明白人 contains 白人 but is not about race
        "你是智障吗",  # generic insult, deliberately not a disability cue
        "得了香港脚真难受",  # athlete's foot, not a region
    ],
)
def test_topics_negative(text: str) -> None:
    assert abuse.topics(text) == set()


def test_topics_vocabulary() -> None:
    assert set(abuse.TOPICS) == {"gender", "region", "race", "age", "disability"}
