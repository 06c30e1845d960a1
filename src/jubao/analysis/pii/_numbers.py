"""Number-shaped identifiers: ID cards, phones, bank cards, USCC, passports, permits,
train and flight numbers.

One linear pass finds maximal ASCII letter/digit words.  Neighbouring digit groups joined
by a single space or dash (``138 1234 5678``, ``010-12345678``) are merged into one run,
and every run is validated in Python.  A run is only ever judged as a whole or split at
its own separators, so digits inside a longer digit run are never reported.
"""

from __future__ import annotations

import re
from datetime import date

from ._checks import (
    PROVINCE_CODES,
    age_on,
    area_code_ok,
    id_birth_date,
    is_mobile,
    local_number_ok,
    looks_like_datetime,
    luhn_ok,
    org_code_ok,
    parse_date,
    valid_id_number,
    valid_uscc,
)
from ._model import Finding

# Maximal ASCII letter/digit words that contain a digit.  Pure-letter words can never be
# identifiers, and skipping them in ``re`` saves a Python iteration each.  The pattern
# starts with a plain character class so that ``re`` skips other text in a fast C loop;
# the look-behind then pins the match to the start of a word (so a long letter run is
# scanned only once), and the first character is either a digit or a letter followed by
# more letters and a digit.  Possessive repeats never backtrack.
_WORD = re.compile(r"[0-9A-Za-z](?<![0-9A-Za-z].)(?:(?<=[0-9])|[A-Za-z]*+[0-9])[0-9A-Za-z]*+")

# Context cue words by meaning.  ``neg`` marks numbers that are not personal (order,
# waybill, serial numbers): when it is the nearest cue before a number, we drop it.
_CUE_WORDS = {
    "neg": "订单 单号 运单 快递 物流 流水 交易号 编号 工单 发票 批次 序列号 序号 条码 券码 "
    "order tracking serial invoice",
    "id_card": "身份证 证件 公民身份 身份号",
    "phone": "电话 手机 联系方式 联系 致电 来电 拨打 号码 热线 tel phone mobile call ☎ 📞",
    "bank_card": "银行 卡号 账号 帐号 账户 帐户 开户 储蓄卡 借记卡 信用卡 收款 转账 打款 汇款 "
    "bank card account",
    "uscc": "信用代码 社会信用 营业执照 税号 纳税人识别号",
    "passport": "护照 passport",
    "permit": "通行证 回乡证 台胞证 港澳证 签注 permit",
}
_CUE_KIND = {w: kind for kind, words in _CUE_WORDS.items() for w in words.split()}
# A plain alternation of literals (no groups, no look-arounds, no IGNORECASE: the window
# is lower-cased instead) is several times faster in ``re`` than the decorated form.
_CUE = re.compile("|".join(sorted(_CUE_KIND, key=len, reverse=True)))
_BEFORE = 12
_AFTER = 6

_TRAVEL_CUE = re.compile(
    "高铁|动车|火车|列车|车次|乘坐|搭乘|坐|车票|检票|航班|飞机|起飞|落地|降落|登机|机票|机场"
    "|flight|Flight|FLIGHT|train|Train|次"
)
_PERSON = re.compile(r"他|她|此人|这人|本人|其")

_DOC = re.compile(
    r"(?P<passport>E[0-9]{8}|E[A-HJ-NP-Z][0-9]{7}|G[0-9]{8})"
    r"|(?P<permit>[CWL][0-9]{8}|C[A-HJ-NP-Z][0-9]{7}|[HM][0-9]{8}(?:[0-9]{2})?)"
    r"|(?P<official>[DSP][0-9]{7,8})"
)
_TRAIN = re.compile(r"[GDCZTKYL][0-9]{1,4}")
_FLIGHT = re.compile(r"(?:[A-Z]{2}|[A-Z][0-9]|[0-9][A-Z])[0-9]{3,4}")
_PREFIXED = re.compile(r"([A-Za-z]{1,8})([0-9]{5,19})")

# Above this many separator groups a run is treated as a list of separate numbers.
_MAX_GROUPS = 8


def cues(s: str, start: int, end: int) -> tuple[set[str], bool]:
    """Return the cue kinds around ``s[start:end]`` and whether the nearest cue before
    it says "not personal" (an order or serial number)."""
    # Lower-casing the small window is cheaper than an IGNORECASE pattern.
    found: set[str] = set()
    last = None
    for word in _CUE.findall(s[max(0, start - _BEFORE) : start].lower()):
        last = _CUE_KIND[word]
        found.add(last)
    for word in _CUE.findall(s[end : end + _AFTER].lower()):
        found.add(_CUE_KIND[word])
    found.discard("neg")
    return found, last == "neg"


def scan_numbers(s: str, today: date | None, out: list[Finding]) -> None:
    """Append the number-shaped findings of normalised text ``s`` to ``out``."""
    groups: list[tuple[int, int]] = []
    for m in _WORD.finditer(s):
        a, b = m.span()
        word = m.group()
        if _digitish(word):
            if groups and _joins(s, groups, a):
                groups.append((a, b))
                continue
            if groups:
                _digit_run(s, groups, today, out)
            groups = [(a, b)]
            continue
        if groups:
            _digit_run(s, groups, today, out)
            groups = []
        _word(s, a, b, word, today, out)
    if groups:
        _digit_run(s, groups, today, out)


