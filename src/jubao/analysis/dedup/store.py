"""Binary persistence for `NearDuplicateIndex` without pickle.

Layout (little-endian)::

    header   magic "JNDI", version, shingle_size, num_perm, bands, seed, threshold, count,
             key-blob length
    lengths  count × uint32         UTF-8 byte length of each key
    keys     concatenated UTF-8 keys
    empty    count × uint8          1 where the text normalised to nothing
    sigs     count × num_perm × uint16
    crc      uint32                 CRC-32 of everything before it

Band tables are not stored: they are recomputed from the signatures on load, which keeps the
file at about 2·num_perm + key length + 5 bytes per item.
"""

from __future__ import annotations

import struct
import zlib
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from jubao.analysis.dedup.index import NearDuplicateIndex

MAGIC = b"JNDI"
VERSION = 1
_HEADER = struct.Struct("<4sBBHHIdIQ")
_CRC = struct.Struct("<I")


def dump(index: NearDuplicateIndex) -> bytes:
    """Serialise a compacted index (every row live, no pending additions)."""
    keys = [key for key in index._keys if key is not None]
    encoded = [key.encode("utf-8") for key in keys]
    blob = b"".join(encoded)
    hasher = index.hasher
    header = _HEADER.pack(
        MAGIC,
        VERSION,
        hasher.shingle_size,
        hasher.num_perm,
        index.banding.bands,
        hasher.seed,
        index.threshold,
        len(keys),
        len(blob),
    )
    lengths = np.array([len(e) for e in encoded], dtype="<u4").tobytes()
    empty = np.zeros(len(keys), dtype=np.uint8)
    empty[list(index._empty)] = 1
    sigs = index._sigs[: len(keys)].astype("<u2").tobytes()
    body = header + lengths + blob + empty.tobytes() + sigs
    return body + _CRC.pack(zlib.crc32(body))


def load(cls: type[NearDuplicateIndex], data: bytes) -> NearDuplicateIndex:
    """Inverse of `dump`; ValueError names what is wrong with damaged input."""
    view = memoryview(data)
    if len(view) < _HEADER.size + _CRC.size:
        raise ValueError("index data too short")
    (crc,) = _CRC.unpack_from(view, len(view) - _CRC.size)
    if zlib.crc32(view[: -_CRC.size]) != crc:
        raise ValueError("index data corrupted (CRC mismatch)")
    magic, version, k, num_perm, bands, seed, threshold, count, blob_len = _HEADER.unpack_from(view)
    if magic != MAGIC or version != VERSION:
        raise ValueError("not a jubao near-duplicate index (bad magic or version)")
    index = cls(threshold, num_perm=num_perm, bands=bands, shingle_size=k, seed=seed)
    expected = _HEADER.size + 4 * count + blob_len + count + 2 * count * num_perm + _CRC.size
    if len(view) != expected:
        raise ValueError(f"index data is {len(view)} bytes, header implies {expected}")
    pos = _HEADER.size
    lengths = np.frombuffer(view, dtype="<u4", count=count, offset=pos)
    pos += 4 * count
    index._keys = _split_keys(bytes(view[pos : pos + blob_len]), lengths)
    pos += blob_len
    empty = np.frombuffer(view, dtype=np.uint8, count=count, offset=pos)
    pos += count
    sigs = np.frombuffer(view, dtype="<u2", count=count * num_perm, offset=pos)
    index._sigs = sigs.reshape(count, num_perm).astype(np.uint16)
    index._rows = {key: row for row, key in enumerate(index._keys) if key is not None}
    if len(index._rows) != count:
        raise ValueError("index data holds duplicate keys")
    index._empty = {int(row) for row in np.flatnonzero(empty)}
    index._rebuild_bands()
    return index


def _split_keys(blob: bytes, lengths: np.ndarray) -> list[str | None]:
    if int(lengths.sum()) != len(blob):
        raise ValueError("key lengths do not add up to the key blob")
    keys: list[str | None] = []
    pos = 0
    for length in lengths.tolist():
        try:
            keys.append(blob[pos : pos + length].decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise ValueError("index key is not valid UTF-8") from exc
        pos += length
    return keys
