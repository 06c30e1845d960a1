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
from ._model import Finding, finding

# Maximal ASCII letter/digit words that contain a digit.  Pure-letter words can never be
# identifiers, and skipping them in ``re`` saves a Python iteration each.  The pattern
# starts with a plain character class so that ``re`` skips other text in a fast C loop;
# the look-behind then pins the match to the start of a word (so a long letter run is
# scanned only once), and the first character is either a digit or a letter followed by
# more letters and a digit.  Possessive repeats never backtrack.  The first branch takes
# the "digit words" (digits, possibly ending in the X of an ID number) and marks them with
# an empty group, so Python reads the word's shape off ``lastindex``; any other word is
# scanned again by the second branch, at most twice over in total.
_WORD = re.compile(
    r"[0-9A-Za-z](?<![0-9A-Za-z].)"
    r"(?:(?<=[0-9])[0-9]*+[Xx]?+(?![0-9A-Za-z])()"
    r"|(?:(?<=[0-9])|[A-Za-z]*+[0-9])[0-9A-Za-z]*+)"
)

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
# The words of each kind, to test a window's cue words with one C-level ``isdisjoint``.
_WORDS_OF = {kind: frozenset(words.split()) for kind, words in _CUE_WORDS.items()}
_NEG = _WORDS_OF["neg"]
# A plain alternation of literals (no groups, no look-arounds, no IGNORECASE: the window
# is lower-cased instead) is several times faster in ``re`` than the decorated form.
_CUE = re.compile("|".join(sorted(_CUE_KIND, key=len, reverse=True)))
_BEFORE = 12
_AFTER = 6

# Region codes as two-character strings: a set lookup without ``int()``.
_PROVINCES = frozenset(f"{code:02d}" for code in PROVINCE_CODES)

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
_TRAVEL = re.compile(
    r"(?P<train>[GDCZTKYL][0-9]{1,4})|(?P<flight>(?:[A-Z]{2}|[A-Z][0-9]|[0-9][A-Z])[0-9]{3,4})"
)
# Letters used as a label before a number ("tel13812345678", "ID110101..."); numbers
# shorter than ten digits are never reported, so they are not matched at all.
_PREFIXED = re.compile(r"[A-Za-z]{1,8}([0-9]{10,19})")

# Above this many separator groups a run is treated as a list of separate numbers.
_MAX_GROUPS = 8


def _context(s: str, start: int, end: int, kind: str) -> int:
    """Read the cue words around ``s[start:end]``: -1 when the nearest cue before it says
    "not personal" (an order or serial number), 1 when a cue of ``kind`` is near, else 0."""
    # Lower-casing the small window is cheaper than an IGNORECASE pattern.
    before = _CUE.findall(s[start - _BEFORE if start > _BEFORE else 0 : start].lower())
    if before and before[-1] in _NEG:
        return -1
    words = _WORDS_OF[kind]
    if words.isdisjoint(before) and words.isdisjoint(_CUE.findall(s[end : end + _AFTER].lower())):
        return 0
    return 1


def _has_cue(s: str, start: int, end: int, kind: str) -> bool:
    """Whether a cue of ``kind`` is near ``s[start:end]``, whatever the other cues say."""
    words = _WORDS_OF[kind]
    before = _CUE.findall(s[start - _BEFORE if start > _BEFORE else 0 : start].lower())
    return not (
        words.isdisjoint(before) and words.isdisjoint(_CUE.findall(s[end : end + _AFTER].lower()))
    )


def scan_numbers(s: str, today: date | None, out: list[Finding]) -> None:
    """Append the number-shaped findings of normalised text ``s`` to ``out``."""
    # The digit words of the current run, as (start, end); a run shorter than ten
    # characters (separators included) can never be reported and is dropped unexamined.
    run: list[tuple[int, int]] = []
    for m in _WORD.finditer(s):
        a, b = m.span()
        if m.lastindex:
            if run:
                if _joins(s, run, a):
                    run.append((a, b))
                    continue
                if run[-1][1] - run[0][0] >= 10:
                    _digit_run(s, run, today, out)
            run = [(a, b)]
            continue
        if run:
            if run[-1][1] - run[0][0] >= 10:
                _digit_run(s, run, today, out)
            run = []
        if b - a > 1:
            _word(s, a, b, m.group(), today, out)
    if run and run[-1][1] - run[0][0] >= 10:
        _digit_run(s, run, today, out)


