"""Child orders: best venue after fees, a fraction of the touch, increments, minimums, funds."""

from __future__ import annotations

from schemas.events import Level
from strategies.efficient_frontier.slicing import (
    Child,
    VenueQuote,
    best_venue,
    child_order,
    min_trade_usd,
)
from streams.ledger.markets import MarketRules

P = 100_000_000


def quote(venue: str = "a", bid: int = 9_000, ask: int = 9_001, size: int = P, fee_bps: int = 20,
          min_size: int = 100_000, min_notional: int | None = None) -> VenueQuote:
    rules = MarketRules(venue, "BTC-USD", "BTC", "USD", P // 100, 1_000, min_size, None, min_notional)
    return VenueQuote(venue, "BTC-USD", Level(bid * P, size), Level(ask * P, size), rules, fee_bps)


def test_routes_to_the_best_price_after_fees() -> None:
    cheap_but_costly = quote("a", ask=9_000, fee_bps=60)  # 9054 with fees
    dearer_but_cheap = quote("b", ask=9_010, fee_bps=10)  # 9019.01 with fees
    assert best_venue("buy", [cheap_but_costly, dearer_but_cheap]) is dearer_but_cheap
    high_bid = quote("a", bid=9_020, fee_bps=60)  # 8965.88 net
    low_bid = quote("b", bid=9_000, fee_bps=10)  # 8991 net
    assert best_venue("sell", [high_bid, low_bid]) is low_bid
    assert best_venue("buy", []) is None


def test_a_child_is_a_fraction_of_the_touch_with_a_protection_bound() -> None:
    child = child_order("buy", 100_000 * P, quote(), slice_fraction=0.25, slippage_bps=20,
                        funds=1_000_000 * P)
    # a quarter of 1 BTC; limit 9001 + 20 bps = 9019.002 -> up to the cent
    assert child == Child("a", "BTC-USD", "buy", 25_000_000, 901_901 * P // 100)
    sell = child_order("sell", 100_000 * P, quote(), slice_fraction=0.25, slippage_bps=20, funds=10 * P)
    assert sell == Child("a", "BTC-USD", "sell", 25_000_000, 898_200 * P // 100)  # 9000 - 20 bps


def test_a_child_never_exceeds_what_is_left_or_the_funds() -> None:
    small = child_order("buy", 900 * P, quote(), slice_fraction=0.25, slippage_bps=0, funds=10**6 * P)
    assert small is not None and small.size == 9_998_000  # 900 / 9001, down to 1e-5
    poor = child_order("buy", 100_000 * P, quote(), slice_fraction=0.25, slippage_bps=0, funds=451 * P)
    # 451 USD pays 451 / (9001 * 1.002) = 0.050005 BTC
    assert poor is not None and poor.size == 5_000_000
    held = child_order("sell", 100_000 * P, quote(), slice_fraction=0.25, slippage_bps=0, funds=1_234_567)
    assert held is not None and held.size == 1_234_000


def test_minimum_size_and_notional() -> None:
    thin = quote(size=200_000)  # 0.002 BTC shown: a quarter is under the 0.001 minimum
    child = child_order("buy", 1_000 * P, thin, slice_fraction=0.25, slippage_bps=0, funds=10**6 * P)
    assert child is not None and child.size == 100_000  # the minimum, since the touch shows it
    assert child_order("buy", 5 * P, quote(), slice_fraction=0.25, slippage_bps=0, funds=10**6 * P) is None
    assert child_order("buy", 1_000 * P, quote(size=50_000), slice_fraction=1.0, slippage_bps=0,
                       funds=10**6 * P) is None
    assert child_order("buy", 1_000 * P, quote(min_notional=2_000 * P), slice_fraction=0.1,
                       slippage_bps=0, funds=10**6 * P) is None
    assert min_trade_usd(quote()) == 900_100_000  # 0.001 BTC at the 9001 ask: 9.001 USD