def _digitish(word: str) -> bool:
    # A trailing X is the check character of an ID number.
    return word.isdigit() or (len(word) > 1 and word[-1] in "Xx" and word[:-1].isdigit())


def _joins(s: str, groups: list[tuple[int, int]], a: int) -> bool:
    """Whether the digit word starting at ``a`` continues the current run."""
    prev_a, prev_b = groups[-1]
    if s[prev_b - 1] in "Xx":
        return False
    gap = s[prev_b:a]
    if gap in (" ", "-"):
        return True
    # "(010)12345678": an area code in brackets followed by the local number.
    return len(groups) == 1 and gap in (")", ") ", ")-") and s[prev_a - 1 : prev_a] == "("


def _digit_run(
    s: str, groups: list[tuple[int, int]], today: date | None, out: list[Finding]
) -> None:
    a, b = groups[0][0], groups[-1][1]
    if b - a < 10 or _in_decimal(s, a, b):
        # Nothing we report is shorter than ten digits (QQ numbers come from their cue).
        return
    parts = [s[x:y] for x, y in groups]
    if _classify(s, a, b, "".join(parts), [len(p) for p in parts], today, out):
        return
    if len(groups) == 1:
        return
    if len(groups) > _MAX_GROUPS:
        for x, y in groups:
            _classify(s, x, y, s[x:y], [y - x], today, out)
        return
    _split_run(s, groups, today, out)


def _split_run(
    s: str, groups: list[tuple[int, int]], today: date | None, out: list[Finding]
) -> None:
    """Try the separator-aligned sub-runs, longest first from each starting group."""
    i = 0
    while i < len(groups):
        ends = []
        total = 0
        for j in range(i, len(groups)):
            total += groups[j][1] - groups[j][0]
            if total > 19:
                break
            if not (i == 0 and j == len(groups) - 1):
                ends.append(j)
        for j in reversed(ends):
            sub = groups[i : j + 1]
            digits = "".join(s[x:y] for x, y in sub)
            lens = [y - x for x, y in sub]
            if _classify(s, sub[0][0], sub[-1][1], digits, lens, today, out):
                i = j + 1
                break
        else:
            i += 1


def _in_decimal(s: str, a: int, b: int) -> bool:
    """Digits that are part of a decimal number or a dotted sequence (1.2.3) are not ids."""
    before = a >= 2 and s[a - 1] == "." and s[a - 2].isdigit()
    after = s[b : b + 1] == "." and s[b + 1 : b + 2].isdigit()
    return before or after


def _classify(
    s: str, a: int, b: int, d: str, lens: list[int], today: date | None, out: list[Finding]
) -> bool:
    """Judge one candidate run; return True when it has been claimed by some kind."""
    n = len(d)
    if n < 10:
        return False
    if d[-1] in "Xx":
        return n == 18 and _id_card(s, a, b, d.upper(), today, out)
    if n == 18 and (_id_card(s, a, b, d, today, out) or _id_shaped(s, a, b, d, today)):
        return True
    if n == 15 and _old_id_card(s, a, b, d, today, out):
        return True
    if _phone(s, a, b, d, lens, out):
        return True
    if n == 18 and valid_uscc(d):
        return _uscc(s, a, b, d, out)
    if 16 <= n <= 19 and luhn_ok(d):
        return _bank_card(s, a, b, d, out)
    return False


def _id_card(s: str, a: int, b: int, d: str, today: date | None, out: list[Finding]) -> bool:
    # Resolved here, not per scan: date.today() costs more than scanning a short text.
    today = today or date.today()
    born = valid_id_number(d, today)
    if born is None:
        return False
    found, neg = cues(s, a, b)
    if neg:
        return True
    # The region code is only a soft signal: new codes appear and old ones stay valid.
    conf = 0.95 if int(d[:2]) in PROVINCE_CODES else 0.8
    if "id_card" in found:
        conf += 0.04
    age = age_on(born, today)
    out.append(Finding(a, b, "id_card", conf, d, "resident", born, age, age < 18))
    return True


def _id_shaped(s: str, a: int, b: int, d: str, today: date | None) -> bool:
    """An ID number with a wrong check digit (a typo or a fake): claim it so that it is not
    reported as a bank card, unless a bank cue says otherwise."""
    if int(d[:2]) not in PROVINCE_CODES or id_birth_date(d, today or date.today()) is None:
        return False
    return "bank_card" not in cues(s, a, b)[0]


def _old_id_card(s: str, a: int, b: int, d: str, today: date | None, out: list[Finding]) -> bool:
    """15-digit first-generation ID (no check digit): only with an explicit ID cue."""
    found, neg = cues(s, a, b)
    if neg or "id_card" not in found or int(d[:2]) not in PROVINCE_CODES:
        return False
    today = today or date.today()
    born = parse_date("19" + d[6:12])
    if born is None or born > today:
        return False
    age = age_on(born, today)
    out.append(Finding(a, b, "id_card", 0.6, d, "first_generation", born, age, age < 18))
    return True


