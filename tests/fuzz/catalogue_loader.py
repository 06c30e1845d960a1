"""Fuzz target: the catalogue loader (TOML text -> validated, frozen `Catalogue`).

An input is the text of one catalogue file. When its first line is `#@ <file name>` naming one
of the bundled files (`#@ items-personal.toml`), it takes that file's place; otherwise it is read
as one more file beside them. The seeds are the bundled files themselves, so mutations start
from a catalogue that loads and reach every builder and cross-reference check.

The loader must either return a catalogue or raise `CatalogueError` listing at least one issue
with a known check id; nothing else may escape. A catalogue it returns must serialise to JSON,
hash the same way twice and answer the look-ups the code base makes.

The parsed bundled files are kept between inputs (TOML parsing is pure Python and dominates a
full `load_catalogue`), and the input goes through the same steps as `load_catalogue`: split
into sections, one version, build. `test_fuzz_targets` checks that the two agree on the seeds.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from tests.fuzz import harness

NAME = "catalogue_loader"
INSTRUMENT = ("jubao", "tomllib")
HEADER = b"#@ "
EXTRA_FILE = "fuzz.toml"

_bundled: dict[str, dict[str, Any]] = {}
_folder = Path()


def setup() -> None:
    """Import the loader (instrumented when fuzzing) and parse the bundled files once."""
    import tomllib

    from jubao.catalogue import loader

    global _folder
    _folder = loader.DATA_DIR
    for path in sorted(_folder.glob("*.toml")):
        _bundled[path.name] = tomllib.loads(path.read_text(encoding="utf-8"))


def split(data: bytes) -> tuple[str, bytes]:
    """The file the input stands for, and its text."""
    if data.startswith(HEADER):
        line, _sep, rest = data.partition(b"\n")
        name = line[len(HEADER) :].strip().decode("utf-8", "replace")
        if name in _bundled:
            return name, rest
    return EXTRA_FILE, data


def load(name: str, text: bytes) -> Any:
    """`load_catalogue` over the bundled files with `name` replaced by (or added as) `text`.

    Returns the catalogue or the `CatalogueError`."""
    import tomllib
    from dataclasses import replace

    from jubao.catalogue import loader
    from jubao.catalogue.reader import E_FILE, CatalogueError, Issue

    issues: list[Issue] = []
    sections: loader.Sections = {section: [] for section in loader.SECTIONS}
    versions: list[tuple[str, Any]] = []
    documents = dict(_bundled)
    try:
        documents[name] = tomllib.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        issues.append(Issue(E_FILE, name, "-", "-", f"cannot be read: {exc}"))
        documents.pop(name, None)
    for file in sorted(documents):
        loader._split_document(file, documents[file], sections, versions, issues)
    version = loader._one_version(versions, issues, _folder)
    catalogue = loader._build(version, sections, issues)
    if issues:
        return CatalogueError(issues)
    return replace(catalogue, content_hash=loader.content_hash(catalogue))


KNOWN_CHECKS = {f"catalogue.E00{n}" for n in range(1, 10)}


def one_input(data: bytes) -> None:
    from jubao.catalogue import Area, Catalogue, CatalogueError, content_hash
    from jubao.catalogue.serialize import to_plain

    name, text = split(data)
    result = load(name, text)
    if isinstance(result, CatalogueError):
        assert result.issues, "a CatalogueError without issues"
        for issue in result.issues:
            assert issue.check_id in KNOWN_CHECKS, issue
            assert all(isinstance(part, str) for part in (issue.file, issue.entry, issue.field))
            str(issue)
        return
    assert isinstance(result, Catalogue)
    json.dumps(to_plain(result), ensure_ascii=False, sort_keys=True)
    assert content_hash(result) == result.content_hash
    for item in result.items:
        assert result.item(item.code) is item
    for measure in result.measures:
        assert result.measure(measure.code) is measure
    for refusal in result.refusals:
        assert result.refusal(refusal.code) is refusal
    for referral in result.referrals:
        assert result.referral(referral.code) is referral
    for area in Area:
        result.items_for_area(area)


def main() -> None:
    harness.fuzz(one_input, setup=setup, instrument=INSTRUMENT)


if __name__ == "__main__":
    main()
    sys.exit(0)
