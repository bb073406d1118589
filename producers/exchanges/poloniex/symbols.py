"""Poloniex (v2 API) symbols ('BTC_USDT') <-> normalised pairs ('BTC-USDT')."""

from __future__ import annotations

VENUE = "poloniex"


def normalise_pair(symbol: str) -> str:
    """A Poloniex v2 symbol ``BASE_QUOTE`` as ``BASE-QUOTE``."""
    base, sep, quote = symbol.upper().partition("_")
    if not sep or not base or not quote or "_" in quote:
        raise ValueError(f"not a Poloniex symbol: {symbol!r}")
    return f"{base}-{quote}"


def venue_symbol(pair: str) -> str:
    """The Poloniex v2 symbol of a normalised pair."""
    return pair.upper().replace("-", "_")
