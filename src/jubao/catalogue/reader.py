"""Typed reading of one TOML table, collecting every problem with its file, entry and field.

The loader reads each entry through an `Entry`. A bad value is recorded as an `Issue` and a
neutral stand-in value is returned, so that one pass reports every mistake in the catalogue
instead of stopping at the first one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jubao.catalogue.entities import Text, TimeLimit, TimeUnit, Words

# System-check ids; the management command and the error messages use the same ids.
E_FILE = "catalogue.E001"  # a file is missing, unreadable or not valid TOML
E_UNKNOWN_KEY = "catalogue.E002"
E_MISSING = "catalogue.E003"
E_TYPE = "catalogue.E004"  # wrong type or a value outside the allowed set
E_REFERENCE = "catalogue.E005"
E_DUPLICATE = "catalogue.E006"
E_LANGUAGE = "catalogue.E007"  # bilingual text missing a language
E_RANGE = "catalogue.E008"  # a number out of range, such as a time limit that is not positive
E_CONSISTENCY = "catalogue.E009"  # values that contradict each other


@dataclass(frozen=True)
class Issue:
    """One problem in the catalogue, located by file, entry and field."""

    check_id: str
    file: str
    entry: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.entry}: {self.field}: {self.message}"


class CatalogueError(Exception):
    """The catalogue cannot be used; `issues` lists every problem found."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


def _type_name(value: Any) -> str:
    names = {str: "string", int: "integer", bool: "boolean", list: "array", dict: "table"}
    return names.get(type(value), type(value).__name__)


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1] in "aeiou" else f"a {noun}"


