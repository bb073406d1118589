"""Time priority: among virtual orders at one price, the earlier one fills first."""

from __future__ import annotations

from schemas.events import SCALE
from streams.matching.engine import MatchingEngine

P = SCALE


def test_a_trade_at_the_price_fills_the_earlier_order_first(mk):
    engine = MatchingEngine()
    mk.given(
        engine,
        mk.snapshot(bids=[(98 * P, P)], asks=[(102 * P, P)]),
        mk.accept("first", "buy", P, 100 * P),
        mk.accept("second", "buy", P, 100 * P),
    )

    outputs = engine.handle(mk.trade(100 * P, 3 * P // 2, "sell"))

    first = mk.filled("first", 1, 100 * P, P, "maker")
    assert outputs == [
        first,
        mk.done("first", "filled", [first]),
        mk.filled("second", 1, 100 * P, P // 2, "maker"),
    ]


def test_a_crossing_book_fills_the_earlier_order_first(mk):
    engine = MatchingEngine()
    mk.given(
        engine,
        mk.snapshot(bids=[(98 * P, P)], asks=[(102 * P, P)]),
        mk.accept("first", "sell", P, 100 * P),
        mk.accept("second", "sell", P, 100 * P),
    )

    outputs = engine.handle(mk.delta(("bid", 100 * P, P)))

    first = mk.filled("first", 1, 100 * P, P, "maker")
    assert outputs == [first, mk.done("first", "filled", [first])]
