"""Fuzz target: the personal-information scanner and redaction (`jubao.analysis.pii`).

An input is UTF-8 text (lone surrogates allowed, as JSON can carry them; undecodable bytes are
replaced). `scan` must not raise and must keep its documented contract: findings sorted by
start, not overlapping, inside the text, of a known kind, confidence in 0..1, the same on every
call, and `scan_many` giving exactly what `scan` gives text by text. `redact` must replace each
finding with its kind's label and keep everything else: the result's length is the text's,
less the spans, plus the labels, and the text between findings is kept in order.
"""

from __future__ import annotations

import sys
from datetime import date
from typing import Any

from tests.fuzz import harness

NAME = "pii_scanner"
INSTRUMENT = ("jubao",)
TODAY = date(2026, 1, 1)  # ages and "not born yet" are judged against a fixed day

_pii: Any = None


def setup() -> None:
    global _pii
    from jubao.analysis import pii

    _pii = pii


def text_of(data: bytes) -> str:
    try:
        return data.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace")


def _check_findings(text: str, findings: list[Any]) -> None:
    end = 0
    for f in findings:
        assert isinstance(f, _pii.Finding), f
        assert 0 <= f.start < f.end <= len(text), (f, len(text))
        assert f.start >= end, ("overlap or out of order", f)
        end = f.end
        assert f.kind in _pii.KINDS and f.kind in _pii.LABELS, f
        assert 0.0 <= f.confidence <= 1.0, f
        assert isinstance(f.value, str) and isinstance(f.subtype, str), f
        if f.age is not None:
            assert f.age >= 0 and f.minor == (f.age < 18), f
        if f.birth_date is not None:
            assert f.birth_date <= TODAY, f


def _check_redaction(text: str, findings: list[Any]) -> None:
    redacted = _pii.redact(text, findings)
    labels = sum(len(_pii.LABELS[f.kind]) for f in findings)
    spans = sum(f.end - f.start for f in findings)
    assert len(redacted) == len(text) - spans + labels, (text, findings, redacted)
    position = 0
    kept = 0
    for f in [*findings, None]:
        piece = text[kept : f.start if f else len(text)]
        found = redacted.find(piece, position)
        assert found == position, ("text between findings not kept", piece, redacted)
        position += len(piece)
        if f is not None:
            label = _pii.LABELS[f.kind]
            assert redacted.startswith(label, position), (label, redacted)
            position += len(label)
            kept = f.end
    assert position == len(redacted)


def one_input(data: bytes) -> None:
    text = text_of(data)
    findings = _pii.scan(text, today=TODAY)
    _check_findings(text, findings)
    assert _pii.scan(text, today=TODAY) == findings, "scan is not deterministic"
    others = [text[::2], text[len(text) // 2 :]]
    assert _pii.scan_many([text, *others], today=TODAY) == [
        findings,
        *(_pii.scan(t, today=TODAY) for t in others),
    ], "scan_many differs from scan"
    _check_redaction(text, findings)
    masked = [f for f in findings if f.confidence >= _pii.REDACT_THRESHOLD]
    _check_redaction(text, masked)
    _pii.has_minor(findings)


def main() -> None:
    harness.fuzz(one_input, setup=setup, instrument=INSTRUMENT)


if __name__ == "__main__":
    main()
    sys.exit(0)
