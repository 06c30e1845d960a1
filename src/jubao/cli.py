"""The `jubao` command: Django's management commands plus jubao's own verbs.

`jubao migrate`, `jubao demo`, `jubao catalogue check`, `jubao ledger verify`, `jubao keys rotate`
and `jubao serve` (gunicorn with the production settings) all go through here.
"""

from __future__ import annotations

import os
import sys


def serve(argv: list[str]) -> None:
    """Run the production server (gunicorn) on JUBAO_BIND, default 127.0.0.1:8000."""
    from gunicorn.app.wsgiapp import run

    bind = os.environ.get("JUBAO_BIND", "127.0.0.1:8000")
    workers = os.environ.get("JUBAO_WORKERS", str(min(4, (os.cpu_count() or 1) * 2)))
    # gunicorn's control socket has one path per user: two instances on a host would share it.
    sys.argv = [
        "gunicorn",
        "--bind",
        bind,
        "--workers",
        workers,
        "--access-logfile",
        "-",
        "--access-logformat",
        '%(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms',
        *argv,
        "jubao.wsgi:application",
    ]
    run()


HYPHENATED = {"simulate-platform": "simulate_platform"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jubao.settings")
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        serve(sys.argv[2:])
        return
    from django.core.management import execute_from_command_line

    # Commands are documented with hyphens; Django's command modules use underscores.
    if len(sys.argv) > 1 and sys.argv[1] in HYPHENATED:
        sys.argv[1] = HYPHENATED[sys.argv[1]]

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