class Entry:
    """One TOML table being read: remembers which keys were used to flag unknown ones."""

    def __init__(
        self, issues: list[Issue], file: str, entry: str, data: Any, prefix: str = ""
    ) -> None:
        self.issues = issues
        self.file = file
        self.entry = entry
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}
        self.prefix = prefix
        self.used: set[str] = set()

    def path(self, key: str) -> str:
        """The dotted field path of `key` inside this entry."""
        return f"{self.prefix}{key}"

    def problem(self, check_id: str, key: str, message: str) -> None:
        """Record an issue about field `key`."""
        self.issues.append(Issue(check_id, self.file, self.entry, self.path(key), message))

    def has(self, key: str) -> bool:
        """True if the entry has `key` (and marks it as used)."""
        self.used.add(key)
        return key in self.data

    def raw(self, key: str, kind: type | tuple[type, ...], *, required: bool) -> Any:
        """The value of `key` if it has type `kind`; records an issue and returns None if not."""
        self.used.add(key)
        if key not in self.data:
            if required:
                self.problem(E_MISSING, key, "required field is missing")
            return None
        value = self.data[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        # bool is a subclass of int in Python, but not in TOML.
        if isinstance(value, bool) and bool not in kinds:
            value_ok = False
        else:
            value_ok = isinstance(value, kinds)
        if not value_ok:
            wanted = " or ".join(_type_name(k()) for k in kinds)
            self.problem(E_TYPE, key, f"must be {_a(wanted)}, not {_a(_type_name(value))}")
            return None
        return value

    def string(self, key: str, *, required: bool = True, choices: Any = None) -> str:
        """A non-empty string, optionally one of `choices`."""
        value = self.raw(key, str, required=required)
        if value is None:
            return ""
        if not value.strip():
            self.problem(E_MISSING, key, "must not be empty")
        elif choices is not None and value not in choices:
            allowed = ", ".join(sorted(str(c) for c in choices))
            self.problem(E_TYPE, key, f"{value!r} is not allowed; use one of: {allowed}")
            return ""
        return str(value)

    def integer(self, key: str, *, required: bool = True, minimum: int | None = None) -> int:
        """An integer, at least `minimum` when given; 0 when missing or bad."""
        value = self.raw(key, int, required=required)
        if value is None:
            return 0
        if minimum is not None and value < minimum:
            self.problem(E_RANGE, key, f"must be at least {minimum}, not {value}")
        return int(value)

    def boolean(self, key: str, *, required: bool = True, default: bool = False) -> bool:
        """A boolean; `default` when missing or bad."""
        value = self.raw(key, bool, required=required)
        return default if value is None else bool(value)

    def strings(self, key: str, *, required: bool = True, nonempty: bool = True) -> list[str]:
        """A list of strings without repeats (the caller resolves them as codes)."""
        value = self.raw(key, list, required=required)
        if value is None:
            return []
        if nonempty and not value:
            self.problem(E_MISSING, key, "must list at least one value")
        out: list[str] = []
        for n, element in enumerate(value):
            if not isinstance(element, str) or not element.strip():
                self.problem(E_TYPE, f"{key}[{n}]", "must be a non-empty string")
            elif element in out:
                self.problem(E_DUPLICATE, f"{key}[{n}]", f"{element!r} is listed twice")
            else:
                out.append(element)
        return out

    def text(self, key: str, *, required: bool = True) -> Text | None:
        """Bilingual text: a table with non-empty `zh` and `en` strings and nothing else."""
        value = self.raw(key, dict, required=required)
        return None if value is None else self._text_of(key, value)

    def _text_of(self, key: str, value: dict[str, Any]) -> Text:
        for extra in sorted(set(value) - {"zh", "en"}):
            self.problem(E_UNKNOWN_KEY, f"{key}.{extra}", "unknown language; use zh and en")
        parts: dict[str, str] = {}
        for lang in ("zh", "en"):
            text = value.get(lang)
            if text is None:
                self.problem(E_LANGUAGE, f"{key}.{lang}", "text in this language is missing")
            elif not isinstance(text, str):
                self.problem(E_TYPE, f"{key}.{lang}", f"must be a string, not {_type_name(text)}")
            elif not text.strip():
                self.problem(E_LANGUAGE, f"{key}.{lang}", "text in this language is empty")
            else:
                parts[lang] = text.strip()
        return Text(zh=parts.get("zh", ""), en=parts.get("en", ""))

    def texts(self, key: str, *, required: bool = True) -> tuple[Text, ...]:
        """A non-empty array of bilingual texts."""
        value = self.raw(key, list, required=required)
        if value is None:
            return ()
        if not value:
            self.problem(E_MISSING, key, "must list at least one entry")
        out = []
        for n, element in enumerate(value):
            if isinstance(element, dict):
                out.append(self._text_of(f"{key}[{n}]", element))
            else:
                self.problem(E_TYPE, f"{key}[{n}]", "must be a table with zh and en")
        return tuple(out)

    def words(self, key: str) -> Words:
        """Optional search keywords: `{zh = [...], en = [...]}`, both languages present."""
        sub = self.table(key, required=False)
        if sub is None:
            return Words()
        zh, en = sub.strings("zh"), sub.strings("en")
        sub.finish()
        return Words(zh=tuple(zh), en=tuple(en))

    def time_limit(
        self, key: str, *, required: bool = True, units: tuple[TimeUnit, ...] = tuple(TimeUnit)
    ) -> TimeLimit | None:
        """A time limit written `{days = N}`, `{hours = N}` or `{calendar_days = N}`, N > 0."""
        value = self.raw(key, dict, required=required)
        if value is None:
            return None
        allowed = " or ".join(f"{{{u} = N}}" for u in units)
        if len(value) != 1 or next(iter(value)) not in units:
            self.problem(E_TYPE, key, f"must be written as {allowed}")
            return None
        unit, amount = next(iter(value.items()))
        if isinstance(amount, bool) or not isinstance(amount, int):
            self.problem(E_TYPE, f"{key}.{unit}", "must be a whole number")
            return None
        if amount <= 0:
            self.problem(E_RANGE, f"{key}.{unit}", f"must be positive, not {amount}")
            return None
        return TimeLimit(amount=amount, unit=TimeUnit(unit))

    def table(self, key: str, *, required: bool = True) -> Entry | None:
        """A sub-table read as its own Entry (finish it to flag its unknown keys)."""
        value = self.raw(key, dict, required=required)
        if value is None:
            return None
        return Entry(self.issues, self.file, self.entry, value, prefix=self.path(key) + ".")

    def tables(self, key: str) -> list[Entry]:
        """An optional array of tables, each read as its own Entry."""
        value = self.raw(key, list, required=False) or []
        out = []
        for n, element in enumerate(value):
            if isinstance(element, dict):
                out.append(
                    Entry(self.issues, self.file, self.entry, element, self.path(f"{key}[{n}]."))
                )
            else:
                self.problem(E_TYPE, f"{key}[{n}]", "must be a table")
        return out

    def finish(self) -> None:
        """Record every key of the table that no reader asked for."""
        for key in self.data:
            if key not in self.used:
                self.problem(E_UNKNOWN_KEY, key, "unknown field")
