"""Normalise text for matching while keeping a map back to the original offsets.

Detection runs on a normalised copy: NFKC (full-width digits and letters become ASCII),
a handful of traditional characters used in cue words become simplified, and dash and
zero-width variants become plain separators.  Almost every character maps to exactly one
character, which keeps offsets identical; the rare NFKC expansions that produce letters or
digits (``⑩`` -> ``10``, ``ﬁ`` -> ``fi``) are handled with a small breakpoint table.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache

# Traditional -> simplified for the characters that occur in our cue words, place suffixes
# and province abbreviations.  Deliberately small: we only need the cues to match.
_TRAD = (
    "銀银電电話话醫医號号帳帐賬账開开戶户碼码聯联繫系係系機机證证護护車车區区縣县門门"
    "樓楼單单鎮镇鄉乡廣广東东蘇苏滬沪遼辽貴贵閩闽陝陕寧宁甯宁瓊琼雲云魯鲁贛赣晉晋粵粤"
    "臺台灣湾診诊療疗癥症愛爱腫肿鬱郁憂忧確确藥药懷怀傳传殘残飯饭賓宾館馆間间現现裡里"
    "裏里處处這这個个們们場场鐵铁動动騰腾訊讯鵝鹅郵邮歲岁統统會会營营業业執执轉转儲储"
    "記记貸贷訂订運运遞递斷断檢检測测術术後后時时點点離离從从龍龙嶺岭鄭郑漢汉長长際际"
    "廈厦屬属學学園园衛卫紹绍華华幣币撥拨線线檔档類类遊游"
    "臟脏癲癫癇痫瘋疯癱瘫腎肾壓压態态礙碍結结熱热"
)
_TRAD_MAP = {ord(_TRAD[i]): _TRAD[i + 1] for i in range(0, len(_TRAD) - 1, 2)}

# Characters people put inside numbers that should read as a plain separator.
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\u00ad"
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
# NFKC targets that matter inside identifiers: separators, "+86", "(010)", e-mail.
_SYMBOLS = frozenset(" +-@().·_")


@cache
def _tables() -> tuple[dict[str, str], re.Pattern[str]]:
    """Build the replacement table and the pattern of characters that need replacing.

    Built lazily (about 50 ms) so importing the package stays cheap.  Values are one
    character, except for NFKC expansions that yield letters or digits (``⑩`` -> ``10``).
    ``str.translate`` is avoided on purpose: it is slow for non-ASCII text, while a
    character-class search is fast and almost never matches in ordinary Chinese text.
    """
    table: dict[str, str] = {}
    for cp in range(0x80, 0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        norm = unicodedata.normalize("NFKC", ch)
        # Only letters, digits and the few symbols that occur inside identifiers matter
        # for detection.  Leaving "，" or "…" alone keeps ordinary text on the fast path.
        if norm != ch and (any(c.isalnum() for c in norm) or norm in _SYMBOLS):
            table[ch] = norm
    for cp, simple in _TRAD_MAP.items():
        table[chr(cp)] = simple
    for ch in _DASHES:
        table[ch] = "-"
    for ch in _ZERO_WIDTH:
        table[ch] = " "
    # Expanded output may itself contain mapped characters (rare); map them once more.
    for ch, norm in table.items():
        if len(norm) > 1:
            table[ch] = "".join(table.get(c, c) if len(table.get(c, c)) == 1 else c for c in norm)
    pattern = re.compile("[" + re.escape("".join(sorted(table))) + "]")
    return table, pattern


@dataclass(frozen=True, slots=True)
class Normalised:
    """A normalised copy of a text plus what is needed to map offsets back.

    ``breaks`` is empty when the copy has the same length as the original (the usual
    case).  Otherwise it holds ``(norm_pos, orig_pos, expanded)`` breakpoints sorted by
    ``norm_pos``; inside an expanded segment every position maps to the one original
    character that produced it.
    """

    text: str
    breaks: tuple[tuple[int, int, bool], ...] = ()

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of the normalised text to the original text."""
        if not self.breaks:
            return start, end
        return self._pos(start), self._pos(end - 1) + 1

    def _pos(self, i: int) -> int:
        keys = [b[0] for b in self.breaks]
        k = bisect_right(keys, i) - 1
        norm_pos, orig_pos, expanded = self.breaks[k]
        return orig_pos if expanded else orig_pos + (i - norm_pos)


def normalise(text: str) -> Normalised:
    """Return the matching copy of ``text`` with its offset map."""
    if text.isascii():
        return Normalised(text)
    table, special = _tables()
    first = special.search(text)
    if first is None:
        return Normalised(text)
    pieces: list[str] = []
    breaks: list[tuple[int, int, bool]] = [(0, 0, False)]
    norm_len = 0
    last = 0
    for m in special.finditer(text, first.start()):
        i = m.start()
        rep = table[m.group()]
        if len(rep) == 1:
            continue
        # An expansion: copy what precedes it, then record a breakpoint on each side.
        pieces.append(_one_to_one(text[last:i], table, special))
        norm_len += i - last
        breaks.append((norm_len, i, True))
        pieces.append(rep)
        norm_len += len(rep)
        breaks.append((norm_len, i + 1, False))
        last = i + 1
    pieces.append(_one_to_one(text[last:], table, special))
    if len(breaks) == 1:
        return Normalised(pieces[0])
    return Normalised("".join(pieces), tuple(breaks))


def _one_to_one(chunk: str, table: dict[str, str], special: re.Pattern[str]) -> str:
    """Replace the one-to-one characters of a chunk that contains no expansions."""
    return special.sub(lambda m: table[m.group()], chunk)
