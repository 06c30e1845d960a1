"""The append-only, tamper-evident work ledger: a Merkle tree with signed checkpoints."""
