"""Coverage-guided fuzz targets (atheris, libFuzzer) for the parsers that meet hostile input.

One module per target; each runs on its own with libFuzzer's options:

    .venv/bin/python -m tests.fuzz.catalogue_loader -max_total_time=300 WORK_DIR CORPUS_DIR

`scripts/fuzz` runs them all for a bounded time and fails on a crash. Each module's `one_input`
is also run over its committed seed corpus by `tests/security/test_fuzz_targets.py`, so the
harnesses are checked by the ordinary test suite. See docs/security.md, *Fuzzing*.
"""
