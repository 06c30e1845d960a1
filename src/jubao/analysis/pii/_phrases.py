"""Cue-driven kinds: QQ, WeChat, e-mail, vehicle plates, addresses, health conditions
and whereabouts.

Every pattern here has bounded repetition and no nested quantifiers over overlapping
classes, so matching stays linear in the length of the text.
"""

from __future__ import annotations

import re

from ._model import ADDRESS, EMAIL, HOTEL, MEDICAL, NOW_AT, PLATE, QQ, WECHAT, Finding, finding

_QQ = re.compile(
    r"(?:qq|扣扣|企鹅|(?<![a-z])q(?=号))(?:号码|号|账号|帐号)?([^0-9a-z\n群]{0,4}?)"
    r"([1-9][0-9]{4,10})(?![0-9a-z])(?!\.[0-9])",
    re.IGNORECASE,
)
_WECHAT = re.compile(
    r"(?:微信|威信|薇信|徽信|v信|加v|\+v|(?<![a-z])(?:vx|wx|wechat|weixin)(?![a-z]))"
    r"(?:号|账号|帐号|id)?[^0-9a-z\n]{0,4}?"
    r"([a-z][-_a-z0-9]{5,19}|1[3-9][0-9]{9})(?![-_a-z0-9])(?!\.[0-9])",
    re.IGNORECASE,
)
_EMAIL = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.){1,8}"
    r"[A-Za-z]{2,24}(?![A-Za-z0-9-])"
)
_PLATE = re.compile(
    r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][ ·・.\-]?"
    r"([A-HJ-NP-Z])[ ·・.\-]?([A-HJ-NP-Z0-9]{5,6})(?![0-9A-Za-z])[挂学警港澳领]?"
)
_PLATE_CUE = re.compile(r"车牌|牌照|车号|开车|驾驶|车主|的车|轿车|汽车|车辆|肇事")
_NEW_ENERGY = re.compile(r"[DF][A-HJ-NP-Z0-9][0-9]{4}|[0-9]{5}[DF]")

MEDICAL_TERMS = re.compile(
    r"艾滋病|艾滋|HIV阳性|HIV|乙型肝炎|乙肝|丙肝|梅毒|淋病|尖锐湿疣|性病|抑郁症|重度抑郁"
    r"|双相情感障碍|双相|躁郁症|精神分裂症|精神分裂|精神病|精神疾病|焦虑症|自闭症|癫痫"
    r"|癌症|肺癌|肝癌|胃癌|乳腺癌|宫颈癌|白血病|淋巴瘤|恶性肿瘤|肿瘤|尿毒症|肺结核|结核病"
    r"|糖尿病|HPV|hpv|Hiv|hiv|不孕不育|不孕症|阳痿|截瘫|渐冻症|阿尔茨海默|老年痴呆|神经病"
)
# Terms that are mostly thrown as insults; without a diagnosis verb they stay below 0.5.
_INSULT_PRONE = frozenset({"精神病", "神经病", "精神分裂", "自闭症"})
_DIAGNOSIS = re.compile(
    r"患有|患了|患上|确诊|得了|查出|诊断|携带者|感染者|感染了|患者|病人|病史|住院|治疗"
)
_PRONOUN = re.compile(r"他|她|此人|这人|该男|该女|某某|本人|其")

_HOTEL = re.compile(
    r"(?:入住|住进|住在|开房|开了房|下榻|check[ -]?in)[^。！？!?\n]{0,16}?"
    r"(酒店|宾馆|旅馆|饭店|客栈|民宿|招待所|旅店|hotel)"
    r"(?:[^。！？!?\n，,]{0,6}?[0-9]{3,5}号?(?:房间|房|室))?",
    re.IGNORECASE,
)
_NOW_AT = re.compile(
    r"(?:他|她|此人|这人|这个人|该男子|该女子|本人)(?:们)?"
    r"(?:现在|此刻|目前|今晚|今天|刚刚|此时|正|就)(?:正|就|人)?(?:在|住在|躲在|待在|位于|到了)"
    r"([^\s，。！？,.!?、；;：:]{1,14}"
    r"(?:酒店|宾馆|医院|小区|学校|大学|公司|网吧|商场|广场|机场|车站|站|路|街|号|楼|村|镇|县"
    r"|市|区|家|门口|附近|公园))"
)

