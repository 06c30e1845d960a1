"""Canonical bytes for payload hashes and ledger leaves.

Canonical JSON here means: keys sorted, no spaces (`,` and `:` separators), UTF-8 without ASCII
escaping, NaN and infinities refused, and a fixed rendering for the non-JSON values callers
commonly pass (aware datetimes in UTC, Decimals and UUIDs as strings, sets sorted). The same
payload therefore always gives the same hash, on any machine and any Python version.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import hashlib
import json
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise

LEAF_VERSION = 1
_UTC = dt.UTC


def format_time(value: dt.datetime) -> str:
    """An aware datetime as UTC with microseconds, e.g. 2025-01-31T08:00:00.000000Z."""
    if value.tzinfo is None:
        raise ValueError("ledger times must be timezone-aware")
    return value.astimezone(_UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return format_time(value) if value.tzinfo else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value.total_seconds())
    if isinstance(value, Decimal):
        # Normalise so that Decimal("1.50") and Decimal("1.5") hash alike.
        return format(value.normalize(), "f")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return sorted(value, key=canonical_json)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, Promise):
        return str(value)
    raise TypeError(f"cannot put a {type(value).__name__} into a ledger payload")


def canonical_json(value: Any) -> str:
    return json.dumps(
        value,
        default=_default,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def payload_hash(payload: Mapping[str, Any] | None) -> str:
    """Hex SHA-256 of the canonical JSON of `payload` (an absent payload counts as `{}`).

    Anyone holding the original payload can recompute this to prove it is what was recorded.
    """
    body = canonical_json(dict(payload) if payload is not None else {})
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def leaf_bytes(
    *, index: int, time: dt.datetime, actor: str, action: str, ref: str, payload: str
) -> bytes:
    """The bytes of one ledger leaf; the index is inside so that moving an entry changes it."""
    leaf = {
        "v": LEAF_VERSION,
        "index": index,
        "time": format_time(time),
        "actor": actor,
        "action": action,
        "ref": ref,
        "payload": payload,
    }
    return canonical_json(leaf).encode("utf-8")
