"""A broken catalogue is refused with the file, the entry and the field named, everywhere.

Each case breaks a copy of the real data in one way and checks the loader, the system check and
the `catalogue check` command.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import CommandError

from jubao.catalogue import CatalogueError, load_catalogue

SRC = Path(__file__).resolve().parents[2] / "src"
DOXXING = 'item "personal.doxxing"'

# (name, file, old text, new text, expected check id, file, entry, field)
CASES = [
    (
        "missing field",
        "items-cyberviolence.toml", "priority = 10\n", "",
        "catalogue.E003", "items-cyberviolence.toml", DOXXING, "priority",
    ),
    (
        "unknown measure",
        "items-cyberviolence.toml", '"account.limit_features", "account.suspend", "account.close"',
        '"account.limit_features", "account.vanish", "account.close"',
        "catalogue.E005", "items-cyberviolence.toml", DOXXING, "measures[6]",
    ),
    (
        "bad type",
        "items-cyberviolence.toml", "priority = 10", 'priority = "urgent"',
        "catalogue.E004", "items-cyberviolence.toml", DOXXING, "priority",
    ),
    (
        "duplicate code",
        "items-cyberviolence.toml", 'code = "personal.cyber_attack"', 'code = "personal.doxxing"',
        "catalogue.E006", "items-cyberviolence.toml", DOXXING, "code",
    ),
    (
        "missing English text",
        "items-cyberviolence.toml", ', en = "\\"Human flesh search\\" (doxxing)"', "",
        "catalogue.E007", "items-cyberviolence.toml", DOXXING, "name.en",
    ),
    (
        "unknown key",
        "items-cyberviolence.toml", "priority = 10\n", "priority = 10\ncolour = 'red'\n",
        "catalogue.E002", "items-cyberviolence.toml", DOXXING, "colour",
    ),
    (
        "time limit not positive",
        "meta.toml", "overall = { days = 20 }", "overall = { days = 0 }",
        "catalogue.E008", "meta.toml", 'track "normal"', "time_limits.overall.days",
    ),
    (
        "unknown referral",
        "refusals.toml", 'referrals = ["labour_arbitration",', 'referrals = ["labor_court",',
        "catalogue.E005", "refusals.toml", 'refusal "out_of_scope.labour"', "referrals[0]",
    ),
    (
        "unknown target field",
        "items-search.toml", 'targets = ["engine", "query", "result_url"]',
        'targets = ["engine", "query", "result_link"]',
        "catalogue.E005", "items-search.toml", 'item "search.result_link"', "targets[2]",
    ),
    (
        "escalation to a lighter measure",
        "measures.toml",
        'within = { calendar_days = 180 }\npropose = "account.suspend"',
        'within = { calendar_days = 180 }\npropose = "account.warning"',
        "catalogue.E009", "measures.toml", 'measure "account.mute"', "escalation[0].propose",
    ),
]  # fmt: skip
IDS = [case[0] for case in CASES]


@pytest.fixture(params=CASES, ids=IDS)
def broken(request: pytest.FixtureRequest, edit: Callable[[str, str, str], Path]):
    _name, file, old, new, check_id, where, entry, field = request.param
    return edit(file, old, new), (check_id, where, entry, field)


def test_the_loader_names_file_entry_and_field(broken):
    folder, (check_id, file, entry, field) = broken
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(folder)
    found = [(i.check_id, i.file, i.entry, i.field) for i in caught.value.issues]
    assert (check_id, file, entry, field) in found, found
    assert f"{file}: {entry}: {field}:" in str(caught.value)


def test_the_system_check_names_file_entry_and_field(broken, settings):
    folder, (check_id, file, entry, field) = broken
    settings.JUBAO_CATALOGUE_DIR = str(folder)
    errors = checks.run_checks(tags=["catalogue"])
    assert errors, "the system check accepted a broken catalogue"
    matching = [e for e in errors if e.id == check_id and e.level == checks.ERROR]
    assert any(f"{file}: {entry}: {field}:" in e.msg for e in matching), errors


def test_the_command_fails_with_file_entry_and_field(broken, capsys):
    folder, (check_id, file, entry, field) = broken
    with pytest.raises(CommandError) as caught:
        call_command("catalogue", "check", "--dir", str(folder))
    assert caught.value.returncode == 1
    assert f"{check_id} {file}: {entry}: {field}:" in capsys.readouterr().err


def test_bad_toml_syntax_names_the_file(edit):
    folder = edit("referrals.toml", 'code = "police"', 'code = "police')
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(folder)
    found = [(i.check_id, i.file, i.entry, i.field) for i in caught.value.issues]
    assert found[0] == ("catalogue.E001", "referrals.toml", "-", "-")


def test_a_missing_closed_set_entry_is_reported(edit):
    folder = edit("meta.toml", 'code = "minors"', 'code = "children"')
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(folder)
    fields = {(i.entry, i.field) for i in caught.value.issues}
    assert ('area "minors"', "code") in fields and ('area "children"', "code") in fields


def test_an_empty_folder_is_refused(tmp_path: Path):
    with pytest.raises(CatalogueError, match=r"no \*\.toml files"):
        load_catalogue(tmp_path)


def test_the_real_catalogue_passes_the_system_check():
    assert checks.run_checks(tags=["catalogue"]) == []


def test_catalogue_check_prints_version_hash_and_counts(capsys):
    call_command("catalogue", "check")
    out = capsys.readouterr().out
    catalogue = load_catalogue()
    assert catalogue.version in out and catalogue.content_hash in out
    assert f"items {len(catalogue.items)}" in out and "OK" in out


def test_catalogue_show_and_dump(capsys):
    call_command("catalogue", "show", "personal.doxxing", "--lang", "en")
    assert "Human flesh search" in capsys.readouterr().out
    call_command("catalogue", "dump")
    assert '"content_hash"' in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("catalogue", "show", "personal.nothing")


def test_the_jubao_command_exits_non_zero(edit, tmp_path: Path):
    folder = edit("items-cyberviolence.toml", "priority = 10\n", "")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")])),
        "DJANGO_SETTINGS_MODULE": "jubao.settings",
        "JUBAO_DATA_DIR": str(tmp_path / "data"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "jubao.cli", "catalogue", "check", "--dir", str(folder)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert f"items-cyberviolence.toml: {DOXXING}: priority:" in result.stderr
