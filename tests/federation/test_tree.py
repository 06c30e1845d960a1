"""Where a case of an office is handled: here, below, across or above."""

from __future__ import annotations

import pytest

from jubao.federation import tree

pytestmark = pytest.mark.django_db


def test_the_prefix_of_an_office_follows_its_level():
    assert tree.prefix("000000") == ""
    assert tree.prefix("330000") == "33"
    assert tree.prefix("330100") == "3301"
    assert tree.prefix("330106") == "330106"


def test_without_peers_our_own_tree_is_served_here_and_the_rest_nowhere():
    assert tree.served_here("330106")
    assert tree.route("330106") is None
    assert not tree.served_here("440100")
    assert tree.route("440100") is None


def test_a_sibling_serves_its_province_and_the_parent_the_rest(central, guangdong):
    assert tree.route("440100") == guangdong.peer
    assert tree.route("110105") == central.peer  # up: no one nearer serves Beijing
    assert tree.route("000000") == central.peer  # non-territorial: up to the central office
    assert tree.route("330106") is None
    assert tree.relation("000000") == "parent"
    assert tree.relation("440000") == "sibling"
    assert tree.parent() == central.peer


def test_from_the_centre_a_province_is_below(settings, central, guangdong):
    central.peer.delete()
    settings.JUBAO_OFFICE_CODE = "000000"
    assert tree.relation("440000") == "child"
    assert tree.route("440100") == guangdong.peer
    assert tree.served_here("110105")
    assert not tree.served_here("440300")


def test_a_disabled_peer_is_not_routed_to(guangdong):
    guangdong.peer.enabled = False
    guangdong.peer.save()
    assert tree.route("440100") is None
