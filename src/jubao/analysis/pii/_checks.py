"""Check-digit and structure validators for Chinese identifiers.

Everything here takes already-normalised ASCII strings and is pure arithmetic.
"""

from __future__ import annotations

from datetime import date
from operator import mul

# The interpreter this runs on executes bytecode slowly compared with C built-ins, so the
# arithmetic below is written as map/sum over C functions rather than Python loops, and
# characters become numbers through precomputed ``bytes.translate`` tables (one C call for
# a whole string) instead of ``int()`` per character.

# GB 11643-1999 (resident identity card).
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# ASCII digit -> its value; any other byte -> 255 (so a stray character is detectable).
_DIGIT_VALUE = bytes(b - 48 if 48 <= b <= 57 else 255 for b in range(256))

# First two digits of the administrative division code (GB/T 2260) of the provinces,
# plus 71/81/82/83 used for Taiwan, Hong Kong and Macao residents.
PROVINCE_CODES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46}
    | {50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}
)

# GB 32100-2015 (unified social credit code).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# Character -> value tables for ``bytes.translate``; 255 marks a character outside the set.
_USCC_BYTES = bytes(_USCC_VALUE.get(chr(b), 255) for b in range(256))
# Registration authority (first character) and organisation category (second character).
_USCC_AUTHORITY = frozenset("123456789ANY")
_USCC_CATEGORY = frozenset("123456789")

# GB 11714-1997 (organisation code), embedded as characters 9-17 of a USCC.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_VALUE = {c: int(c, 36) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
_ORG_BYTES = bytes(_ORG_VALUE.get(chr(b), 255) for b in range(256))

# Mainland mobile number blocks (first three digits) in use.
MOBILE_PREFIXES = frozenset(
    [f"13{d}" for d in "0123456789"]
    + ["145", "146", "147", "148", "149"]
    + [f"15{d}" for d in "012356789"]
    + ["162", "165", "166", "167"]
    + [f"17{d}" for d in "01235678"]
    + [f"18{d}" for d in "0123456789"]
    + [f"19{d}" for d in "0123456789"]
)


def id_check_char(body: str) -> str:
    """Return the GB 11643 check character for the first 17 digits of an ID number."""
    values = body.encode().translate(_DIGIT_VALUE) if body.isascii() else b"\xff"
    if 255 in values:
        # Not ASCII digits: the general (slower) form, which also accepts other digits.
        return _ID_CHECK[sum(map(mul, map(int, body), _ID_WEIGHTS)) % 11]
    return _ID_CHECK[sum(map(mul, values, _ID_WEIGHTS)) % 11]


def parse_date(yyyymmdd: str) -> date | None:
    """Parse ``YYYYMMDD`` into a date, or return None when it is not a real calendar day."""
    if len(yyyymmdd) != 8 or not yyyymmdd.isdigit():
        return None
    try:
        # One int() and two divmods are cheaper than three slices and three int() calls;
        # the range test spares building (and failing) most impossible dates.
        year, month_day = divmod(int(yyyymmdd), 10000)
        month, day = divmod(month_day, 100)
        if not (1 <= month <= 12 and 1 <= day <= _DAYS[month]):
            return None
        return date(year, month, day)
    except ValueError:  # 29 February of a common year, year 0, or a digit int() rejects
        return None


# Longest month lengths; ``date`` itself rejects 29 February of common years.
_DAYS = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def id_birth_date(number: str, today: date) -> date | None:
    """Return the birth date of an 18-character ID number if it is valid and plausible.

    Plausible means born in 1900 or later and not after ``today``.
    """
    born = parse_date(number[6:14])
    if born is None or born.year < 1900 or born > today:
        return None
    return born


def valid_id_number(number: str, today: date) -> date | None:
    """Validate an 18-character ID number; return its birth date, or None if invalid."""
    if len(number) != 18 or not number[:17].isdigit():
        return None
    if number.isascii():
        # The check character is cheaper than the date, and rejects most wrong numbers.
        if id_check_char(number[:17]) != number[17].upper():
            return None
        return id_birth_date(number, today)
    # Other digits (which ``int`` may reject): the date first, as it always was.
    born = id_birth_date(number, today)
    if born is None or id_check_char(number[:17]) != number[17].upper():
        return None
    return born


def age_on(born: date, today: date) -> int:
    """Whole years between ``born`` and ``today``."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


_LUHN_DOUBLE = {str(d): d * 2 - 9 if d > 4 else d * 2 for d in range(10)}
_LUHN_DOUBLE_BYTES = bytes(_LUHN_DOUBLE.get(chr(b), 255) for b in range(256))


def luhn_ok(digits: str) -> bool:
    """Luhn (mod 10) check used by payment card numbers."""
    # Digits in odd positions from the right count as is, the others doubled (minus 9).
    raw = digits.encode() if digits.isascii() else b""
    if not raw.isdigit():
        total = sum(map(int, digits[-1::-2])) + sum(map(_LUHN_DOUBLE.__getitem__, digits[-2::-2]))
        return total % 10 == 0
    total = sum(raw[-1::-2].translate(_DIGIT_VALUE)) + sum(
        raw[-2::-2].translate(_LUHN_DOUBLE_BYTES)
    )
    return total % 10 == 0


def uscc_check_char(body: str) -> str | None:
    """Return the GB 32100 check character for 17 code characters, or None if invalid."""
    values = body.encode().translate(_USCC_BYTES) if body.isascii() else b"\xff"
    if 255 in values:
        return None
    total = sum(map(mul, values, _USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def valid_uscc(code: str) -> bool:
    """Structure and check character of an 18-character unified social credit code."""
    return (
        len(code) == 18
        and code[0] in _USCC_AUTHORITY
        and code[1] in _USCC_CATEGORY
        and code[2:8].isdigit()
        and uscc_check_char(code[:17]) == code[17]
    )


def org_code_ok(code: str) -> bool:
    """GB 11714 check of a 9-character organisation code (8 characters and a check)."""
    head = code[:8]
    values = head.encode().translate(_ORG_BYTES) if head.isascii() else b"\xff"
    if 255 in values:
        return False
    total = sum(map(mul, values, _ORG_WEIGHTS))
    check = 11 - total % 11
    expected = "X" if check == 10 else "0" if check == 11 else str(check)
    return code[8] == expected


def is_mobile(digits: str) -> bool:
    """An 11-digit mainland mobile number in an allocated block."""
    return len(digits) == 11 and digits[:3] in MOBILE_PREFIXES


def area_code_ok(code: str) -> bool:
    """A mainland long-distance area code: 010, 02X, or 0 followed by three digits."""
    if not code.isdigit() or code[:1] != "0":
        return False
    if len(code) == 3:
        return code == "010" or code[1] == "2"
    return len(code) == 4 and code[1] in "3456789"


def local_number_ok(number: str) -> bool:
    """A 7- or 8-digit local landline number, which never starts with 0."""
    return len(number) in (7, 8) and number.isdigit() and number[0] != "0"


def looks_like_datetime(digits: str) -> bool:
    """True when a long digit run starts with a calendar date from 1970 to 2099."""
    born = parse_date(digits[:8])
    return born is not None and 1970 <= born.year <= 2099
