"""The finding type and the list of kinds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

KINDS: tuple[str, ...] = (
    "id_card",
    "phone",
    "bank_card",
    "uscc",
    "email",
    "passport",
    "permit",
    "plate",
    "qq",
    "wechat",
    "address",
    "medical",
    "whereabouts",
)

# When two findings overlap with equal confidence and length, the earlier kind wins:
# kinds found through an explicit cue (qq, wechat) beat the generic number shapes.
PRIORITY = {
    kind: i
    for i, kind in enumerate(
        [
            *("qq", "wechat", "id_card", "uscc", "bank_card", "phone", "email", "passport"),
            *("permit", "plate", "address", "whereabouts", "medical"),
        ]
    )
}

# Detector families, as bits of the set that ``_gate.families`` returns for a text.
NUMBER = 1  # any ASCII digit: ID, phone, bank, USCC, passport, permit, train/flight
ADDRESS = 2  # a numbered address part such as 100号 or 三楼
EMAIL = 4
QQ = 8
WECHAT = 16
PLATE = 32
MEDICAL = 64
HOTEL = 128
NOW_AT = 256
SPECIAL = 512  # a character that normalisation changes (full-width, traditional ...)


@dataclass(frozen=True)
class Finding:
    """One piece of personal information found in a text.

    ``start`` and ``end`` are offsets into the original text (half-open).  ``value`` is the
    normalised form (ASCII digits, upper-case letters, separators removed) for number-like
    kinds and the normalised phrase otherwise.  ``subtype`` refines the kind (``mobile`` or
    ``landline``, ``unionpay``, ``train`` ...).  ID cards carry the birth date, the age on
    the day of the scan, and ``minor`` (under 18).
    """

    start: int
    end: int
    kind: str
    confidence: float
    value: str = ""
    subtype: str = ""
    birth_date: date | None = None
    age: int | None = None
    minor: bool = False


_new = object.__new__
_set = object.__setattr__


def finding(
    start: int,
    end: int,
    kind: str,
    confidence: float,
    value: str = "",
    subtype: str = "",
    birth_date: date | None = None,
    age: int | None = None,
    minor: bool = False,
) -> Finding:
    """``Finding(...)`` without the generated ``__init__``.

    A frozen dataclass sets each of its nine fields through ``object.__setattr__``, which
    made construction the largest single cost per finding.  Setting the instance dict in
    one step gives an equal object (same fields, same equality, still frozen) at a third of
    the cost.  That is also why ``Finding`` has no ``__slots__``.
    """
    f = _new(Finding)
    _set(
        f,
        "__dict__",
        {
            "start": start,
            "end": end,
            "kind": kind,
            "confidence": confidence,
            "value": value,
            "subtype": subtype,
            "birth_date": birth_date,
            "age": age,
            "minor": minor,
        },
    )
    return f


def moved(f: Finding, start: int, end: int) -> Finding:
    """``dataclasses.replace(f, start=start, end=end)``, without the generated ``__init__``."""
    g = _new(Finding)
    state = f.__dict__.copy()
    state["start"] = start
    state["end"] = end
    _set(g, "__dict__", state)
    return g
