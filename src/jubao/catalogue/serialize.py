"""Plain JSON-ready data from catalogue objects, used by the content hash, the API and `dump`."""

from __future__ import annotations

import enum
from dataclasses import fields, is_dataclass
from typing import Any


def to_plain(value: Any) -> Any:
    """Convert a catalogue object into dicts, lists, strings, numbers and booleans.

    Fields marked as references are written as the referenced codes, so that every object
    appears once in full; internal fields are left out.
    """
    if is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for f in fields(value):
            if f.metadata.get("internal"):
                continue
            item = getattr(value, f.name)
            ref = f.metadata.get("ref")
            out[f.name] = _ref(item, ref) if ref else to_plain(item)
        return out
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {str(to_plain(k)): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    return value


def _ref(value: Any, attribute: str) -> Any:
    if value is None:
        return None
    if isinstance(value, tuple | list):
        return [getattr(v, attribute) for v in value]
    return getattr(value, attribute)
