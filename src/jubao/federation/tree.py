"""This instance's place in the jurisdiction tree, and where a case of an office is handled.

An instance serves the office of `JUBAO_OFFICE_CODE` and every office below it (by division
code: "000000" is the central office and serves all, "330000" serves the codes starting "33",
"330100" those starting "3301"), except the parts served by a peer lower down. A case of an
office goes to the instance with the longest code prefix covering that office: a child below,
a sibling across, or the parent above; with no such peer it stays here.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from jubao.federation.models import Peer

CENTRAL = "000000"


def prefix(code: str) -> str:
    """The code prefix an office shares with every office below it ("" for central)."""
    if code == CENTRAL:
        return ""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def own_code() -> str:
    return settings.JUBAO_OFFICE_CODE


def covers(code: str, office_code: str) -> bool:
    return office_code.startswith(prefix(code))


def route(office_code: str) -> Peer | None:
    """The peer that serves `office_code`, or None when it is served here (or by no one known)."""
    best: Peer | None = None
    best_length = len(prefix(own_code())) if covers(own_code(), office_code) else -1
    for peer in Peer.objects.filter(enabled=True):
        length = len(prefix(peer.code))
        if covers(peer.code, office_code) and length > best_length:
            best, best_length = peer, length
    return best


def served_here(office_code: str) -> bool:
    """True when a case of `office_code` is handled by this instance."""
    return route(office_code) is None and covers(own_code(), office_code)


def relation(code: str) -> str:
    """How a peer stands to us: "parent" (above), "child" (below) or "sibling" (elsewhere)."""
    mine = own_code()
    if code != mine and covers(code, mine):
        return "parent"
    if code != mine and covers(mine, code):
        return "child"
    return "sibling"


RELATION_LABELS = {
    "parent": _("Above us"),
    "child": _("Below us"),
    "sibling": _("Across"),
}


def parent() -> Peer | None:
    """The nearest peer above us (the longest covering prefix), to which figures roll up."""
    above = [p for p in Peer.objects.filter(enabled=True) if relation(p.code) == "parent"]
    return max(above, key=lambda p: len(prefix(p.code)), default=None)
