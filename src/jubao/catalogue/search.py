"""Word search over the report items, for the "what happened?" guidance.

Chinese is written without spaces, so Chinese text is indexed as overlapping character bigrams
(plus single characters) and English as lower-cased, lightly stemmed words. A match is weighted
by the field it is found in (name over keywords over examples over description) and by how rare
the token is across items, so that "地址" counts for more than "网上".
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from jubao.catalogue.entities import Catalogue, ReportItem, Text

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    ["a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "i", "in",
     "is", "it", "me", "my", "of", "on", "or", "our", "that", "the", "their", "them", "they",
     "this", "to", "was", "were", "what", "who", "with", "without", "you", "your"]
)  # fmt: skip
# Bigrams that occur in almost any complaint ("someone", "posted online") and say nothing about
# which item fits; without this list a long example sentence outranks a precise keyword.
_STOP_BIGRAMS = frozenset(
    ["有人", "我的", "我们", "他们", "发到", "到网", "网上", "上了", "了我", "一个", "这个", "什么",
     "还有", "一直", "已经", "可以", "怎么", "如何"]
)  # fmt: skip
FIELD_WEIGHTS = {"name": 3.0, "keywords": 3.0, "examples": 1.0, "description": 1.0}
_indexes: dict[tuple[str, str], _Index] = {}


@dataclass(frozen=True)
class SearchHit:
    """One search result: the item and its score (higher is better)."""

    item: ReportItem
    score: float


def _stem(word: str) -> str:
    # Light suffix stripping so that "leaked", "leaks" and "leak" meet; not a real stemmer.
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix) and not word.endswith("ss"):
            return word[: -len(suffix)]
    return word


def tokens(text: str, *, unigrams: bool = True) -> set[str]:
    """The search tokens of `text`: CJK bigrams (and single characters) and English stems."""
    lowered = text.lower()
    out: set[str] = set()
    for run in _CJK.findall(lowered):
        if len(run) == 1 or unigrams:
            out.update(run)
        out.update(run[i : i + 2] for i in range(len(run) - 1))
    out -= _STOP_BIGRAMS
    out.update(_stem(w) for w in _WORD.findall(lowered) if len(w) > 1 and w not in _STOP)
    return out


def _texts(item: ReportItem, lang: str) -> dict[str, list[str]]:
    def pick(text: Text) -> list[str]:
        if lang == "zh":
            return [text.zh]
        if lang == "en":
            return [text.en]
        return [text.zh, text.en]

    keywords = {"zh": list(item.keywords.zh), "en": list(item.keywords.en)}
    return {
        "name": pick(item.name),
        "keywords": keywords.get(lang, keywords["zh"] + keywords["en"]),
        "examples": [t for example in item.examples for t in pick(example)],
        "description": pick(item.description),
    }


class _Index:
    def __init__(self, catalogue: Catalogue, lang: str) -> None:
        self.items = catalogue.items
        self.fields: list[dict[str, set[str]]] = []
        frequency: dict[str, int] = {}
        for item in self.items:
            per_field = {
                name: tokens(" ".join(texts)) for name, texts in _texts(item, lang).items()
            }
            self.fields.append(per_field)
            for token in set().union(*per_field.values()):
                frequency[token] = frequency.get(token, 0) + 1
        total = len(self.items) or 1
        self.idf = {t: math.log(1 + total / n) for t, n in frequency.items()}

    def score(self, position: int, query: set[str]) -> float:
        per_field = self.fields[position]
        total = 0.0
        for token in query:
            weight = max(
                (FIELD_WEIGHTS[name] for name, found in per_field.items() if token in found),
                default=0.0,
            )
            total += weight * self.idf.get(token, 0.0)
        return total


def _lang_key(lang: str | None) -> str:
    if not lang:
        return "both"
    return "zh" if lang.lower().startswith("zh") else "en"


def search(
    query: str, lang: str | None = None, *, limit: int = 10, catalogue: Catalogue | None = None
) -> list[SearchHit]:
    """The report items that best match `query`, best first.

    `lang` limits the search to the Chinese ("zh", "zh-hans") or English ("en") text; None
    searches both, which suits free text typed by a reporter in either language.
    """
    if catalogue is None:
        from jubao.catalogue.registry import get_catalogue

        catalogue = get_catalogue()
    key = (catalogue.content_hash, _lang_key(lang))
    index = _indexes.get(key)
    if index is None:
        if len(_indexes) > 8:  # a new catalogue replaced the old ones; keep memory bounded
            _indexes.clear()
        index = _indexes[key] = _Index(catalogue, key[1])
    # Single characters in a longer query are mostly particles; bigrams carry the meaning.
    wanted = tokens(query, unigrams=False) or tokens(query)
    hits = [
        SearchHit(item=item, score=round(index.score(n, wanted), 4))
        for n, item in enumerate(index.items)
    ]
    ranked = sorted((h for h in hits if h.score > 0), key=lambda h: (-h.score, h.item.priority))
    return ranked[:limit]
