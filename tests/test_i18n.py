"""Every user-facing string has a zh-Hans translation.

The source tree is copied, `makemessages` refreshes the catalogues from the code there, and every
zh-Hans entry must then be translated and not fuzzy: a new string without a translation fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "jubao"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_every_string_is_translated_into_simplified_chinese(tmp_path: Path):
    copy = tmp_path / "jubao"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "jubao.settings"}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-obsolete",
            "-i",
            "analysis/*",
            "-v",
            "0",
        ],
        cwd=copy,
        env=env,
        check=True,
    )
    problems = []
    for po_path in sorted(copy.glob("**/locale/zh_Hans/LC_MESSAGES/django.po")):
        catalogue = polib.pofile(str(po_path))
        where = po_path.relative_to(copy)
        problems += [f"{where}: untranslated {e.msgid!r}" for e in catalogue.untranslated_entries()]
        problems += [f"{where}: fuzzy {e.msgid!r}" for e in catalogue.fuzzy_entries()]
    assert not problems, "\n".join(problems[:50])


def test_the_zh_hans_catalogues_exist():
    assert list(SRC.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))


PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")


def test_translations_keep_every_placeholder():
    problems = []
    for po_path in sorted(SRC.glob("**/locale/zh_Hans/LC_MESSAGES/django.po")):
        for entry in polib.pofile(str(po_path)):
            if entry.msgstr and sorted(PLACEHOLDER.findall(entry.msgid)) != sorted(
                PLACEHOLDER.findall(entry.msgstr)
            ):
                problems.append(f"{po_path.relative_to(SRC)}: {entry.msgid!r}")
    assert not problems, "\n".join(problems)
