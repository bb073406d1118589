"""Value amounts in USD from mid prices: a direct rate, or one hop via BTC or USDT (pure).

``Valuer`` values a run's holdings at the mids ((bid + ask) // 2) of the listed books, directly or through
one hop; a book without both sides keeps its last mid.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Final, Literal

from schemas.events import SCALE, MarketListed

NoRoute = Literal["no_route"]
NO_ROUTE: Final[NoRoute] = "no_route"
"""The value of a currency no price connects to USD: explicit, never a silent zero."""

USD = "USD"
HOPS = ("BTC", "USDT")

Prices = Mapping[tuple[str, str], int]
"""(base, quote) -> fixed-point mid price of one base in quote."""

Rate = tuple[int, int]
"""An exact conversion factor as numerator, denominator."""


def rate(prices: Prices, base: str, quote: str) -> Rate | None:
    """One ``base`` in ``quote``: the (base, quote) mid, or the inverse of the (quote, base) mid."""
    direct = prices.get((base, quote))
    if direct is not None and direct > 0:
        return direct, SCALE
    inverse = prices.get((quote, base))
    if inverse is not None and inverse > 0:
        return SCALE, inverse
    return None


def route(prices: Prices, currency: str, target: str = USD, hops: tuple[str, ...] = HOPS
          ) -> Rate | None:
    """The first route from ``currency`` to ``target``: itself, direct, then via each hop in order."""
    if currency == target:
        return 1, 1
    direct = rate(prices, currency, target)
    if direct is not None:
        return direct
    for hop in hops:
        if hop in (currency, target):
            continue
        first, second = rate(prices, currency, hop), rate(prices, hop, target)
        if first is not None and second is not None:
            return first[0] * second[0], first[1] * second[1]
    return None


def value_in_usd(amounts: Mapping[str, int], prices: Prices) -> dict[str, int | NoRoute]:
    """Each currency's amount in fixed-point USD (rounded down, once), or ``NO_ROUTE``."""
    out: dict[str, int | NoRoute] = {}
    for currency in sorted(amounts):
        r = route(prices, currency)
        out[currency] = NO_ROUTE if r is None else amounts[currency] * r[0] // r[1]
    return out


MidOf = Callable[[str, str], int | None]
"""(venue, pair) -> the book's mid now, or None."""


class Valuer:
    """USD values at the mids of the listed books; the first venue (sorted) of a (base, quote) prices it."""

    def __init__(self, listings: Sequence[MarketListed]) -> None:
        chosen: dict[tuple[str, str], tuple[str, str]] = {}
        for listing in sorted(listings, key=lambda m: (m.venue, m.pair)):
            chosen.setdefault((listing.base, listing.quote), (listing.venue, listing.pair))
        self._books = sorted((venue, pair, base, quote) for (base, quote), (venue, pair) in chosen.items())
        self._last: dict[tuple[str, str], int] = {}

    def can_value(self, currency: str) -> bool:
        """Could ``currency`` be valued in USD once the books have prices?"""
        every = {(base, quote): 1 for _v, _p, base, quote in self._books}
        return route(every, currency) is not None

    def describe(self) -> str:
        return ", ".join(f"{v}:{p}" for v, p, _b, _q in self._books) or "nothing"

    def prices(self, mid_of: MidOf) -> dict[tuple[str, str], int]:
        """The (base, quote) -> mid prices now (last known mid for a book without both sides)."""
        last = self._last
        for venue, pair, base, quote in self._books:
            mid = mid_of(venue, pair)
            if mid is not None:
                last[(base, quote)] = mid
        return last

    @staticmethod
    def usd(amounts: Mapping[str, int], prices: Mapping[tuple[str, str], int]) -> int | None:
        """Total fixed-point USD value, or None if a non-zero amount has no price route yet."""
        held = {c: n for c, n in amounts.items() if n}
        if set(held) <= {USD}:
            return held.get(USD, 0)
        total = 0
        for value in value_in_usd(held, prices).values():
            if isinstance(value, str):  # NO_ROUTE
                return None
            total += value
        return total
