"""Near-duplicate text detection for Chinese (and any other) text.

Texts are normalised (NFKC, lower case, URLs/@mentions/punctuation/whitespace removed), cut into
character 3-grams, and summarised by a 64-value MinHash signature (16 bits per value). An LSH
band table finds candidates; stored signatures confirm them. See ``docs/analysis-dedup.md``.

Image hashes live in `jubao.analysis.imagehash`, URL canonicalisation in `jubao.analysis.urls`.
"""

from __future__ import annotations

import numpy as np

from jubao.analysis.dedup.index import NearDuplicateIndex
from jubao.analysis.dedup.minhash import Banding, MinHasher, estimate_jaccard, normalise, shingles

__all__ = [
    "Banding",
    "MinHasher",
    "NearDuplicateIndex",
    "estimate_jaccard",
    "normalise",
    "shingles",
    "signature",
    "similarity",
]

_DEFAULT_HASHER = MinHasher()


def signature(text: str) -> bytes:
    """Fingerprint of `text` with the default parameters (140 bytes).

    Suitable for a database column or for exchange between servers that use the same
    parameters. It holds only truncated minimum hashes of character shingles, so the text cannot
    be read back from it (a party holding a guessed text can only test whether it matches).
    A text that normalises to nothing gets an all-zero body, which matches nothing.
    """
    sig = _DEFAULT_HASHER.signature_array(text)
    if sig is None:
        sig = np.zeros(_DEFAULT_HASHER.num_perm, dtype=np.uint16)
    return _DEFAULT_HASHER.encode(sig)


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two default-parameter fingerprints (0.0 if either is
    the fingerprint of an empty text)."""
    sig_a, sig_b = _DEFAULT_HASHER.decode(a), _DEFAULT_HASHER.decode(b)
    if not sig_a.any() or not sig_b.any():
        return 0.0
    return estimate_jaccard(sig_a, sig_b)
