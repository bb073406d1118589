"""Value amounts in USD from mid prices: a direct rate, or one hop via BTC or USDT (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal

from schemas.events import SCALE

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
