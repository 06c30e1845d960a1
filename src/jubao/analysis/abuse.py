"""Offensive-language (cyber-violence) classifier and discrimination-topic cues.

Public API
----------
``predict(texts)``
    Probability that each text is offensive, from a linear model over hashed character n-grams
    trained on COLD (see ``docs/analysis-abuse.md``).
``THRESHOLD``
    Decision threshold chosen on the COLD dev split (maximises macro-F1 there).
``topics(text)``
    Discrimination topics evident from a documented lexicon: gender, region, race, age,
    disability.

The module depends only on numpy and the standard library: no Django, no scikit-learn, no
pickle.  The model is two small files next to this module (``models/abuse-model.npz`` with the
weights, ``models/abuse-model.json`` with the feature settings and provenance) loaded lazily on
first use and cached for the life of the process.

Features are computed for a whole batch at once with numpy: the batch is lower-cased and
concatenated into one UTF-32 code-point array, folded through an NFKC-derived table (full-width
and compatibility characters to their plain forms, see ``fold_pairs``), and each character
n-gram is hashed with a polynomial rolling hash (wrapping uint64 arithmetic) followed by a
splitmix64 finaliser.  The top ``bits`` bits of the result select a weight bucket.  The hash is a
pure function of the code points, so it is stable across processes and platforms (unlike
Python's randomised ``hash``), and the training script imports these same functions, so training
and inference cannot drift apart.
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "MODEL_DIR",
    "THRESHOLD",
    "TOPICS",
    "AbuseModel",
    "hashed_ngrams",
    "load_model",
    "predict",
    "topics",
]

MODEL_DIR = Path(__file__).resolve().parent / "models"
WEIGHTS_FILE = MODEL_DIR / "abuse-model.npz"
META_FILE = MODEL_DIR / "abuse-model.json"

# Texts are scored in chunks so that memory stays bounded (a few tens of MB) however long the
# input list is; the chunk is large enough that numpy call overhead is negligible.
_CHUNK = 4096

# Hash constants.  _PRIME is an odd 64-bit multiplier for the rolling polynomial; the splitmix64
# finaliser (Steele, Lea & Flood 2014) spreads the bits so that the top bits are usable as a
# bucket index.  Salting with the n-gram length keeps "a" and "a\0" style collisions apart.
_PRIME = np.uint64(0x100000001B3)
_MASK64 = (1 << 64) - 1
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)


def _normalise(text: str) -> str:
    # For the topic lexicon, where one text at a time is cheap enough for full NFKC.
    return unicodedata.normalize("NFKC", text).lower()


def _splitmix(h: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    h = (h ^ (h >> _S30)) * _MIX1
    h = (h ^ (h >> _S27)) * _MIX2
    return h ^ (h >> _S31)


# Code points below this limit go through the fold table (BMP plus the supplementary plane
# that holds the mathematical alphanumerics used to dodge filters, e.g. 𝐬𝐛).
FOLD_LIMIT = 0x20000


def fold_pairs() -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    """Derive the character fold table from this Python's Unicode database.

    Every code point whose NFKC form, lower-cased, is a *single* different code point maps to
    it: full-width Latin and punctuation (ｓｂ！-> sb!), Kangxi radicals (⼈ -> 人),
    compatibility ideographs, mathematical letters.  Multi-character expansions (… -> ...,
    ① -> 1) are left alone.  Returns (source, target) arrays.  The training script stores the
    pairs in the model file, so inference does not depend on the Unicode version of the
    interpreter running it.
    """
    src: list[int] = []
    dst: list[int] = []
    for cp in range(FOLD_LIMIT):
        if 0xD800 <= cp < 0xE000:
            continue
        ch = chr(cp)
        mapped = unicodedata.normalize("NFKC", ch).lower()
        if len(mapped) == 1 and mapped != ch:
            src.append(cp)
            dst.append(ord(mapped))
    return np.array(src, dtype=np.uint32), np.array(dst, dtype=np.uint32)


def dense_fold(src: npt.NDArray[np.uint32], dst: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """Turn (source, target) pairs into a lookup table indexed by code point."""
    table = np.arange(FOLD_LIMIT, dtype=np.uint32)
    table[src] = dst
    return table


@lru_cache(maxsize=1)
def _default_fold() -> npt.NDArray[np.uint32]:
    return dense_fold(*fold_pairs())


def _encode(texts: Sequence[str], fold: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """Normalise the whole batch at once; return its code points with 0 between texts."""
    joined = "\x00".join(texts)
    if joined.count("\x00") != len(texts) - 1:
        # Some text contains NUL itself: drop NULs so that 0 is free to mark boundaries.
        joined = "\x00".join(t.replace("\x00", "") for t in texts)
    # lower() is one C call for the batch; unicodedata.normalize("NFKC") would be the obvious
    # next step but costs ~50 µs per comment (it re-composes everything), which alone would
    # blow the throughput budget, so compatibility folding is a vectorised table lookup.
    # surrogatepass: stray surrogates from badly decoded input must not raise.
    raw = np.frombuffer(joined.lower().encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return np.where(raw < FOLD_LIMIT, fold[np.minimum(raw, FOLD_LIMIT - 1)], raw)


def hashed_ngrams(
    texts: Sequence[str],
    ngram_min: int,
    ngram_max: int,
    bits: int,
    fold: npt.NDArray[np.uint32] | None = None,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Hash every character n-gram of every text into ``2**bits`` buckets.

    Texts are lower-cased and folded with ``fold`` (a ``dense_fold`` table; by default the one
    derived from this interpreter) first; NUL characters are ignored.  Returns
    ``(doc, bucket)``: two equal-length int64 arrays where entry ``k`` says that n-gram ``k``
    belongs to ``texts[doc[k]]`` and falls into bucket ``bucket[k]``.  Repeated n-grams appear
    repeatedly (term frequency).  N-grams never span two texts.
    """
    if len(texts) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy()
    raw = _encode(texts, _default_fold() if fold is None else fold)
    codes = raw.astype(np.uint64)
    total = codes.shape[0]
    is_sep = raw == 0
    # doc_of_pos[i] = number of separators before i = index of the text that owns position i.
    doc_of_pos = np.cumsum(is_sep, dtype=np.int64) - is_sep

    shift = np.uint64(64 - bits)
    docs: list[npt.NDArray[np.int64]] = []
    buckets: list[npt.NDArray[np.int64]] = []
    # h[i] holds the rolling hash of the n-gram starting at i; it is extended by one character
    # per order, so all orders together cost one multiply-add per position and order.  valid[i]
    # says that the n-gram starting at i contains no separator.
    h = np.zeros(total, dtype=np.uint64)
    valid = np.ones(total, dtype=np.bool_)
    for n in range(1, ngram_max + 1):
        size = total - n + 1
        if size <= 0:
            break
        h = h[:size] * _PRIME + codes[n - 1 : n - 1 + size] + np.uint64(1)
        valid = valid[:size] & ~is_sep[n - 1 : n - 1 + size]
        if n < ngram_min:
            continue
        salt = np.uint64((0x9E3779B97F4A7C15 * n) & _MASK64)
        buckets.append((_splitmix(h[valid] + salt) >> shift).astype(np.int64))
        docs.append(doc_of_pos[:size][valid])
    if not docs:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy()
    return np.concatenate(docs), np.concatenate(buckets)


