"""`jubao federation ...`: this instance's identity, its peers, and the federation's jobs."""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jubao.errors import DomainError
from jubao.federation import fingerprints, keys, tree
from jubao.federation.jobs import federation_round, rollup_send
from jubao.federation.models import Peer
from jubao.federation.outbox import messages_deliver
from jubao.federation.services import fingerprints_query


class Command(BaseCommand):
    help = "Show this instance's federation key; register peers; run the federation's jobs."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        sub.add_parser("key", help="Print our office code, key id and public key (JSON).")
        add = sub.add_parser("peer-add", help="Register (or update) a peer instance.")
        add.add_argument("--code", required=True, help="the division code of its office")
        add.add_argument("--url", required=True, help="its base address")
        add.add_argument("--key-id", required=True)
        add.add_argument("--public-key", required=True, help="raw 32 bytes in base64, or PEM")
        add.add_argument("--name", default="")
        sub.add_parser("peer-list", help="List the peers and their place in the tree.")
        disable = sub.add_parser("peer-disable", help="Stop exchanging with a peer.")
        disable.add_argument("--code", required=True)
        deliver = sub.add_parser("deliver", help="Send the due messages.")
        deliver.add_argument("--loop", action="store_true")
        deliver.add_argument("--interval", type=int, default=10)
        sub.add_parser("sync", help="One round of every federation job.")
        sub.add_parser("rollup", help="Send our figures to the instance above now.")
        query = sub.add_parser("query", help="Ask a peer whether it handles this content.")
        query.add_argument("--code", required=True, help="the peer's division code")
        query.add_argument("--url", required=True, help="the address of the reported content")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, "_" + options["verb"].replace("-", "_"))(options)
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None

    def _key(self, options: dict[str, Any]) -> None:
        self.stdout.write(json.dumps(keys.identity()))

    def _peer_add(self, options: dict[str, Any]) -> None:
        peer = keys.peer_add(
            actor="system",
            code=options["code"],
            url=options["url"],
            key_id=options["key_id"],
            public_key=options["public_key"],
            name=options["name"],
        )
        self.stdout.write(f"peer {peer.code} registered ({tree.relation(peer.code)})")

    def _peer_list(self, options: dict[str, Any]) -> None:
        for peer in Peer.objects.all():
            state = "enabled" if peer.enabled else "disabled"
            relation = tree.relation(peer.code)
            self.stdout.write(f"{peer.code}\t{relation}\t{state}\t{peer.url}\t{peer.key_id}")

    def _peer_disable(self, options: dict[str, Any]) -> None:
        peer = Peer.objects.filter(code=options["code"]).first()
        if peer is None:
            raise CommandError(f"no peer {options['code']!r}")
        keys.peer_disable(actor="system", peer=peer)
        self.stdout.write(f"peer {peer.code} disabled")

    def _deliver(self, options: dict[str, Any]) -> None:
        while True:
            tried = messages_deliver()
            if tried:
                self.stdout.write(f"{tried} message(s) tried")
            if not options["loop"]:
                return
            time.sleep(options["interval"])

    def _sync(self, options: dict[str, Any]) -> None:
        self.stdout.write(json.dumps(federation_round()))

    def _query(self, options: dict[str, Any]) -> None:
        peer = Peer.objects.filter(code=options["code"], enabled=True).first()
        if peer is None:
            raise CommandError(f"no peer {options['code']!r}")
        value = fingerprints.of_target({"url": options["url"]})
        if value is None:
            raise CommandError("not an address")
        self.stdout.write(json.dumps(fingerprints_query(peer=peer, values=[value])))

    def _rollup(self, options: dict[str, Any]) -> None:
        message = rollup_send(force=True)
        if message is None:
            raise CommandError("no instance above this one is registered")
        tried = messages_deliver()
        self.stdout.write(f"roll-up queued, {tried} message(s) tried")
