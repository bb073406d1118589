"""Routing a trade to the best venue and cutting it into child orders (pure, fixed-point).

A child order is an immediate-or-cancel order at the touch with a protection bound
``slippage_bps`` beyond it. Its size is at most ``slice_fraction`` of the size displayed at
the touch, at most what is left of the trade, what the funds pay for (fees included for a
buy), and the market's maximum; it is rounded down to the size increment and never below
the minimum size (nor the minimum notional): then no child is made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from schemas.events import SCALE, Level
from strategies.pricing import moved, round_down, round_up
from streams.ledger.markets import MarketRules
from streams.money import BPS, notional


@dataclass(frozen=True, slots=True)
class VenueQuote:
    """The touch of one market, its rules and the fee a taker order pays there."""

    venue: str
    pair: str
    bid: Level | None
    ask: Level | None
    rules: MarketRules
    fee_bps: int


@dataclass(frozen=True, slots=True)
class Child:
    venue: str
    pair: str
    side: str
    size: int
    limit: int


def effective_price(quote: VenueQuote, side: str) -> int | None:
    """What a unit costs (buy) or brings (sell) at the touch, after the taker fee."""
    touch = quote.ask if side == "buy" else quote.bid
    if touch is None:
        return None
    sign = 1 if side == "buy" else -1
    return touch.price + sign * touch.price * quote.fee_bps // BPS


def best_venue(side: str, quotes: Sequence[VenueQuote]) -> VenueQuote | None:
    """The market with the best price after fees for ``side`` (ties: the first venue by name)."""
    priced = [(p, q.venue, q) for q in quotes if (p := effective_price(q, side)) is not None]
    if not priced:
        return None
    if side == "buy":
        return min(priced, key=lambda x: (x[0], x[1]))[2]
    return min(priced, key=lambda x: (-x[0], x[1]))[2]


def child_order(side: str, usd: int, quote: VenueQuote, *, slice_fraction: float, slippage_bps: int,
                funds: int) -> Child | None:
    """The next child of a trade worth ``usd`` on ``quote``'s market, or None if none can be made.

    ``funds``: the available quote currency for a buy, the available base for a sell.
    """
    rules = quote.rules
    touch = quote.ask if side == "buy" else quote.bid
    if touch is None or touch.price <= 0 or usd <= 0 or funds <= 0:
        return None
    if side == "buy":
        limit = round_up(moved(touch.price, slippage_bps), rules.price_increment)
        affordable = funds * SCALE * BPS // (limit * (BPS + quote.fee_bps))
    else:
        limit = max(round_down(moved(touch.price, -slippage_bps), rules.price_increment),
                    rules.price_increment)
        affordable = funds
    wanted = usd * SCALE // touch.price
    hard_cap = min(wanted, affordable, touch.size, rules.max_size or wanted)
    size = round_down(min(hard_cap, int(touch.size * slice_fraction)), rules.size_increment)
    smallest = round_up(rules.min_size, rules.size_increment)
    if size < smallest:
        if smallest > hard_cap:
            return None
        size = smallest  # a slice under the minimum size: the minimum, if the touch shows it
    if rules.min_notional is not None and notional(touch.price, size) < rules.min_notional:
        return None
    return Child(quote.venue, quote.pair, side, size, limit)


def min_trade_usd(quote: VenueQuote) -> int:
    """The smallest value one order can trade on this market at its touch (min size, min notional)."""
    touch = quote.ask or quote.bid
    if touch is None:
        return 0
    smallest = notional(touch.price, round_up(quote.rules.min_size, quote.rules.size_increment))
    return max(smallest, quote.rules.min_notional or 0)