def _joins(s: str, groups: list[tuple[int, int]], a: int) -> bool:
    """Whether the digit word starting at ``a`` continues the current run."""
    prev_a, prev_b = groups[-1]
    if s[prev_b - 1] in "Xx":
        return False
    gap = s[prev_b:a]
    if gap == " " or gap == "-":
        return True
    # "(010)12345678": an area code in brackets followed by the local number.
    return len(groups) == 1 and gap in (")", ") ", ")-") and s[prev_a - 1 : prev_a] == "("


def _digit_run(
    s: str, groups: list[tuple[int, int]], today: date | None, out: list[Finding]
) -> None:
    a, b = groups[0][0], groups[-1][1]
    if b - a < 10:
        # Nothing we report is shorter than ten digits (QQ numbers come from their cue).
        return
    # Digits that are part of a decimal number or a dotted sequence (1.2.3) are not ids.
    if (a >= 2 and s[a - 1] == "." and s[a - 2].isdigit()) or (
        s[b : b + 1] == "." and s[b + 1 : b + 2].isdigit()
    ):
        return
    if len(groups) == 1:
        _classify(s, a, b, s[a:b], 0, today, out)
        return
    digits = "".join([s[x:y] for x, y in groups])
    if _classify(s, a, b, digits, groups[0][1] - a, today, out):
        return
    if len(groups) > _MAX_GROUPS:
        for x, y in groups:
            _classify(s, x, y, s[x:y], 0, today, out)
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
            head = sub[0][1] - sub[0][0] if len(sub) > 1 else 0
            if _classify(s, sub[0][0], sub[-1][1], digits, head, today, out):
                i = j + 1
                break
        else:
            i += 1


def _classify(
    s: str, a: int, b: int, d: str, head: int, today: date | None, out: list[Finding]
) -> bool:
    """Judge one candidate run; return True when it has been claimed by some kind.

    ``head`` is the length of the run's first group when it has separators, else 0.
    """
    n = len(d)
    if n < 10:
        return False
    if d[-1] in "Xx":
        return n == 18 and _id_card(s, a, b, d.upper(), today, out)
    if n == 18:
        if _id_card(s, a, b, d, today, out) or _id_shaped(s, a, b, d, today):
            return True
        if valid_uscc(d):
            return _uscc(s, a, b, d, out)
    elif n <= 15:
        # Phones have 10 to 15 digits (with 86 or 0086 in front); first-generation IDs 15.
        if n == 15 and _old_id_card(s, a, b, d, today, out):
            return True
        return _phone(s, a, b, d, head, out)
    if 16 <= n <= 19 and luhn_ok(d):
        return _bank_card(s, a, b, d, out)
    return False


def _id_card(s: str, a: int, b: int, d: str, today: date | None, out: list[Finding]) -> bool:
    # Resolved here, not per scan: date.today() costs more than scanning a short text.
    today = today or date.today()
    born = valid_id_number(d, today)
    if born is None:
        return False
    cue = _context(s, a, b, "id_card")
    if cue < 0:
        return True
    # The region code is only a soft signal: new codes appear and old ones stay valid.
    conf = 0.95 if d[:2] in _PROVINCES else 0.8
    if cue:
        conf += 0.04
    age = age_on(born, today)
    out.append(finding(a, b, "id_card", conf, d, "resident", born, age, age < 18))
    return True


def _id_shaped(s: str, a: int, b: int, d: str, today: date | None) -> bool:
    """An ID number with a wrong check digit (a typo or a fake): claim it so that it is not
    reported as a bank card, unless a bank cue says otherwise."""
    if d[:2] not in _PROVINCES or id_birth_date(d, today or date.today()) is None:
        return False
    return not _has_cue(s, a, b, "bank_card")


