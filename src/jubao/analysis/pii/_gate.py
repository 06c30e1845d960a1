"""One cheap pass that tells which detectors can possibly fire on a text.

Most texts contain no identifier at all, and running every detector on them costs far more
than finding that out.  ``families`` runs a single compiled pattern over the text and
returns a bit set of the detector families that have a *necessary* trigger in it: a digit
for the number kinds, ``@`` for e-mail, the first characters of a QQ/WeChat/hotel cue, a
medical term, a province abbreviation followed by a letter, and so on.  A detector whose
bit is not set cannot produce a finding, so skipping it never changes the result.

The pattern is built so that ``re`` can skip ahead in C: every alternative starts with a
literal character, which ``re`` turns into a fast scan for the union of those characters,
and checks the rest of its trigger with a look-ahead.  Every alternative consumes one
character (a digit alternative consumes its digit run), so no trigger can hide another,
and none matches or looks past a newline, which lets ``families_many`` scan many texts
joined by ``\\n`` at once.
"""

from __future__ import annotations

import re
from functools import cache
from itertools import accumulate

from ._model import (
    ADDRESS,
    EMAIL,
    HOTEL,
    MEDICAL,
    NOW_AT,
    NUMBER,
    PLATE,
    QQ,
    SPECIAL,
    WECHAT,
)
from ._normalise import _tables
from ._phrases import MEDICAL_TERMS

# The separator ``families_many`` puts between texts: no branch consumes it or looks past it.
SEPARATOR = "\n"

_ADDR_SUFFIX = "号|栋|幢|座|单元|楼|层|室"  # as in the address gate of ``_phrases``
# Last character of a digit run's branch when it ends in an address suffix.
_ADDR_END = frozenset("号栋幢座元楼层室")
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"

# (family, first characters, look-ahead after the first character).  ``re`` only turns a
# pattern's first characters into a fast scan when every alternative starts with a
# literal, so each first character gets its own alternative; the family of a hit is then
# read off its first character.  The QQ, WeChat and hotel cues are matched
# case-insensitively by their detectors, hence the ``(?i:...)``.
_TRIGGERS: list[tuple[int, str, str]] = [
    (ADDRESS, "一二三四五六七八九十", _ADDR_SUFFIX),
    (EMAIL, "@", ""),
    (QQ, "qQ", "(?i:q)|号"),
    (QQ, "扣", "扣"),
    (QQ, "企", "鹅"),
    (WECHAT, "微威薇徽", "信"),
    (WECHAT, "vV", "信|(?i:x)"),
    (WECHAT, "加+", "[vV]"),
    (WECHAT, "wW", "(?i:x|echat|eixin)"),
    (HOTEL, "入", "住"),
    (HOTEL, "住", "[进在]"),
    (HOTEL, "开", "房|了房"),
    (HOTEL, "下", "榻"),
    (HOTEL, "cC", "(?i:heck)"),
    # The person word of a "他现在在…" phrase ends in one of these characters.
    (NOW_AT, "他她人子", "们?(?:现在|此刻|目前|今晚|今天|刚刚|此时|正|就)"),
    (PLATE, _PROVINCES, r"[ ·・.\-]?[A-HJ-NP-Z]"),
]


def _medical_triggers() -> list[tuple[int, str, str]]:
    """One alternative per first character of the medical terms."""
    rests: dict[str, list[str]] = {}
    for term in MEDICAL_TERMS.pattern.split("|"):
        rests.setdefault(term[0], []).append(re.escape(term[1:]))
    return [(MEDICAL, c, "|".join(r)) for c, r in rests.items()]


@cache
def _compiled() -> tuple[re.Pattern[str], dict[str, int], re.Pattern[str]]:
    """Compile the trigger pattern, the family of each first character, and the pattern
    of characters that normalisation changes (lazily: the latter needs a table).

    The pattern has no groups: a match object then stays cheap, and the family of a hit
    is read off its first (and for digits its last) character.
    """
    family: dict[str, int] = {}
    alternatives: list[str] = []
    # A digit run, or several joined by a space or dash as in "138 1234 5678", plus the
    # address suffix that may follow.  Consuming the whole run keeps hits few; no trigger
    # starts with a digit, a separator or a suffix character, so nothing is hidden.
    for d in "0123456789":
        family[d] = NUMBER
        alternatives.append(f"{d}[0-9]*+(?:[ -]?[0-9]++)*+(?:{_ADDR_SUFFIX})?")
    for bit, chars, ahead in [*_TRIGGERS, *_medical_triggers()]:
        for c in chars:
            assert family.get(c, bit) == bit, c  # one family per first character
            family[c] = bit
            alternatives.append(re.escape(c) + (f"(?={ahead})" if ahead else ""))
    assert not (_ADDR_END | {" ", "-"}) & family.keys()
    table, special = _tables()
    # Triggers are written for normalised text; a special character sends the text to
    # normalisation first, so the two sets must not share a character.
    assert not family.keys() & table.keys()
    return re.compile("|".join(alternatives)), family, special


def families(text: str) -> int:
    """Bit set of the detector families that may fire on ``text``."""
    pattern, family, special = _compiled()
    found = SPECIAL if not text.isascii() and special.search(text) else 0
    for g in pattern.findall(text):
        found |= family[g[0]]
        if g[-1] in _ADDR_END:
            found |= ADDRESS
    return found


def families_many(texts: list[str]) -> list[int]:
    """``[families(t) for t in texts]``, with one pass of each pattern over the joined
    texts instead of two calls per text."""
    result = [0] * len(texts)
    if not texts:
        return result
    pattern, family, special = _compiled()
    joined = SEPARATOR.join(texts)
    # Offset just past each text's separator in ``joined``; hits arrive in order, so a
    # moving index assigns them to texts without a search.
    ends = list(accumulate([len(t) + 1 for t in texts]))
    i = 0
    for m in pattern.finditer(joined):
        start = m.start()
        while ends[i] <= start:
            i += 1
        g = m.group()
        result[i] |= family[g[0]] | (ADDRESS if g[-1] in _ADDR_END else 0)
    if not joined.isascii():
        i = 0
        for m in special.finditer(joined):
            start = m.start()
            while ends[i] <= start:
                i += 1
            result[i] |= SPECIAL
    return result