# Address components.  ``num`` is a numbered part (100号, 3幢, 2单元, 501室), ``bare`` a
# bare room number, ``name`` a named part ending in an administrative or street suffix.
# (``_gate`` only lets texts through that contain a digit or numeral followed by 号, 栋,
# 幢, 座, 单元, 楼, 层 or 室.)
_ADDR_PART = re.compile(
    r"(?P<num>(?<![0-9])[0-9一二三四五六七八九十百零〇]{1,5}"
    r"(?:号楼|号院|号(?![线码称文机人])|栋|幢|座|单元|楼|层|室|户))"
    r"|(?P<bare>(?<![0-9])[0-9]{2,5}(?![0-9]))"
    r"|(?P<name>[\u4e00-\u9fff]{1,10}?"
    # The look-ahead (first characters of the suffixes) spares trying every suffix at
    # every length; it does not change what matches.
    r"(?=[自特省市区县旗盟街镇乡村大路巷弄胡小花公家新苑社宿广])"
    r"(?P<suffix>自治区|特别行政区|自治州|省|市|区|县|旗|盟|街道|镇|乡|村|大道|路|街|巷|弄"
    r"|胡同|小区|花园|公寓|大厦|家园|新村|苑|社区|宿舍|广场))"
)
# A stretch of characters that address parts consist of (CJK, digits, 〇) or that may join
# two parts (a space), containing a numbered part.  Any other character ends every part
# and every chain, so such stretches can be scanned on their own, and only those with a
# numbered part can yield an address.  The pattern starts with a character class so
# ``re`` skips other text in C, and the look-behind pins it to the start of a stretch,
# which keeps the lazy search linear.
_STRETCH = "\u4e00-\u9fff0-9〇 "
_NUMBERED = "[0-9一二三四五六七八九十百零〇](?:号|栋|幢|座|单元|楼|层|室|户)"
_ADDR_STRETCH = re.compile(
    rf"[{_STRETCH}](?<![{_STRETCH}].)"
    rf"(?:(?<=[0-9一二三四五六七八九十百零〇])(?=号|栋|幢|座|单元|楼|层|室|户)"
    rf"|[{_STRETCH}]*?{_NUMBERED})[{_STRETCH}]*+"
)
_ADMIN = frozenset(
    ["自治区", "特别行政区", "自治州", "省", "市", "区", "县", "旗", "盟", "街道", "镇", "乡"]
)
_ADDR_STOP = re.compile(r"住址|地址|位于|在|住|是|于|到|去|来|从|的|了|我|你|他|她|们|和|与")
_ADDR_CUE = re.compile(r"地址|住址|家住|住在|收货|寄到|送到")


# First characters of the QQ and WeChat patterns.  Their cue alternations carry
# look-arounds and IGNORECASE, which make ``re`` try every branch at every position; a
# character-class scan followed by an anchored match at the few hits is much faster.
# (Plain literal alternations such as MEDICAL_TERMS are fast enough on their own.)
_QQ_FIRST = re.compile(r"[qQ扣企]")
_WECHAT_FIRST = re.compile(r"[微威薇徽vV加+wW]")


def _anchored(first: re.Pattern[str], full: re.Pattern[str], s: str) -> list[re.Match[str]]:
    """Non-overlapping matches of ``full`` that start where ``first`` matches."""
    found: list[re.Match[str]] = []
    pos = 0
    for hit in first.finditer(s):
        if hit.start() < pos:
            continue
        m = full.match(s, hit.start())
        if m is not None:
            found.append(m)
            pos = m.end()
    return found


def scan_phrases(s: str, bits: int, out: list[Finding]) -> None:
    """Append the cue-driven findings of normalised text ``s`` to ``out``.

    ``bits`` (see ``_gate``) says which detectors have a trigger in ``s``; the others
    cannot match and are skipped.
    """
    if bits & QQ:
        _qq(s, out)
    if bits & WECHAT:
        _wechat(s, out)
    if bits & MEDICAL:
        _medical(s, out)
    if bits & EMAIL:
        for m in _EMAIL.finditer(s):
            out.append(finding(m.start(), m.end(), "email", 0.95, m.group().lower()))
    if bits & PLATE:
        _plates(s, out)
    if bits & ADDRESS:
        _addresses(s, out)
    if bits & HOTEL:
        _hotels(s, out)
    if bits & NOW_AT:
        _now_at(s, out)


def _qq(s: str, out: list[Finding]) -> None:
    for m in _anchored(_QQ_FIRST, _QQ, s):
        out.append(finding(m.start(2), m.end(2), "qq", 0.9, m.group(2)))


def _wechat(s: str, out: list[Finding]) -> None:
    for m in _anchored(_WECHAT_FIRST, _WECHAT, s):
        ident = m.group(1)
        # Pure-letter handles are often ordinary words; digits or "_" make an id likely.
        # (0.9 ties with a bare mobile number, and the explicit cue wins the tie.)
        conf = 0.9 if any(c.isdigit() or c in "_-" for c in ident) else 0.6
        out.append(finding(m.start(1), m.end(1), "wechat", conf, ident))