def doc_features(
    doc: npt.NDArray[np.int64], bucket: npt.NDArray[np.int64], n_docs: int, bits: int, binary: bool
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Collapse ``hashed_ngrams`` output to one (doc, bucket, value) entry per distinct pair.

    Values are L2-normalised per text; with ``binary`` every present bucket counts 1 before
    normalisation, otherwise its n-gram count.  Used by training and by ``predict``, so the
    feature definition lives in exactly one place.
    """
    # Distinct (doc, bucket) pairs by sorting one packed key.  A uint32 key sorts about twice
    # as fast as uint64 and fits whenever n_docs * 2**bits <= 2**32 (predict's chunks do).
    key_type = np.uint32 if (n_docs << bits) <= (1 << 32) else np.uint64
    key = np.sort(np.left_shift(doc.astype(key_type), bits) | bucket.astype(key_type))
    if key.shape[0] == 0:
        first = np.zeros(0, dtype=np.bool_)
    else:
        first = np.empty(key.shape[0], dtype=np.bool_)
        first[0] = True
        np.not_equal(key[1:], key[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    uniq = key[starts]
    udoc = (uniq >> key_type(bits)).astype(np.int64)
    ubucket = (uniq & key_type((1 << bits) - 1)).astype(np.int64)
    if binary:
        values = np.ones(uniq.shape[0])
    else:
        values = np.diff(np.append(starts, key.shape[0])).astype(np.float64)
    sq = np.bincount(udoc, weights=values * values, minlength=n_docs)
    norms = np.sqrt(sq)
    norms[norms == 0] = 1.0
    return udoc, ubucket, values / norms[udoc]


@dataclass(frozen=True)
class AbuseModel:
    """Weights and feature settings of the offensive-language model."""

    weights: npt.NDArray[np.float32]
    bias: float
    ngram_min: int
    ngram_max: int
    bits: int
    binary: bool
    threshold: float
    fold: npt.NDArray[np.uint32]
    meta: dict[str, Any]

    def decision(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """Linear score (log-odds of 'offensive') of each text."""
        n_docs = len(texts)
        doc, bucket = hashed_ngrams(texts, self.ngram_min, self.ngram_max, self.bits, self.fold)
        udoc, ubucket, values = doc_features(doc, bucket, n_docs, self.bits, self.binary)
        contrib = self.weights[ubucket].astype(np.float64) * values
        return np.bincount(udoc, weights=contrib, minlength=n_docs) + self.bias


_load_lock = threading.Lock()
_model: AbuseModel | None = None


def _cached_model() -> AbuseModel:
    # Double-checked so that concurrent first calls (threaded WSGI workers) read the files once.
    global _model
    if _model is None:
        with _load_lock:
            if _model is None:
                _model = load_model()
    return _model


def load_model(weights_path: Path = WEIGHTS_FILE, meta_path: Path = META_FILE) -> AbuseModel:
    """Read the model from disk without pickle (``allow_pickle=False``).

    ``predict`` calls this once and caches the result; call it directly only to load a model
    from another location (e.g. a freshly trained one).
    """
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    feats = meta["features"]
    bits = int(feats["bits"])
    with np.load(weights_path, allow_pickle=False) as data:
        index = data["index"].astype(np.int64)
        value = data["value"].astype(np.float32)
        bias = float(data["bias"][0])
        fold = dense_fold(data["fold_src"], data["fold_dst"])
    # Only non-zero buckets are stored; rebuild the dense table for O(1) gathers.
    weights = np.zeros(1 << bits, dtype=np.float32)
    weights[index] = value
    return AbuseModel(
        weights=weights,
        bias=bias,
        ngram_min=int(feats["ngram_min"]),
        ngram_max=int(feats["ngram_max"]),
        bits=bits,
        binary=bool(feats["binary"]),
        threshold=float(meta["threshold"]),
        fold=fold,
        meta=meta,
    )


def _read_threshold() -> float:
    # Read from the small JSON sidecar at import so that THRESHOLD is a plain float constant
    # without loading the weights; fall back to 0.5 if the model has not been built yet so
    # that importing the module never fails.
    try:
        return float(json.loads(META_FILE.read_text(encoding="utf-8"))["threshold"])
    except (OSError, ValueError, KeyError):
        return 0.5


THRESHOLD: float = _read_threshold()


def predict(texts: Sequence[str]) -> list[float]:
    """Return, for each text, the probability (0..1) that it is offensive.

    Compare with ``THRESHOLD`` for a yes/no decision.  Empty strings get the model's prior.
    The model is loaded on the first call and cached.
    """
    if isinstance(texts, str):
        # A bare string is a Sequence[str] of characters: almost certainly a caller mistake.
        raise TypeError("predict() takes a sequence of texts, not a single string")
    if len(texts) == 0:
        return []
    model = _cached_model()
    out: list[float] = []
    for start in range(0, len(texts), _CHUNK):
        z = model.decision(texts[start : start + _CHUNK])
        # Clip before exp so that extreme scores cannot overflow.
        prob = 1.0 / (1.0 + np.exp(-np.clip(z, -500.0, 500.0)))
        out.extend(prob.tolist())
    return out


# ---------------------------------------------------------------------------------------------
# Topics: lexicon rules.  Each topic is a regex alternation of cue words/patterns; a topic is
# reported when any cue occurs.  The lists favour precision: bare place names or bare "old"
# are not cues, a group noun (河南人, 老年人) or a slur is.  See docs/analysis-abuse.md for the
# measured precision/recall of gender/region/race on COLD dev.
# ---------------------------------------------------------------------------------------------

TOPICS = ("gender", "region", "race", "age", "disability")


def _words(spaced: str) -> list[str]:
    return spaced.split()


# Provinces, regions and large cities.  A bare place name counts as a region cue (COLD region
# texts mostly name the place: 新疆多小偷); so does a group noun built on it (河南人, 东北佬).
_PLACES = _words(
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 "
    "湖南 广东 海南 四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙 广西 西藏 宁夏 新疆 澳门 "
    "东北 西北 华北 华南 江浙沪 两广 潮汕 闽南 苏北 苏南 川渝 云贵川 "
    "广州 深圳 杭州 南京 武汉 成都 西安 长沙 郑州 沈阳 大连 哈尔滨 长春 济南 青岛 温州 "
    "宁波 苏州 无锡 厦门 福州 南昌 合肥 昆明 贵阳 南宁 兰州 太原 石家庄 呼和浩特 乌鲁木齐 "
    "拉萨 西宁 银川 海口 三亚 徐州 洛阳 开封 驻马店 周口 信阳 潮州 汕头 揭阳 莆田 东莞 佛山"
)
# Words that only signal a region *group* when followed by 人/佬 etc.: 香港脚 is athlete's foot,
# 北方 alone is a direction, 豫/鲁 are one-character abbreviations.
_GROUP_ONLY = _words(
    "香港 北方 南方 外地 本地 外省 大陆 内地 乡下 农村 城里 山区 北上广 豫 鲁 江浙"
)


def _alternation(words: Sequence[str]) -> str:
    # Longest first, so that 江浙沪 wins over 江浙 inside one alternation.
    return "|".join(sorted(set(words), key=len, reverse=True))


_LEXICON: dict[str, str] = {
    "gender": "|".join(
        [
            r"女人|男人|女性|男性|女生|男生|女的|男的|女孩|男孩|妇女|女同胞|男同胞",
            r"女权|男权|女拳|男拳|田园女|直男癌|直男|娘炮|娘娘腔|伪娘|母狗|公狗|婊子|绿茶婊|小仙女",
            r"仙女|普信男|普信女|渣男|渣女|女司机|剩女|家庭主妇|重男轻女|性别|老婆|老公|彩礼",
            r"母猪|男尊女卑|女拳师|国男|中国男|中国女|媳妇|女方|男方|男女|婆娘|娘们|爷们",
            # COLD files sexual-orientation texts under gender.
            r"妈宝男|处女|处男|女子|男子|少女|集美|同性恋|男同|女同|基佬|lgbt",
        ]
    ),
    "region": "|".join(
        [
            rf"(?:{_alternation((*_PLACES, *_GROUP_ONLY))})(?:人|佬|仔|妹|籍|口音|话)",
            _alternation(_PLACES),
            r"地域黑|地域歧视|地图炮|偷井盖|井盖|乡巴佬|土包子|北佬|捞仔|湾湾|蛮子|盲流",
        ]
    ),
    "race": "|".join(
        [
            r"黑人|(?<!明)白人|黄种人|黄人|棕色人|黑鬼|黑蛆|尼哥|尼格|黑叔叔|黑哥|非裔|亚裔|拉丁裔",
            r"白皮|黑皮|种族|人种|民族|混血|犹太|阿三|印度人|日本人|韩国人|美国人|非洲人|欧洲人",
            r"亚洲人|外国人|老外|洋人|鬼子|棒子|白左|黑命贵|白男|黑男|白女|黑女|留学生|穆斯林|绿绿",
            r"维吾尔|少数民族|汉族|汉人|洋垃圾|黑命|nigger|nigga",
        ]
    ),
    "age": "|".join(
        [
            r"老人|老年人|年轻人|中年人|老头|老太|老太太|老太婆|老头子|老不死|倚老卖老|老东西",
            r"老家伙|坏人变老|老年|大妈|广场舞|熊孩子|小屁孩|未成年人|中年油腻|油腻中年|老一辈",
            r"[0-9]{2}后|(?:零零|九零|八零|七零)后|年纪大|岁数大|一把年纪|老古董|老顽固|代沟",
            r"年龄歧视|35岁|三十五岁",
        ]
    ),
    # Only words naming a disability or disabled people.  Insults that borrow from it (智障,
    # 脑残, 弱智, 傻子, 神经病) are so routinely used against anyone that they do not make the
    # text *about* disability, so they are deliberately absent.
    "disability": "|".join(
        [
            r"残疾|残废|残障|残联|瘸子|瘸腿|跛子|瞎子|盲人|失明|聋子|聋哑|耳聋|哑巴|脑瘫|唐氏",
            r"自闭症|精神病人|精神残疾|智力障碍|智力残疾|侏儒|轮椅|截肢|独臂|兔唇|口吃|结巴",
        ]
    ),
}

_TOPIC_RES: dict[str, re.Pattern[str]] = {k: re.compile(v) for k, v in _LEXICON.items()}


def topics(text: str) -> set[str]:
    """Return the discrimination topics evident in ``text`` (possibly empty).

    Topics are drawn from ``TOPICS``: "gender", "region", "race", "age", "disability".  A
    topic is evident when the normalised text contains one of its cue words, e.g. a group noun
    (女人, 河南人, 黑人, 老年人, 残疾人) or a slur (娘炮, 地域黑, 黑鬼, 老不死, 瘸子).  This
    says what a text is *about*, not whether it is offensive; combine with ``predict``.
    """
    norm = _normalise(text)
    return {topic for topic, pattern in _TOPIC_RES.items() if pattern.search(norm)}