def _phone(s: str, a: int, b: int, d: str, lens: list[int], out: list[Finding]) -> bool:
    n = len(d)
    start = a
    if n == 11 and d[0] == "1":
        if not is_mobile(d):
            return False
        number, subtype, base = d, "mobile", 0.9
    elif (n == 13 and d[:2] == "86" and is_mobile(d[2:])) or (
        n == 15 and d[:4] == "0086" and is_mobile(d[4:])
    ):
        number, subtype, base = d[-11:], "mobile", 0.92
        if s[a - 1 : a] == "+":
            start = a - 1
    elif d[0] == "0" and 10 <= n <= 12 and _landline(d, lens):
        number, subtype = d, "landline"
        # A bare 0-prefixed run is weaker evidence than a formatted "010-12345678".
        base = 0.85 if len(lens) > 1 else 0.55
        if s[a - 1 : a] == "(":
            start = a - 1
    else:
        return False
    found, neg = cues(s, start, b)
    if neg:
        return True
    conf = max(base, 0.85) + 0.1 if "phone" in found else base
    out.append(Finding(start, b, "phone", min(conf, 0.99), number, subtype))
    return True


def _landline(d: str, lens: list[int]) -> bool:
    if len(lens) > 1:
        return area_code_ok(d[: lens[0]]) and local_number_ok(d[lens[0] :])
    return any(area_code_ok(d[:k]) and local_number_ok(d[k:]) for k in (3, 4))


def _uscc(s: str, a: int, b: int, code: str, out: list[Finding]) -> bool:
    found, neg = cues(s, a, b)
    if neg:
        return True
    # An all-digit code is also an ordinary long number, so it starts lower.
    conf = 0.45 if code.isdigit() else 0.7
    if org_code_ok(code[8:17]):
        conf += 0.25
    if "uscc" in found:
        conf += 0.15
    out.append(Finding(a, b, "uscc", min(conf, 0.99), code))
    return True


def _bank_card(s: str, a: int, b: int, d: str, out: list[Finding]) -> bool:
    found, neg = cues(s, a, b)
    if neg:
        return True
    has_cue = "bank_card" in found
    if not has_cue and looks_like_datetime(d):
        return True
    subtype = _card_network(d)
    # Without a cue only a known card network lifts a Luhn-valid run above 0.5.
    conf = 0.92 if has_cue else 0.6 if subtype else 0.4
    out.append(Finding(a, b, "bank_card", conf, d, subtype))
    return True


def _card_network(d: str) -> str:
    if d[:2] == "62":
        return "unionpay"
    if d[0] == "4":
        return "visa"
    if "51" <= d[:2] <= "55" or "2221" <= d[:4] <= "2720":
        return "mastercard"
    if d[:2] in ("34", "37", "35"):
        return "amex" if d[1] != "5" else "jcb"
    return ""


def _word(s: str, a: int, b: int, w: str, today: date | None, out: list[Finding]) -> None:
    """A word with letters: USCC, passport, permit, train/flight, or letters + a number."""
    n = len(w)
    if n < 2:
        return
    if n == 18:
        code = w.upper()
        if valid_uscc(code):
            _uscc(s, a, b, code, out)
            return
    if 8 <= n <= 11 and _document(s, a, b, w, out):
        return
    if 2 <= n <= 6 and _travel(s, a, b, w, out):
        return
    m = _PREFIXED.fullmatch(w)
    if m:
        # "tel13812345678", "ID110101...": the letters are a label, judge the number.
        x = a + len(m.group(1))
        _digit_run(s, [(x, b)], today, out)


def _document(s: str, a: int, b: int, w: str, out: list[Finding]) -> bool:
    m = _DOC.fullmatch(w)
    if m is None:
        return False
    found, neg = cues(s, a, b)
    if neg:
        return True
    kind = m.lastgroup or ""
    if kind == "official":
        if "passport" not in found:
            return False
        out.append(Finding(a, b, "passport", 0.8, w, "official"))
    elif kind == "passport":
        out.append(Finding(a, b, "passport", 0.92 if "passport" in found else 0.6, w))
    else:
        out.append(Finding(a, b, "permit", 0.92 if "permit" in found else 0.55, w))
    return True


def _travel(s: str, a: int, b: int, w: str, out: list[Finding]) -> bool:
    """Train or flight numbers count as whereabouts only next to a travel cue."""
    if _TRAIN.fullmatch(w):
        subtype = "train"
    elif _FLIGHT.fullmatch(w):
        subtype = "flight"
    else:
        return False
    lo, hi = max(0, a - _BEFORE), b + 3
    if _TRAVEL_CUE.search(s, lo, hi) is None:
        return False
    conf = 0.85 if _PERSON.search(s, lo, a) else 0.65
    out.append(Finding(a, b, "whereabouts", conf, w, subtype))
    return True
