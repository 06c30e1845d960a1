"""Personal-information detector for Chinese (and mixed-script) text.

``scan`` finds identity card numbers, phone numbers, bank cards, unified social credit
codes, e-mail addresses, passports, travel permits, vehicle plates, QQ and WeChat ids,
postal addresses, health conditions and whereabouts.  ``redact`` masks them.  The package
is pure Python and imports nothing from Django.  See ``docs/analysis-pii.md``.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from datetime import date
from operator import attrgetter

from ._checks import valid_id_number, valid_uscc
from ._gate import families, families_many
from ._model import KINDS, NUMBER, PRIORITY, SPECIAL, Finding, moved
from ._normalise import normalise
from ._numbers import scan_numbers
from ._phrases import scan_phrases

__all__ = [
    "KINDS",
    "LABELS",
    "REDACT_THRESHOLD",
    "Finding",
    "has_minor",
    "redact",
    "scan",
    "scan_many",
    "valid_id_number",
    "valid_uscc",
]

# Mask text per kind: a bracketed Chinese label, so staff can still see what was removed.
LABELS: dict[str, str] = {
    "id_card": "[身份证号]",
    "phone": "[电话号码]",
    "bank_card": "[银行卡号]",
    "uscc": "[信用代码]",
    "email": "[邮箱]",
    "passport": "[护照号]",
    "permit": "[通行证号]",
    "plate": "[车牌号]",
    "qq": "[QQ号]",
    "wechat": "[微信号]",
    "address": "[地址]",
    "medical": "[健康信息]",
    "whereabouts": "[行踪]",
}

# ``redact(text)`` without explicit findings masks everything at or above this confidence.
REDACT_THRESHOLD = 0.5

# The families that ``scan_phrases`` handles (all but numbers and normalisation).
_PHRASES = ~(NUMBER | SPECIAL)


def scan(text: str, *, today: date | None = None) -> list[Finding]:
    """Find personal information in ``text``.

    Returns non-overlapping findings sorted by start offset; offsets index the original
    ``text``.  ``today`` fixes the date used to compute ages (default: the current date).
    Low-confidence findings (below 0.5) are included; filter on ``confidence`` as needed.
    """
    if not text:
        return []
    return _scan(text, families(text), today)


def scan_many(texts: Iterable[str], *, today: date | None = None) -> list[list[Finding]]:
    """``[scan(t, today=today) for t in texts]``, faster for many short texts.

    The cheap trigger pass (see ``_gate``) runs once over all texts joined together, and
    texts without any trigger (most ordinary texts) cost nothing more.
    """
    texts = list(texts)
    if today is None and texts:
        # Resolved once for the batch; ``scan`` resolves it only when an ID card is found.
        today = date.today()
    return [
        _scan(t, bits, today) if bits else []
        for t, bits in zip(texts, families_many(texts), strict=True)
    ]


def _scan(text: str, bits: int, today: date | None) -> list[Finding]:
    """Run the detector families in ``bits`` over ``text``."""
    if not bits:
        return []
    norm = None
    if bits & SPECIAL:
        norm = normalise(text)
        text = norm.text
        # Normalised text can still contain a special character (an expansion of an
        # expansion); it needs no second normalisation, only the families.
        bits = families(text) & ~SPECIAL
    found: list[Finding] = []
    if bits & NUMBER:
        scan_numbers(text, today, found)
    if bits & _PHRASES:
        scan_phrases(text, bits, found)
    chosen = _resolve(found) if len(found) > 1 else found
    if norm is None or not norm.breaks:
        return chosen
    return [moved(f, *norm.span(f.start, f.end)) for f in chosen]


_START = attrgetter("start")


def _resolve(found: list[Finding]) -> list[Finding]:
    """Keep the best finding where several overlap: confidence, then length, then kind."""
    # Usually nothing overlaps, and then every finding is kept: one sort by start suffices.
    found.sort(key=_START)
    end = 0
    for f in found:
        if f.start < end:
            break
        end = f.end
    else:
        return found
    found.sort(key=lambda f: (-f.confidence, f.start - f.end, PRIORITY[f.kind], f.start))
    starts: list[int] = []
    ends: list[int] = []
    chosen: list[Finding] = []
    for f in found:
        i = bisect_left(starts, f.start)
        if (i > 0 and ends[i - 1] > f.start) or (i < len(starts) and starts[i] < f.end):
            continue
        starts.insert(i, f.start)
        ends.insert(i, f.end)
        chosen.insert(i, f)
    return chosen


def redact(text: str, findings: list[Finding] | None = None) -> str:
    """Replace each finding in ``text`` with its bracketed label (see ``LABELS``).

    With ``findings`` None the text is scanned first and findings below
    ``REDACT_THRESHOLD`` are left alone.  Given findings are all masked; overlapping ones
    are merged into the first.
    """
    if findings is None:
        findings = [f for f in scan(text) if f.confidence >= REDACT_THRESHOLD]
    pieces: list[str] = []
    pos = 0
    for f in sorted(findings, key=lambda f: (f.start, -f.end)):
        if f.start < pos:
            continue
        pieces.append(text[pos : f.start])
        pieces.append(LABELS.get(f.kind, "[个人信息]"))
        pos = f.end
    pieces.append(text[pos:])
    return "".join(pieces)


def has_minor(findings: Iterable[Finding]) -> bool:
    """True when any finding is the ID card number of someone under 18."""
    return any(f.kind == "id_card" and f.minor for f in findings)
