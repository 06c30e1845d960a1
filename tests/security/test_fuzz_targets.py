"""The fuzz targets (tests/fuzz/) over their committed seed corpora, without the fuzzer: every
seed goes through the target's checks, so a harness that no longer fits the code under test
fails here rather than on the next fuzzing run. The seeds include the inputs the fuzzer found
crashes with, so these are regression tests too.

A few checks make sure the seeds still reach what they were made for (a seed that stopped
being accepted would leave the fuzzer starting from refusals only).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.fuzz import catalogue_loader, harness, pii_scanner, signature_verifier, upload_sanitiser


def _run_all(target: str, one_input: Callable[[bytes], None]) -> int:
    count = 0
    for name, data in harness.seeds(target):
        try:
            one_input(data)
        except Exception as exc:  # name the seed: the fuzzer's own report would
            raise AssertionError(f"seed {target}/{name}: {exc!r}") from exc
        count += 1
    assert count >= 5, f"{target} has only {count} seeds"
    return count


def test_catalogue_loader_seeds() -> None:
    catalogue_loader.setup()
    _run_all(catalogue_loader.NAME, catalogue_loader.one_input)


def test_the_catalogue_target_loads_as_load_catalogue_does(tmp_path) -> None:
    """The target's shortcut (bundled files parsed once) agrees with `load_catalogue` on a real
    folder: a seed that replaces a file, an extra file, and a broken file."""
    from jubao.catalogue import CatalogueError, load_catalogue

    catalogue_loader.setup()
    meta = dict(harness.seeds(catalogue_loader.NAME))["meta.toml"]
    cases = {
        "the seed": meta,
        "an extra file": b'[[area]]\ncode = "personal"\n',
        "broken TOML": catalogue_loader.HEADER + b"refusals.toml\n[[refusal]\ncode=",
        "wrong types": meta.replace(b'version = "2025.1"', b"version = 2025"),
    }
    for label, data in cases.items():
        name, text = catalogue_loader.split(data)
        folder = tmp_path / label.replace(" ", "-")
        folder.mkdir()
        for file in catalogue_loader._bundled:
            (folder / file).write_bytes((catalogue_loader._folder / file).read_bytes())
        (folder / name).write_bytes(text)
        try:
            expected = load_catalogue(folder)
        except CatalogueError as exc:
            expected = exc
        got = catalogue_loader.load(name, text)
        assert type(got) is type(expected), label
        if isinstance(expected, CatalogueError):
            assert [(i.check_id, i.entry, i.field) for i in got.issues] == [
                (i.check_id, i.entry, i.field) for i in expected.issues
            ], label
        else:
            assert got.content_hash == expected.content_hash, label


def test_pii_scanner_seeds() -> None:
    pii_scanner.setup()
    _run_all(pii_scanner.NAME, pii_scanner.one_input)
    # The seeds hold every kind of finding, so the redaction checks have something to check.
    kinds = set()
    for _name, data in harness.seeds(pii_scanner.NAME):
        text = pii_scanner.text_of(data)
        kinds |= {f.kind for f in pii_scanner._pii.scan(text, today=pii_scanner.TODAY)}
    assert kinds == set(pii_scanner._pii.KINDS)


def test_the_pii_checks_catch_a_broken_redaction(monkeypatch) -> None:
    """The target's own checks can fail: a redaction that drops a character is caught."""
    pii_scanner.setup()
    real = pii_scanner._pii.redact
    monkeypatch.setattr(pii_scanner._pii, "redact", lambda text, findings=None: real(text)[1:])
    with pytest.raises(AssertionError):
        pii_scanner.one_input("手机：13812345678".encode())


def test_upload_sanitiser_seeds() -> None:
    upload_sanitiser.setup()
    _run_all(upload_sanitiser.NAME, upload_sanitiser.one_input)
    outcomes = {
        name: getattr(upload_sanitiser.inspect(*upload_sanitiser.split(data)), "code", "accepted")
        for name, data in harness.seeds(upload_sanitiser.NAME)
    }
    accepted = {name for name, outcome in outcomes.items() if outcome == "accepted"}
    assert {"jpeg-gps.jpg", "png-text.png", "page.pdf", "clip.mp4", "tone.wav"} <= accepted
    assert outcomes["gif-javascript.gif"] == "polyglot", outcomes


@pytest.mark.django_db
def test_signature_verifier_seeds() -> None:
    signature_verifier.setup()
    _run_all(signature_verifier.NAME, signature_verifier.one_input)
    from django.db import transaction

    from jubao.platforms.signatures import SignatureError, signature_verify

    outcomes = {}
    for name, data in harness.seeds(signature_verifier.NAME):
        made = signature_verifier.request(data)
        assert made is not None, name
        with transaction.atomic():
            try:
                outcomes[name] = signature_verify(made, now=signature_verifier.NOW).name
            except SignatureError as refused:
                outcomes[name] = refused.code
            transaction.set_rollback(True)
    accepted = signature_verifier.PLATFORM
    assert outcomes["signed-post"] == outcomes["signed-get-query"] == accepted, outcomes
    assert outcomes["sign-directive"] == accepted, outcomes
    assert outcomes["signed-tampered-body"] == "digest_mismatch", outcomes
    assert outcomes["signed-old"] == outcomes["signed-future"] == "signature_expired", outcomes
    assert outcomes["crash-created-year-561981"] == "signature_invalid", outcomes
    assert outcomes["expires-beyond-the-calendar"] == "signature_invalid", outcomes
