"""Bitfinex trading symbols ('tBTCUSD', 'tAAVE:USD') <-> normalised pairs ('BTC-USD', 'AAVE-USD').

Bitfinex writes a pair as two three-letter codes run together, or with a colon
when either code is longer. A few codes differ from the common ticker; only the
aliases listed in ``ALIASES`` are translated (``UST`` is Tether, ``USDT``).
"""

from __future__ import annotations

VENUE = "bitfinex"

ALIASES: dict[str, str] = {"UST": "USDT"}
_REVERSE = {common: venue for venue, common in ALIASES.items()}


def normalise_currency(code: str) -> str:
    """A Bitfinex currency code in its common spelling."""
    upper = code.upper()
    return ALIASES.get(upper, upper)


def normalise_pair(symbol: str) -> str:
    """A Bitfinex trading symbol (with or without the leading 't') as ``BASE-QUOTE``."""
    body = symbol[1:] if symbol.startswith("t") else symbol
    if ":" in body:
        base, _, quote = body.partition(":")
    elif len(body) == 6:
        base, quote = body[:3], body[3:]
    else:
        raise ValueError(f"not a Bitfinex trading pair: {symbol!r}")
    if not base or not quote or ":" in quote or not (base + quote).isalnum():
        raise ValueError(f"not a Bitfinex trading pair: {symbol!r}")
    return f"{normalise_currency(base)}-{normalise_currency(quote)}"


def trading_symbol(pair: str) -> str:
    """The Bitfinex trading symbol ('tBTCUSD') of a normalised pair."""
    base, _, quote = pair.upper().partition("-")
    base, quote = _REVERSE.get(base, base), _REVERSE.get(quote, quote)
    if len(base) == 3 and len(quote) == 3:
        return f"t{base}{quote}"
    return f"t{base}:{quote}"
