"""Text normalisation, character shingling and MinHash signatures.

Everything here is deterministic across processes, machines and numpy versions: the hash
constants come from a fixed SplitMix64 stream, never from Python's salted ``hash`` or numpy's
random generators, so signatures computed on one server can be compared on another.
"""

from __future__ import annotations

import re
import struct
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

__all__ = [
    "Banding",
    "MinHasher",
    "estimate_jaccard",
    "mix64",
    "normalise",
    "shingles",
]

_MASK64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15

# URLs and @mentions carry no shared wording between copies of a message (they are the parts
# a water army varies), so they are removed before shingling.
_URL_OR_MENTION_RE = re.compile(r"(?:https?://|www\.)\S+|@[\w\-]{1,30}", re.IGNORECASE)
# Everything that is not a letter or digit: punctuation, whitespace, symbols, emoji.
_NON_WORD_RE = re.compile(r"[\W_]+")

SIGNATURE_MAGIC = b"JM"
SIGNATURE_VERSION = 1
_SIG_HEADER = struct.Struct("<2sBBHHI")  # magic, version, shingle, num_perm, reserved, seed


def _splitmix64_py(state: int) -> tuple[int, int]:
    """One step of SplitMix64 in pure Python: returns (new_state, output)."""
    state = (state + _GOLDEN) & _MASK64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return state, z ^ (z >> 31)


def _constants(seed: int, count: int) -> npt.NDArray[np.uint64]:
    """`count` pseudo-random 64-bit constants derived only from `seed`."""
    state = seed & _MASK64
    out = []
    for _ in range(count):
        state, value = _splitmix64_py(state)
        out.append(value)
    return np.array(out, dtype=np.uint64)


_U16 = np.uint64(16)
_U32 = np.uint64(32)
_FOLD_MUL = np.uint64(0x100000001B3)
_LE_U64 = np.dtype("<u8")  # explicit byte order: signatures must not depend on the CPU
_LE_U32 = np.dtype("<u4")


_multiply_outer = np.multiply.outer
_min_over_rows = np.minimum.reduce
_repeat = np.repeat
_TILED_VALUES = 32768  # per array of `MinHasher._tiled`: 256 KiB
# Index of the uint16 holding bits 16–31, and of the uint32 holding bits 32–63, of a native
# uint64.
_BITS_16_31 = 1 if sys.byteorder == "little" else 2
_HIGH_HALF = 1 if sys.byteorder == "little" else 0


def mix64(x: npt.NDArray[np.uint64], multiplier: np.uint64) -> npt.NDArray[np.uint64]:
    """Cheap element-wise scrambling: multiply by an odd constant (a bijection mod 2^64), then
    fold the well-mixed high half into the low half. It breaks up the regular structure of
    packed code points before the per-permutation multiply-add."""
    z = x * multiplier
    z ^= z >> _U32
    return z


# The full-width punctuation of ordinary Chinese text is what usually makes a text fail the NFKC
# check, and ``unicodedata.normalize`` is slow (it decomposes and recomposes every character).
# Replacing a character by its own NFKC form leaves the NFKC form of the whole text unchanged
# (both have the same compatibility decomposition), so these are swapped with ``str.replace``
# first and the full normalisation runs only if something else is left.
_COMMON_FOLDS = tuple((c, unicodedata.normalize("NFKC", c)) for c in "，？！…（）：～；")
_is_normalized = unicodedata.is_normalized
_normalize = unicodedata.normalize


def normalise(text: str) -> str:
    """Canonical form of `text` for duplicate detection.

    NFKC folds full-width letters and digits to ASCII, lower-casing removes case, and URLs,
    @mentions, punctuation, whitespace and emoji are dropped: what remains is the run of letters
    and digits that two copies of the same message have in common.
    """
    if not _is_normalized("NFKC", text):
        for char, folded in _COMMON_FOLDS:
            if char in text:
                text = text.replace(char, folded)
        if not _is_normalized("NFKC", text):
            text = _normalize("NFKC", text)
    text = text.lower()
    if "@" in text or "http" in text or "www." in text:  # skip the regex in the common case
        text = _URL_OR_MENTION_RE.sub("", text)
    return _NON_WORD_RE.sub("", text)


def _identity(text: str) -> str:
    return text