def _plates(s: str, out: list[Finding]) -> None:
    for m in _PLATE.finditer(s):
        serial = m.group(2)
        if len(serial) == 5:
            ok = sum(c.isdigit() for c in serial) >= 3
            subtype = "regular"
        else:
            ok = _NEW_ENERGY.fullmatch(serial) is not None
            subtype = "new_energy"
        if not ok:
            continue
        a = m.start()
        conf = 0.95 if _PLATE_CUE.search(s, max(0, a - 10), m.end() + 4) else 0.8
        value = s[a] + m.group(1) + serial
        out.append(finding(a, m.end(), "plate", conf, value, subtype))


_SENTENCE_BREAKS = "。！？!?；;\n"


def _within_sentence(s: str, a: int, b: int, before: int, after: int) -> tuple[int, int]:
    """The window `before` characters left of `a` and `after` right of `b`, cut at sentence
    breaks: a cue in the previous or next sentence is about someone or something else."""
    lo, hi = max(0, a - before), min(len(s), b + after)
    for mark in _SENTENCE_BREAKS:
        left = s.rfind(mark, lo, a)
        if left >= 0:
            lo = left + 1
        right = s.find(mark, b, hi)
        if right >= 0:
            hi = right
    return lo, hi


def _medical(s: str, out: list[Finding]) -> None:
    for m in MEDICAL_TERMS.finditer(s):
        a, b = m.span()
        lo, hi = _within_sentence(s, a, b, 12, 6)
        diagnosed = _DIAGNOSIS.search(s, lo, hi) is not None
        person = _PRONOUN.search(s, lo, hi) is not None
        if diagnosed and person:
            conf = 0.85
        elif diagnosed:
            conf = 0.7
        elif person:
            conf = 0.45 if m.group() in _INSULT_PRONE else 0.6
        else:
            continue
        out.append(finding(a, b, "medical", conf, m.group().upper()))


def _hotels(s: str, out: list[Finding]) -> None:
    for m in _HOTEL.finditer(s):
        # The span starts at the place, after the check-in verb, so redaction keeps the verb.
        a = _place_start(s, m.start(), m.start(1))
        room = m.end() > m.end(1)
        conf = 0.85 if room else 0.65
        out.append(finding(a, m.end(), "whereabouts", conf, s[a : m.end()], "hotel"))


def _now_at(s: str, out: list[Finding]) -> None:
    for m in _NOW_AT.finditer(s):
        out.append(finding(m.start(1), m.end(1), "whereabouts", 0.7, m.group(1), "location"))


def _place_start(s: str, cue_start: int, suffix_start: int) -> int:
    """First character of the hotel name: right after the verb and any filler like 了."""
    verb = re.match(r"入住|住进|住在|开了房|开房|下榻|check[ -]?in", s[cue_start:], re.IGNORECASE)
    a = cue_start + (verb.end() if verb else 0)
    while a < suffix_start and s[a] in "了过到在进 ，,:：":
        a += 1
    return a


def _addresses(s: str, out: list[Finding]) -> None:
    # Scanning only the stretches that contain a numbered part gives the same parts and
    # chains as scanning the whole text (see ``_ADDR_STRETCH``) at a fraction of the cost.
    for stretch in _ADDR_STRETCH.finditer(s):
        chain: list[tuple[int, int, str]] = []
        for m in _ADDR_PART.finditer(s, stretch.start(), stretch.end()):
            a, b = m.span()
            kind = m.lastgroup or ""
            if kind == "name":
                kind = "admin" if m.group("suffix") in _ADMIN else "place"
                trimmed = _trim_name(s, a, m.start("suffix"))
                if trimmed != a:
                    _emit_address(s, chain, out)
                    chain = []
                    a = trimmed
            linked = bool(chain) and (s[chain[-1][1] : a] in ("", " "))
            if kind == "bare" and not (linked and chain[-1][2] == "num"):
                _emit_address(s, chain, out)
                chain = []
                continue
            if not linked:
                _emit_address(s, chain, out)
                chain = []
            chain.append((a, b, kind))
        _emit_address(s, chain, out)


def _trim_name(s: str, a: int, suffix_start: int) -> int:
    """Cut leading words such as 我住在 off a named component."""
    cut = a
    for m in _ADDR_STOP.finditer(s, a, suffix_start):
        cut = m.end()
    # Keep at least one character before the suffix so the name is not empty.
    return cut if cut < suffix_start else a


def _emit_address(s: str, chain: list[tuple[int, int, str]], out: list[Finding]) -> None:
    if len(chain) < 2:
        return
    kinds = [k for _, _, k in chain]
    nums = kinds.count("num") + kinds.count("bare")
    admin = "admin" in kinds
    place = "place" in kinds
    if nums == 0 or not (admin or place):
        return
    if admin and place:
        conf = 0.9
    elif place:
        conf = 0.85 if nums >= 2 else 0.7
    else:
        conf = 0.55
    a, b = chain[0][0], chain[-1][1]
    if _ADDR_CUE.search(s, max(0, a - 6), a):
        conf = min(conf + 0.05, 0.95)
    out.append(finding(a, b, "address", conf, s[a:b]))
