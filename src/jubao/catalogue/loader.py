"""Load the catalogue's TOML files into frozen objects, validating every field and reference.

A data folder holds any number of `*.toml` files. Each file contributes arrays of tables
(`[[item]]`, `[[measure]]`, ...) to named sections, so entries can be split across files freely;
exactly one file sets the top-level `version`. Problems are collected across all files and raised
together as one `CatalogueError`, each naming the file, the entry and the field.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from jubao.catalogue import build
from jubao.catalogue.entities import Catalogue
from jubao.catalogue.reader import (
    E_DUPLICATE,
    E_FILE,
    E_MISSING,
    E_TYPE,
    E_UNKNOWN_KEY,
    CatalogueError,
    Entry,
    Issue,
)
from jubao.catalogue.serialize import to_plain

DATA_DIR = Path(__file__).resolve().parent / "data"

# The sections a file may contribute to, in the order they are built (references point back).
SECTIONS = (
    "area", "track", "stage", "result", "role", "target_field", "evidence_kind", "proof_kind",
    "condition", "exemption", "discussion_trigger", "tier", "measure", "referral", "refusal",
    "item",
)  # fmt: skip
VOCABULARY_SECTIONS = (
    "target_field", "evidence_kind", "proof_kind", "condition", "exemption", "discussion_trigger",
)  # fmt: skip
CODE_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")


def load_catalogue(path: Path | str | None = None) -> Catalogue:
    """Read and validate the catalogue in folder `path` (default: the bundled data).

    Raises `CatalogueError` listing every problem found.
    """
    folder = Path(path) if path is not None else DATA_DIR
    issues: list[Issue] = []
    version, sections = _read_folder(folder, issues)
    catalogue = _build(version, sections, issues)
    if issues:
        raise CatalogueError(issues)
    return replace(catalogue, content_hash=content_hash(catalogue))


def content_hash(catalogue: Catalogue) -> str:
    """SHA-256 of the canonical JSON of the catalogue's content (not its layout or comments)."""
    plain = to_plain(catalogue)
    plain.pop("content_hash", None)
    canonical = json.dumps(plain, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


Sections = dict[str, list[Entry]]


def _read_folder(folder: Path, issues: list[Issue]) -> tuple[str, Sections]:
    sections: Sections = {name: [] for name in SECTIONS}
    versions: list[tuple[str, Any]] = []
    files = sorted(folder.glob("*.toml")) if folder.is_dir() else []
    if not files:
        issues.append(Issue(E_FILE, str(folder), "-", "-", "no *.toml files in this folder"))
    for file in files:
        try:
            document = tomllib.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            issues.append(Issue(E_FILE, file.name, "-", "-", f"cannot be read: {exc}"))
            continue
        _split_document(file.name, document, sections, versions, issues)
    return _one_version(versions, issues, folder), sections


def _split_document(
    name: str,
    document: dict[str, Any],
    sections: Sections,
    versions: list[tuple[str, Any]],
    issues: list[Issue],
) -> None:
    for key, value in document.items():
        if key == "version":
            versions.append((name, value))
        elif key not in sections:
            allowed = ", ".join(("version", *SECTIONS))
            issues.append(Issue(E_UNKNOWN_KEY, name, "-", key, f"unknown section; use {allowed}"))
        elif not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            issues.append(Issue(E_TYPE, name, "-", key, f"must be written as [[{key}]] tables"))
        else:
            for n, data in enumerate(value):
                code = data.get("code", data.get("level"))
                label = f'{key} "{code}"' if isinstance(code, str | int) else f"{key} #{n + 1}"
                sections[key].append(Entry(issues, name, label, data))


def _one_version(versions: list[tuple[str, Any]], issues: list[Issue], folder: Path) -> str:
    if not versions:
        issues.append(Issue(E_MISSING, str(folder), "-", "version", "no file sets version"))
        return ""
    if len(versions) > 1:
        files = ", ".join(f for f, _ in versions)
        issues.append(Issue(E_DUPLICATE, versions[1][0], "-", "version", f"set in {files}"))
    file, value = versions[0]
    if not isinstance(value, str) or not value.strip():
        issues.append(Issue(E_TYPE, file, "-", "version", "must be a non-empty string"))
        return ""
    return value.strip()


def _codes(entries: list[Entry], key: str = "code") -> list[Entry]:
    """Check the codes of one section: present, well formed and unique; return the good ones."""
    seen: dict[Any, Entry] = {}
    good = []
    for entry in entries:
        if key == "code":
            code: Any = entry.string("code")
            if code and not CODE_RE.match(code):
                entry.problem(E_TYPE, "code", "use lowercase letters, digits, _ and dots")
                continue
        else:
            code = entry.integer(key, minimum=1)
        if not code:
            continue
        if code in seen:
            first = seen[code]
            entry.problem(E_DUPLICATE, key, f"{code!r} is also defined in {first.file}")
            continue
        seen[code] = entry
        good.append(entry)
    return good


def _build_section[T](
    entries: list[Entry], make: Callable[[Entry], T], key: str = "code"
) -> list[T]:
    out = []
    for entry in _codes(entries, key):
        out.append(make(entry))
        entry.finish()
    return out


def _by_code(objects: Iterable[Any]) -> dict[str, Any]:
    return {o.code: o for o in objects}


def _build(version: str, sections: Sections, issues: list[Issue]) -> Catalogue:
    """Build each section in dependency order; a later section resolves codes of earlier ones."""
    ctx = build.Context(issues=issues)
    for name in VOCABULARY_SECTIONS:
        maker = build.target_field if name == "target_field" else build.term
        ctx.terms[name] = _by_code(_build_section(sections[name], maker))
    for name in ("area", "stage", "result"):
        ctx.terms[name] = _by_code(_build_section(sections[name], build.term))
    ctx.terms["role"] = _by_code(_build_section(sections["role"], ctx.role))
    ctx.terms["track"] = _by_code(_build_section(sections["track"], ctx.track))
    ctx.tiers = {t.level: t for t in _build_section(sections["tier"], build.tier, "level")}
    ctx.referrals = _by_code(_build_section(sections["referral"], build.referral))
    ctx.refusals = _by_code(_build_section(sections["refusal"], ctx.refusal))
    ctx.measures = _by_code(_build_section(sections["measure"], ctx.measure))
    items = _build_section(sections["item"], ctx.item)
    ctx.check_closed_sets(_first_file(sections))
    ctx.check_escalations()
    return Catalogue(
        version=version,
        content_hash="",
        vocabulary=ctx.vocabulary(),
        tiers=dict(sorted(ctx.tiers.items())),
        items=tuple(items),
        measures=tuple(ctx.measures.values()),
        referrals=tuple(ctx.referrals.values()),
        refusals=tuple(ctx.refusals.values()),
    )


def _first_file(sections: Sections) -> dict[str, str]:
    """The file each section is defined in, to name it when an entry is missing altogether."""
    return {
        name: (entries[0].file if entries else "meta.toml") for name, entries in sections.items()
    }
