"""The fault suite: every test here is marked `faults` (run them with `pytest -m faults` or by
naming `tests/faults`); see docs/faults.md."""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pytest_configure(config: pytest.Config) -> None:
    # Registered here as well as in pyproject.toml, so that --strict-markers accepts it either way.
    config.addinivalue_line(
        "markers", "faults: fault-injection tests against the real server (make test-faults)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE not in Path(str(item.path)).resolve().parents:
            continue
        # A quick in-process module of this folder (IN_PROCESS = True) runs with the normal suite.
        if getattr(getattr(item, "module", None), "IN_PROCESS", False):
            continue
        item.add_marker(pytest.mark.faults)
        item.add_marker(pytest.mark.slow)


def explicitly_selected(config: pytest.Config) -> bool:
    """Whether the run asked for the fault suite: `-m faults`, or only paths inside it."""
    expr = (config.option.markexpr or "").replace("(", " ").replace(")", " ")
    words = expr.split()
    for i, word in enumerate(words):
        if word == "faults" and (i == 0 or words[i - 1] != "not"):
            return True
    args = [a.split("::")[0] for a in config.args]
    if not args:
        return False
    for arg in args:
        path = (Path(config.invocation_params.dir) / arg).resolve()
        if path != HERE and HERE not in path.parents:
            return False
    return True
