"""The ledger's one exception: a broken invariant (fail fast, never a business rejection)."""

from __future__ import annotations


class LedgerInvariantError(Exception):
    """An input that would break the ledger's invariants (overdraw, unknown order, ...)."""
