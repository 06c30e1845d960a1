"""The pure Merkle tree code against RFC 6962's recursive definition."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from decimal import Decimal

import pytest

from jubao.ledger import merkle
from jubao.ledger.canonical import canonical_json, payload_hash

LEAVES = [merkle.leaf_hash(f"leaf {n}".encode()) for n in range(70)]


def test_empty_tree_and_prefixes() -> None:
    assert merkle.tree_root([]) == hashlib.sha256(b"").digest()
    assert merkle.leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    three = merkle.tree_root(LEAVES[:3])
    assert three == merkle.node_hash(merkle.node_hash(LEAVES[0], LEAVES[1]), LEAVES[2])


def test_frontier_matches_the_recursive_definition() -> None:
    frontier: list[bytes] = []
    for size, leaf in enumerate(LEAVES):
        frontier = merkle.frontier_append(frontier, size, leaf)
        assert len(frontier) == bin(size + 1).count("1")
        assert merkle.frontier_root(frontier) == merkle.tree_root(LEAVES[: size + 1])


@pytest.mark.parametrize("size", [1, 2, 3, 7, 8, 13, 64, 70])
def test_inclusion_proofs(size: int) -> None:
    root = merkle.tree_root(LEAVES[:size])
    for index in range(size):
        proof = merkle.inclusion_proof(LEAVES, index, size)
        assert merkle.verify_inclusion(
            leaf=LEAVES[index], index=index, size=size, proof=proof, root=root
        )
        other = (index + 1) % size
        if other != index:
            assert not merkle.verify_inclusion(
                leaf=LEAVES[other], index=index, size=size, proof=proof, root=root
            )


def test_canonical_json_is_deterministic() -> None:
    when = dt.datetime(2025, 1, 31, 16, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    one = {"b": [1, "二"], "a": when, "d": Decimal("1.50"), "u": uuid.UUID(int=1), "s": {2, 1}}
    two = {"u": uuid.UUID(int=1), "s": {1, 2}, "d": Decimal("1.5"), "a": when, "b": [1, "二"]}
    assert canonical_json(one) == canonical_json(two)
    assert canonical_json(one) == (
        '{"a":"2025-01-31T08:00:00.000000Z","b":[1,"二"],"d":"1.5","s":[1,2],'
        '"u":"00000000-0000-0000-0000-000000000001"}'
    )
    assert payload_hash(one) == hashlib.sha256(canonical_json(one).encode()).hexdigest()
    assert payload_hash(None) == payload_hash({})
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})
    with pytest.raises(TypeError):
        canonical_json({"x": object()})
