"""Pure-Python analysis for jubao: nothing in this package imports Django.

Modules: `pii` (personal-information detection), `abuse` (offensive-language classifier),
`dedup` (near-duplicate text, image hashes, URL canonicalisation), `propagation` (cascade roles
and reach), `coordination` (water-army groups) and `spikes` (surge detection).
"""
