"""Amounts in USD from quotes (pure): direct, or one hop via BTC or USDT, or no route.

The routing itself is the ledger's valuation (``streams.ledger.valuation``):
one rule for what wallets are worth and what the market view quotes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from streams.ledger.valuation import NO_ROUTE, USD, NoRoute, Prices, route
from streams.market.books import Quote

__all__ = ["NO_ROUTE", "USD", "NoRoute", "prices_from_quotes", "to_usd"]


def prices_from_quotes(quotes: Iterable[Quote], venues: Sequence[str] = ()) -> dict[tuple[str, str], int]:
    """(base, quote) -> mid price, from two-sided quotes of pairs named ``BASE-QUOTE``.

    Where several venues quote a pair, the first in ``venues`` wins, then the
    others in alphabetical order: a stated preference, never arrival order.
    """
    rank = {v: i for i, v in enumerate(venues)}
    best: dict[tuple[str, str], tuple[tuple[int, str], int]] = {}
    for q in quotes:
        mid = q.mid
        base, sep, quote = q.pair.partition("-")
        if mid is None or mid <= 0 or not sep:
            continue
        order = (rank.get(q.venue, len(rank)), q.venue)
        if (base, quote) not in best or order < best[(base, quote)][0]:
            best[(base, quote)] = (order, mid)
    return {k: v for k, (_, v) in sorted(best.items())}


def to_usd(amount: int, currency: str, prices: Prices) -> int | NoRoute:
    """``amount`` of ``currency`` (fixed point) in fixed-point USD, rounded down; or ``NO_ROUTE``."""
    r = route(prices, currency, USD)
    return NO_ROUTE if r is None else amount * r[0] // r[1]
