"""Envelope encryption of personal data, blind indexes and key rotation."""
