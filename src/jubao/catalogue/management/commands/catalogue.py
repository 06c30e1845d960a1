"""`jubao catalogue check|show|dump`: validate and inspect the standards catalogue."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from jubao.catalogue.entities import Catalogue, ReportItem
from jubao.catalogue.loader import load_catalogue
from jubao.catalogue.reader import CatalogueError
from jubao.catalogue.registry import catalogue_dir
from jubao.catalogue.serialize import to_plain


class Command(BaseCommand):
    help = "Validate (check), list or describe (show) and export (dump) the standards catalogue."
    # The command reports catalogue problems itself, with more detail than the system checks.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        check = actions.add_parser(
            "check", help="Validate; exit 1 with file/entry/field if broken."
        )
        show = actions.add_parser("show", help="List the items, or describe one item.")
        show.add_argument("code", nargs="?", help="A report item code, e.g. personal.doxxing.")
        show.add_argument("--lang", default="zh-hans", help="zh-hans (default) or en.")
        dump = actions.add_parser("dump", help="Print the whole catalogue as JSON.")
        for sub in (check, show, dump):
            sub.add_argument("--dir", help="Data folder to read instead of the configured one.")

    def handle(self, *args: Any, **options: Any) -> None:
        folder = Path(options["dir"]) if options.get("dir") else catalogue_dir()
        try:
            catalogue = load_catalogue(folder)
        except CatalogueError as exc:
            for issue in exc.issues:
                self.stderr.write(f"{issue.check_id} {issue}")
            count = len(exc.issues)
            message = f"catalogue in {folder} has {count} problem(s)"
            raise CommandError(message, returncode=1) from None
        action = options["action"]
        if action == "check":
            self._summary(catalogue, folder)
        elif action == "dump":
            self.stdout.write(json.dumps(to_plain(catalogue), ensure_ascii=False, indent=2))
        elif options.get("code"):
            self._item(catalogue, options["code"], options["lang"])
        else:
            self._list(catalogue, options["lang"])

    def _summary(self, catalogue: Catalogue, folder: Path) -> None:
        areas = Counter(item.area.value for item in catalogue.items)
        lines = [
            f"catalogue {catalogue.version} ({folder})",
            f"content hash {catalogue.content_hash}",
            f"items {len(catalogue.items)} ("
            + ", ".join(f"{area} {n}" for area, n in sorted(areas.items()))
            + ")",
            f"measures {len(catalogue.measures)}, referrals {len(catalogue.referrals)}, "
            f"refusal reasons {len(catalogue.refusals)}",
        ]
        self.stdout.write("\n".join(lines))
        self.stdout.write(self.style.SUCCESS("OK"))

    def _list(self, catalogue: Catalogue, lang: str) -> None:
        for item in catalogue.items:
            self.stdout.write(
                f"{item.code:34} {item.area.value:14} {item.track.value:14} "
                f"{item.priority:4}  {item.name.get(lang)}"
            )

    def _item(self, catalogue: Catalogue, code: str, lang: str) -> None:
        try:
            item = catalogue.item(code)
        except KeyError:
            raise CommandError(f"unknown report item {code!r}", returncode=2) from None
        for label, value in _describe(item, lang):
            self.stdout.write(f"{label:22} {value}")


def _describe(item: ReportItem, lang: str) -> list[tuple[str, str]]:
    """Label/value rows for one item, in the chosen language (labels stay English)."""

    def names(objects: Any) -> str:
        return ", ".join(f"{o.code}" for o in objects) or "-"

    limits = ", ".join(
        f"{stage.value} {limit.label(lang)}" for stage, limit in item.time_limits.items()
    )
    return [
        ("code", item.code),
        ("name", item.name.get(lang)),
        ("area / track", f"{item.area.value} / {item.track.value} (priority {item.priority})"),
        ("description", item.description.get(lang)),
        ("reporters", ", ".join(r.value for r in item.reporters)),
        ("targets", names(item.targets)),
        ("optional targets", names(item.optional_targets)),
        ("evidence", names(item.evidence)),
        ("optional evidence", names(item.optional_evidence)),
        ("third-party proof", names(item.proof.third_party)),
        ("no official proof if", names(item.proof.no_official_proof_needed)),
        ("acceptance", names(item.acceptance)),
        ("out of scope", names(item.out_of_scope)),
        ("referrals", names(item.referrals)),
        ("time limits", limits),
        (
            "discussion",
            ("always; " if item.discussion.always else "") + names(item.discussion.when),
        ),
        ("results", ", ".join(r.value for r in item.results)),
        ("measures", names(item.measures)),
        ("reporter details for the platform", ", ".join(item.reporter_to_platform) or "none"),
    ]
