"""Bitfinex REST pair list (``conf/pub:list:pair:exchange``) -> ``MarketListed`` (pure).

That list holds only the names of the spot pairs. What it lacks gets a
default, so the ledger's checks pass through to the venue's own:

- ``price_increment`` 1 unit (1e-8): Bitfinex has no fixed tick, it rounds
  prices to 5 significant digits;
- ``size_increment`` 1 unit (1e-8), ``min_size`` 0 (no minimum known),
  ``max_size`` and ``min_notional`` ``None``.

The minimum/maximum order sizes live in ``conf/pub:info:pair``, which was not
captured; a parser for it can fill these in later.
"""

from __future__ import annotations

from producers.exchanges.bitfinex.symbols import VENUE, normalise_pair
from producers.exchanges.feed import decode, listing, shape_error
from schemas.events import MarketListed

DEFAULT_PRICE_INCREMENT = 1
DEFAULT_SIZE_INCREMENT = 1
DEFAULT_MIN_SIZE = 0


def parse_pair_list(raw: str | bytes, ts: int) -> list[MarketListed]:
    """The markets in a raw ``pub:list:pair:exchange`` response received at ``ts`` (µs)."""
    body = decode(raw)
    if not (isinstance(body, list) and len(body) == 1 and isinstance(body[0], list)):
        raise shape_error("expected [[pair, ...]]", body)
    try:
        pairs = sorted({normalise_pair(str(name)) for name in body[0]})
    except ValueError as exc:
        raise shape_error(f"bad Bitfinex pair list ({exc})", body) from exc
    return [market_listed(pair, ts) for pair in pairs]


def market_listed(pair: str, ts: int) -> MarketListed:
    """A Bitfinex pair with the defaults above."""
    return listing(VENUE, pair, ts, DEFAULT_PRICE_INCREMENT, DEFAULT_SIZE_INCREMENT, DEFAULT_MIN_SIZE)
