"""What the fuzz targets share: their seed corpora, Django for the targets that need it, and the
libFuzzer entry point with coverage instrumentation of the code under test."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus"


def seeds(target: str) -> Iterator[tuple[str, bytes]]:
    """The committed seed inputs of `target`, by file name, in a stable order."""
    folder = CORPUS / target
    for path in sorted(folder.iterdir()):
        if path.is_file():
            yield path.name, path.read_bytes()


_ours = {"django": False, "schema": False}


def django_ready(*, database: bool = False) -> None:
    """Set Django up once when running outside pytest (which has done it already).

    A fuzzing process gets a data folder of its own (keys, SQLite) unless JUBAO_DATA_DIR names
    one, and the schema when the target reads or writes the database.
    """
    from django.apps import apps

    if not apps.ready:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jubao.settings")
        if not os.environ.get("JUBAO_DATA_DIR"):
            os.environ["JUBAO_DATA_DIR"] = tempfile.mkdtemp(prefix="jubao-fuzz-")
        import django

        django.setup()
        _ours["django"] = True
    if database and _ours["django"] and not _ours["schema"]:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        _ours["schema"] = True


def fuzz(
    one_input: Callable[[bytes], None],
    *,
    setup: Callable[[], None],
    instrument: Sequence[str],
    argv: list[str] | None = None,
) -> None:
    """Run libFuzzer on `one_input`. The packages in `instrument` are imported (by `setup`)
    with coverage instrumentation, so that libFuzzer sees which branches an input reached."""
    import atheris

    with atheris.instrument_imports(include=list(instrument)):
        setup()
    atheris.Setup(list(argv if argv is not None else sys.argv), one_input)
    atheris.Fuzz()
