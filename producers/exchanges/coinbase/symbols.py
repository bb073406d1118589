"""Coinbase product ids ('BTC-USD') <-> normalised pairs ('BTC-USD')."""

from __future__ import annotations

VENUE = "coinbase"


def normalise_pair(product_id: str) -> str:
    """A Coinbase product id as ``BASE-QUOTE``; Coinbase already spells pairs that way."""
    base, sep, quote = product_id.upper().partition("-")
    if not sep or not base or not quote or "-" in quote:
        raise ValueError(f"not a Coinbase product id: {product_id!r}")
    return f"{base}-{quote}"


def product_id(pair: str) -> str:
    """The Coinbase product id of a normalised pair."""
    return pair.upper()