def shingles(normalised: str, k: int = 3) -> npt.NDArray[np.uint64]:
    """Character k-grams of an already normalised string, as 64-bit ids.

    Chinese has no spaces between words, so overlapping character k-grams stand in for words.
    The text is encoded as UTF-32 and each window of two code points (8 bytes) is read straight
    out of the buffer as one uint64; further characters are folded in with a multiply-add. Ids
    are exact for k ≤ 2 and collide with probability about 2^-43 per pair for k = 3. A
    non-empty text shorter than k yields one shingle.
    """
    data = normalised.encode("utf-32-le")
    chars = len(data) // 4
    if chars == 0:
        return np.empty(0, dtype=np.uint64)
    k = min(k, chars)
    if k == 1:
        return np.frombuffer(data, dtype="<u4").astype(np.uint64)
    n = chars - k + 1
    ids: npt.NDArray[np.uint64] = np.ndarray((n,), _LE_U64, data, 0, (4,))
    for extra in range(2, k):
        ids = ids * _FOLD_MUL + np.ndarray((n,), _LE_U32, data, 4 * extra, (4,))
    return ids


@dataclass(frozen=True)
class MinHasher:
    """MinHash over character shingles with `num_perm` 16-bit values per signature.

    Each permutation is h_i(x) = a_i·mix(x) + b_i (mod 2^64). The minimum over a text's shingles
    is taken on the full 64 bits, then bits 16–31 of that minimum are kept ("b-bit MinHash"):
    two sets agree on a stored value with probability J + (1 − J)/65536, so the fraction of
    agreeing values estimates the Jaccard similarity J while a signature costs 2 bytes per
    permutation instead of 8.
    """

    num_perm: int = 64
    shingle_size: int = 3
    seed: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.num_perm <= 1024:
            raise ValueError("num_perm must be between 1 and 1024")
        if not 1 <= self.shingle_size <= 16:
            raise ValueError("shingle_size must be between 1 and 16")
        if not 0 <= self.seed < 2**32:
            raise ValueError("seed must fit in 32 bits")

    @cached_property
    def _params(self) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64], np.uint64]:
        """Per-permutation multipliers and offsets, and the odd shingle-scrambling multiplier."""
        consts = _constants(self.seed, 2 * self.num_perm + 1)
        a = consts[: self.num_perm] | np.uint64(1)  # odd multipliers are bijections mod 2^64
        b = consts[self.num_perm : 2 * self.num_perm]
        return a, b, consts[-1] | np.uint64(1)

    @cached_property
    def _tiled(self) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
        """The multipliers and offsets repeated end to end, for texts of up to
        `_TILED_VALUES` / `num_perm` shingles (512 with the defaults)."""
        a, b, _ = self._params
        rows = max(1, _TILED_VALUES // self.num_perm)
        return np.tile(a, rows), np.tile(b, rows)

    def signature_array(self, text: str) -> npt.NDArray[np.uint16] | None:
        """The signature of `text` as a uint16 array, or None if nothing is left after
        normalisation (such a text is a duplicate of nothing)."""
        return self.signature_normalised(normalise(text))

    def signature_normalised(self, normalised: str) -> npt.NDArray[np.uint16] | None:
        """`signature_array` of a text already passed through `normalise`.

        The same steps as `shingles` and `mix64`, written out so that a short text costs as few
        numpy calls as possible: at a few dozen shingles the per-call overhead, not the
        arithmetic, is what a signature costs.
        """
        data = normalised.encode("utf-32-le")
        chars = len(data) >> 2
        if chars < 3 or self.shingle_size != 3:
            ids = shingles(normalised, self.shingle_size)
            if ids.size == 0:
                return None
            z = mix64(ids, self._params[2])
        else:
            n = chars - 2
            z = np.ndarray((n,), _LE_U64, data, 0, (4,)) * _FOLD_MUL
            z += np.ndarray((n,), _LE_U32, data, 8, (4,))
            z *= self._params[2]
            z ^= z >> _U32
        # values[i, j] = a_j·z_i + b_j. With z repeated into a flat array, the products and sums
        # run as two flat (vectorised) loops instead of one short loop per shingle.
        size = z.size * self.num_perm
        a_tiled, b_tiled = self._tiled
        values: npt.NDArray[np.uint64]
        if size <= a_tiled.size:
            flat = _repeat(z, self.num_perm)
            flat *= a_tiled[:size]
            flat += b_tiled[:size]
            values = flat.reshape(z.size, self.num_perm)
        else:
            values = _multiply_outer(z, self._params[0])
            values += self._params[1]
        # Bits 16–31 of each minimum, read in place as one uint16 of the four in its uint64.
        return _min_over_rows(values, axis=0).view(np.uint16)[_BITS_16_31::4].copy()

    def signature_matrix(
        self, texts: Sequence[str], chunk: int = 1024, *, normalised: bool = False
    ) -> tuple[npt.NDArray[np.uint16], npt.NDArray[np.bool_]]:
        """Signatures of many texts at once: an (N, num_perm) array and a mask of the rows that
        have one. Equal to `signature_array` row by row, but the hashing of a whole chunk runs
        in a few numpy calls instead of a dozen per text. Pass ``normalised=True`` for texts
        already passed through `normalise`."""
        prepare = _identity if normalised else normalise
        sigs = np.zeros((len(texts), self.num_perm), dtype=np.uint16)
        valid = np.zeros(len(texts), dtype=np.bool_)
        a, b, salt = self._params
        for start in range(0, len(texts), chunk):
            ids = [shingles(prepare(t), self.shingle_size) for t in texts[start : start + chunk]]
            rows = [i for i, x in enumerate(ids) if x.size]
            if not rows:
                continue
            lengths = np.array([ids[i].size for i in rows])
            offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
            values = np.multiply.outer(mix64(np.concatenate([ids[i] for i in rows]), salt), a)
            values += b
            mins = np.minimum.reduceat(values, offsets, axis=0)
            sigs[np.array(rows) + start] = (mins >> _U16).astype(np.uint16)
            valid[np.array(rows) + start] = True
        return sigs, valid

    def encode(self, sig: npt.NDArray[np.uint16]) -> bytes:
        """Serialise a signature with a header naming the parameters that produced it."""
        header = _SIG_HEADER.pack(
            SIGNATURE_MAGIC, SIGNATURE_VERSION, self.shingle_size, self.num_perm, 0, self.seed
        )
        return header + sig.astype("<u2").tobytes()

    def decode(self, data: bytes) -> npt.NDArray[np.uint16]:
        """Parse bytes made by `encode`; raises ValueError if they come from other parameters."""
        if len(data) < _SIG_HEADER.size:
            raise ValueError("signature too short")
        magic, version, k, num_perm, _, seed = _SIG_HEADER.unpack_from(data)
        if magic != SIGNATURE_MAGIC or version != SIGNATURE_VERSION:
            raise ValueError("not a jubao text signature (bad magic or version)")
        if (k, num_perm, seed) != (self.shingle_size, self.num_perm, self.seed):
            raise ValueError(
                f"signature made with shingle_size={k}, num_perm={num_perm}, seed={seed}; "
                f"expected {self.shingle_size}, {self.num_perm}, {self.seed}"
            )
        body = data[_SIG_HEADER.size :]
        if len(body) != 2 * self.num_perm:
            raise ValueError("signature length does not match its header")
        return np.frombuffer(body, dtype="<u2").astype(np.uint16)


def estimate_jaccard(a: npt.NDArray[np.uint16], b: npt.NDArray[np.uint16]) -> float:
    """Estimated Jaccard similarity of the sets behind two signatures of equal length."""
    if a.shape != b.shape:
        raise ValueError("signatures have different lengths")
    return float(np.count_nonzero(a == b)) / a.size


@dataclass(frozen=True)
class Banding:
    """LSH banding: a signature is cut into `bands` runs of `rows` values, and each run is
    hashed to one 32-bit band key. Two signatures share at least one band key with probability
    1 − (1 − J^rows)^bands, so near-duplicates become candidates without comparing all pairs.

    Keys are 32 bits because they only select candidates: a chance collision costs one extra
    signature comparison, never a wrong answer. They are never stored or sent anywhere (an index
    recomputes them from its signatures on load), so they may differ between versions.
    """

    bands: int = 16
    rows: int = 4
    seed: int = 1

    @cached_property
    def _multipliers(self) -> npt.NDArray[np.uint64]:
        """One odd multiplier per band, so equal runs in different bands give different keys."""
        return _constants(self.seed ^ 0xBA4D, self.bands) | np.uint64(1)

    def keys(self, sigs: npt.NDArray[np.uint16]) -> npt.NDArray[np.uint32]:
        """Band keys of one signature (shape (P,) → (bands,)) or many ((N, P) → (N, bands)).

        The result may be a strided view; it is only ever searched for or copied."""
        runs = sigs[..., : self.bands * self.rows]
        if self.rows == 4 and runs.flags.c_contiguous:
            # Four 16-bit values are exactly one uint64: a free, exact packing of the band.
            packed = runs.view(np.uint64)
        else:
            grouped = runs.astype(np.uint64).reshape((*sigs.shape[:-1], self.bands, self.rows))
            packed = grouped[..., 0]
            for col in range(1, self.rows):
                packed = packed * _FOLD_MUL + grouped[..., col]
        # Multiply-shift: the high 32 bits of packed · odd multiplier, read in place.
        product = packed * self._multipliers
        return product.view(np.uint32)[..., _HIGH_HALF::2]

    def probability(self, jaccard: float) -> float:
        """Probability that two texts with this Jaccard similarity become candidates."""
        return 1.0 - (1.0 - jaccard**self.rows) ** self.bands
