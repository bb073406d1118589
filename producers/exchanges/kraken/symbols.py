"""Kraken websocket pair names ('XBT/USD') <-> normalised pairs ('BTC-USD').

Kraken's websocket uses its own codes for two currencies: XBT (bitcoin) and
XDG (dogecoin); both are translated to the common codes.
"""

from __future__ import annotations

VENUE = "kraken"

ALIASES: dict[str, str] = {"XBT": "BTC", "XDG": "DOGE"}
_REVERSE = {common: venue for venue, common in ALIASES.items()}


def normalise_pair(name: str) -> str:
    """A Kraken websocket pair name ``BASE/QUOTE`` as ``BASE-QUOTE``."""
    base, sep, quote = name.upper().partition("/")
    if not sep or not base or not quote or "/" in quote:
        raise ValueError(f"not a Kraken websocket pair: {name!r}")
    return f"{ALIASES.get(base, base)}-{ALIASES.get(quote, quote)}"


def ws_pair(pair: str) -> str:
    """The Kraken websocket pair name of a normalised pair."""
    base, _, quote = pair.upper().partition("-")
    return f"{_REVERSE.get(base, base)}/{_REVERSE.get(quote, quote)}"