def _old_id_card(s: str, a: int, b: int, d: str, today: date | None, out: list[Finding]) -> bool:
    """15-digit first-generation ID (no check digit): only with an explicit ID cue."""
    if _context(s, a, b, "id_card") <= 0 or d[:2] not in _PROVINCES:
        return False
    today = today or date.today()
    born = parse_date("19" + d[6:12])
    if born is None or born > today:
        return False
    age = age_on(born, today)
    out.append(finding(a, b, "id_card", 0.6, d, "first_generation", born, age, age < 18))
    return True


def _phone(s: str, a: int, b: int, d: str, head: int, out: list[Finding]) -> bool:
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
    elif d[0] == "0" and 10 <= n <= 12 and _landline(d, head):
        number, subtype = d, "landline"
        # A bare 0-prefixed run is weaker evidence than a formatted "010-12345678".
        base = 0.85 if head else 0.55
        if s[a - 1 : a] == "(":
            start = a - 1
    else:
        return False
    cue = _context(s, start, b, "phone")
    if cue < 0:
        return True
    conf = max(base, 0.85) + 0.1 if cue else base
    out.append(finding(start, b, "phone", min(conf, 0.99), number, subtype))
    return True


def _landline(d: str, head: int) -> bool:
    if head:
        return area_code_ok(d[:head]) and local_number_ok(d[head:])
    return any(area_code_ok(d[:k]) and local_number_ok(d[k:]) for k in (3, 4))


def _uscc(s: str, a: int, b: int, code: str, out: list[Finding]) -> bool:
    cue = _context(s, a, b, "uscc")
    if cue < 0:
        return True
    # An all-digit code is also an ordinary long number, so it starts lower.
    conf = 0.45 if code.isdigit() else 0.7
    if org_code_ok(code[8:17]):
        conf += 0.25
    if cue:
        conf += 0.15
    out.append(finding(a, b, "uscc", min(conf, 0.99), code, ""))
    return True


def _bank_card(s: str, a: int, b: int, d: str, out: list[Finding]) -> bool:
    cue = _context(s, a, b, "bank_card")
    if cue < 0:
        return True
    if not cue and looks_like_datetime(d):
        return True
    subtype = _card_network(d)
    # Without a cue only a known card network lifts a Luhn-valid run above 0.5.
    conf = 0.92 if cue else 0.6 if subtype else 0.4
    out.append(finding(a, b, "bank_card", conf, d, subtype))
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
    n = b - a
    if n <= 6:
        _travel(s, a, b, w, out)
        return
    if n == 18:
        code = w.upper()
        if valid_uscc(code):
            _uscc(s, a, b, code, out)
            return
    elif n <= 11 and _document(s, a, b, w, out):
        return
    if n >= 11:
        m = _PREFIXED.fullmatch(w)
        if m:
            # "tel13812345678", "ID110101...": the letters are a label, judge the number.
            _digit_run(s, [(a + m.start(1), b)], today, out)


def _document(s: str, a: int, b: int, w: str, out: list[Finding]) -> bool:
    m = _DOC.fullmatch(w)
    if m is None:
        return False
    kind = m.lastgroup
    if kind == "permit":
        cue = _context(s, a, b, "permit")
        if cue < 0:
            return True
        out.append(finding(a, b, "permit", 0.92 if cue else 0.55, w, ""))
        return True
    cue = _context(s, a, b, "passport")
    if cue < 0:
        return True
    if kind == "passport":
        out.append(finding(a, b, "passport", 0.92 if cue else 0.6, w, ""))
        return True
    if not cue:
        return False
    out.append(finding(a, b, "passport", 0.8, w, "official"))
    return True


def _travel(s: str, a: int, b: int, w: str, out: list[Finding]) -> bool:
    """Train or flight numbers count as whereabouts only next to a travel cue."""
    m = _TRAVEL.fullmatch(w)
    if m is None:
        return False
    lo, hi = max(0, a - _BEFORE), b + 3
    if _TRAVEL_CUE.search(s, lo, hi) is None:
        return False
    conf = 0.85 if _PERSON.search(s, lo, a) else 0.65
    out.append(finding(a, b, "whereabouts", conf, w, m.lastgroup or ""))
    return True
