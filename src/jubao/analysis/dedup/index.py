"""`NearDuplicateIndex`: MinHash signatures plus LSH band tables held in numpy arrays.

Layout, chosen so that an indexed item costs a few hundred bytes rather than kilobytes:

* signatures: one ``(capacity, num_perm)`` uint16 array, row *i* belonging to ``_keys[i]``;
* band table: two parallel arrays sorted by band key, ``_band_keys`` (uint32) and
  ``_band_rows`` (uint32): ``bands`` entries per item, 8 bytes each, found by binary search;
* recent additions wait in a small dict (band key → rows) and are merged into the sorted arrays
  in batches, so ``add`` is cheap and the sorted arrays are rewritten only now and then.

Removal blanks the key and leaves the row's band entries behind; queries skip dead rows and
`compact()` (run automatically once half the rows are dead) rebuilds the arrays.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from jubao.analysis.dedup import store
from jubao.analysis.dedup.minhash import Banding, MinHasher

__all__ = ["NearDuplicateIndex"]

_MIN_PENDING = 2048
_MAX_PENDING = 65536
# Up to this many candidates are verified one by one on Python ints (about 1 µs each); more
# go through one vectorised numpy comparison (a few µs whatever the count).
_SCALAR_VERIFY = 4


class NearDuplicateIndex:
    """Index of texts answering "which indexed texts are near-copies of this one?".

    `threshold` is the estimated Jaccard similarity of character-shingle sets above which a text
    counts as a near-duplicate. The defaults (64 permutations in 16 bands of 4) make a pair at
    J = 0.7 a candidate with probability 0.99 and at J = 0.8 with probability 0.9999; every
    candidate is then checked against its stored signature, so what `query` returns has an
    estimated similarity of at least `threshold`.
    """

    def __init__(
        self,
        threshold: float = 0.7,
        *,
        num_perm: int = 64,
        bands: int = 16,
        shingle_size: int = 3,
        seed: int = 1,
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        if bands < 1 or num_perm % bands:
            raise ValueError("bands must divide num_perm")
        self.threshold = float(threshold)
        self.hasher = MinHasher(num_perm=num_perm, shingle_size=shingle_size, seed=seed)
        self.banding = Banding(bands=bands, rows=num_perm // bands, seed=seed)
        self._keys: list[str | None] = []
        self._rows: dict[str, int] = {}
        self._sigs = np.zeros((0, num_perm), dtype=np.uint16)
        self._empty: set[int] = set()  # rows whose text normalised to nothing
        self._band_keys = np.zeros(0, dtype=np.uint32)
        self._band_rows = np.zeros(0, dtype=np.uint32)
        self._pending: dict[int, int | list[int]] = {}
        self._pending_count = 0
        # Counting equal values as a matrix product is cheaper than a sum along an axis.
        self._ones = np.ones(num_perm, dtype=np.uint8 if num_perm < 256 else np.uint16)
        # Bit 0 of every 16-bit lane of a signature read as one Python int.
        self._lane_bits = int.from_bytes(b"\x01\x00" * num_perm, "little")
        self._views()

    # -- public API -------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, key: object) -> bool:
        return key in self._rows

    def signature(self, text: str) -> bytes:
        """Fingerprint of `text`: a 12-byte header plus 2 bytes per permutation.

        It holds only truncated minimum hash values of character shingles: the text cannot be
        read back from it, though someone holding a guessed text can test whether it matches.
        """
        sig = self.hasher.signature_array(text)
        if sig is None:
            sig = np.zeros(self.hasher.num_perm, dtype=np.uint16)
        return self.hasher.encode(sig)

    def add(self, key: str, text: str) -> None:
        """Index `text` under `key`, replacing whatever `key` held before."""
        self._add_array(key, self.hasher.signature_array(text))

    def add_signature(self, key: str, signature: bytes) -> None:
        """Index a fingerprint made by `signature` (for example received from another server)."""
        sig = self.hasher.decode(signature)
        self._add_array(key, sig if sig.any() else None)

    def add_many(self, items: Iterable[tuple[str, str]]) -> None:
        """Index many (key, text) pairs."""
        for key, text in items:
            self.add(key, text)

    def remove(self, key: str) -> None:
        """Forget `key`; raises KeyError if it is not indexed."""
        row = self._rows.pop(key)
        self._keys[row] = None
        self._empty.discard(row)
        if len(self._rows) < (len(self._keys) - len(self._rows)):
            self.compact()

    def query(self, text: str) -> list[str]:
        """Keys of indexed near-duplicates of `text`, most similar first."""
        return [key for key, _ in self._query_array(self.hasher.signature_array(text))]

    def query_scored(self, text: str) -> list[tuple[str, float]]:
        """(key, estimated Jaccard similarity) pairs at or above the threshold, best first."""
        return self._query_array(self.hasher.signature_array(text))

    def query_signature(self, signature: bytes) -> list[tuple[str, float]]:
        """Like `query_scored`, for a fingerprint made by `signature`."""
        sig = self.hasher.decode(signature)
        return self._query_array(sig if sig.any() else None)

    def compact(self) -> None:
        """Drop removed rows, trim spare capacity and merge pending additions."""
        live = [row for row, key in enumerate(self._keys) if key is not None]
        empty = {row for row in self._empty}
        self._keys = [self._keys[row] for row in live]
        self._sigs = self._sigs[live].copy()
        self._rows = {key: i for i, key in enumerate(self._keys) if key is not None}
        self._empty = {i for i, row in enumerate(live) if row in empty}
        self._rebuild_bands()

    def to_bytes(self) -> bytes:
        """Compact binary form (no pickle): parameters, keys, signatures and a CRC-32."""
        self.compact()
        return store.dump(self)

    @classmethod
    def from_bytes(cls, data: bytes) -> NearDuplicateIndex:
        """Rebuild an index from `to_bytes` output; raises ValueError on damaged input."""
        return store.load(cls, data)

    # -- internals --------------------------------------------------------------------------

    def _add_array(self, key: str, sig: npt.NDArray[np.uint16] | None) -> None:
        if not isinstance(key, str):
            raise TypeError("key must be a str")
        if key in self._rows:
            self.remove(key)
        row = len(self._keys)
        self._keys.append(key)
        self._rows[key] = row
        self._store_signature(row, sig)
        if sig is None:
            self._empty.add(row)
            return
        for band_key in self.banding.keys(sig).tolist():
            self._pending_put(band_key, row)
        self._pending_count += 1
        if self._pending_count >= self._pending_limit():
            self._flush_pending()

    def _store_signature(self, row: int, sig: npt.NDArray[np.uint16] | None) -> None:
        if row >= self._sigs.shape[0]:
            # Grow by a quarter: amortised O(1) appends without doubling the memory footprint.
            capacity = max(64, row + row // 4)
            grown = np.zeros((capacity, self.hasher.num_perm), dtype=np.uint16)
            grown[: self._sigs.shape[0]] = self._sigs
            self._sigs = grown
            self._views()
        self._sigs[row] = 0 if sig is None else sig

    def _pending_put(self, band_key: int, row: int) -> None:
        # A plain int for the common unique key keeps the dict small; a list only on collision.
        held = self._pending.get(band_key)
        if held is None:
            self._pending[band_key] = row
        elif isinstance(held, list):
            held.append(row)
        else:
            self._pending[band_key] = [held, row]

    def _pending_limit(self) -> int:
        # Proportional batches keep merge work O(n log n) overall; the cap bounds the dict.
        return min(_MAX_PENDING, max(_MIN_PENDING, len(self._keys) // 32))

    def _flush_pending(self) -> None:
        if not self._pending:
            return
        keys: list[int] = []
        rows: list[int] = []
        for band_key, held in self._pending.items():
            for row in held if isinstance(held, list) else (held,):
                if self._keys[row] is not None:
                    keys.append(band_key)
                    rows.append(row)
        self._pending.clear()
        self._pending_count = 0
        self._merge_sorted(np.array(keys, dtype=np.uint32), np.array(rows, dtype=np.uint32))

    def _merge_sorted(self, keys: npt.NDArray[np.uint32], rows: npt.NDArray[np.uint32]) -> None:
        order = np.argsort(keys, kind="stable")
        keys, rows = keys[order], rows[order]
        # np.insert into sorted positions is a linear merge, cheaper than re-sorting everything.
        at = np.searchsorted(self._band_keys, keys, side="right")
        self._band_keys = np.insert(self._band_keys, at, keys)
        self._band_rows = np.insert(self._band_rows, at, rows)
        self._views()

    def _rebuild_bands(self) -> None:
        self._pending.clear()
        self._pending_count = 0
        rows = np.array(
            [r for r in range(len(self._keys)) if r not in self._empty], dtype=np.uint32
        )
        band_keys = self.banding.keys(self._sigs[rows]) if rows.size else np.zeros((0, 1))
        flat_rows = np.repeat(rows, self.banding.bands)
        order = np.argsort(band_keys.ravel(), kind="stable")
        self._band_keys = band_keys.ravel()[order].astype(np.uint32)
        self._band_rows = flat_rows[order].astype(np.uint32, copy=False)
        self._views()

    def _views(self) -> None:
        """Memoryviews over the arrays, whose items Python reads without creating numpy
        scalars. Called whenever an array is replaced (writes into `_sigs` show through); the
        sorted band keys and the view of their rows are replaced together, as one tuple."""
        self._table = (self._band_keys, memoryview(self._band_rows))
        self._sig_bytes = memoryview(self._sigs.reshape(-1).view(np.uint8))

    def _candidates(self, band_keys: npt.NDArray[np.uint32]) -> list[int]:
        """Rows sharing at least one band key with the query, in insertion order.

        Two binary searches find the run of table entries holding each band key; the rows of
        the few non-empty runs are then read straight from a memoryview, which at this size is
        cheaper than more numpy calls."""
        found: set[int] = set()
        sorted_keys, rows = self._table
        if len(rows):
            starts = sorted_keys.searchsorted(band_keys).tolist()
            ends = sorted_keys.searchsorted(band_keys, "right").tolist()
            for start, end in zip(starts, ends, strict=True):
                if start != end:
                    if end - start == 1:
                        found.add(rows[start])
                    else:
                        found.update(rows[start:end])
        if self._pending:
            get = self._pending.get
            for key in band_keys.tolist():
                held = get(key)
                if held is None:
                    continue
                if isinstance(held, list):
                    found.update(held)
                else:
                    found.add(held)
        return sorted(found)

    def _matches(self, sig: npt.NDArray[np.uint16], rows: list[int]) -> list[int]:
        """How many values each of `rows` shares with `sig`."""
        if len(rows) > _SCALAR_VERIFY:
            return ((self._sigs[rows] == sig).view(np.uint8) @ self._ones).tolist()
        # XOR the signatures as Python ints, OR each 16-bit lane down into its lowest bit and
        # count the lanes that differ.
        width = sig.nbytes
        size = sig.size
        query = int.from_bytes(sig.tobytes(), "little")
        lanes = self._lane_bits
        data = self._sig_bytes
        counts = []
        for row in rows:
            start = row * width
            x = query ^ int.from_bytes(data[start : start + width], "little")
            x |= x >> 8
            x |= x >> 4
            x |= x >> 2
            x |= x >> 1
            counts.append(size - (x & lanes).bit_count())
        return counts

    def _query_array(self, sig: npt.NDArray[np.uint16] | None) -> list[tuple[str, float]]:
        if sig is None or not self._rows:
            return []
        rows = self._candidates(self.banding.keys(sig))
        if not rows:
            return []
        size = sig.size
        need = self.threshold * size - 1e-9
        keys = self._keys
        hits = []
        for row, match in zip(rows, self._matches(sig, rows), strict=True):
            if match >= need:
                key = keys[row]
                if key is not None:
                    hits.append((key, match / size))
        if len(hits) > 1:
            hits.sort(key=lambda hit: -hit[1])  # stable: ties keep insertion order
        return hits
