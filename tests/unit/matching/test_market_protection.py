"""Market orders never trade beyond their protection price; the rest is cancelled."""

from __future__ import annotations

from schemas.events import SCALE
from streams.matching.engine import MatchingEngine

P = SCALE


def test_stops_at_the_protection_price(mk):
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(asks=[(101 * P, P), (102 * P, P), (103 * P, 5 * P)]))

    outputs = engine.handle(mk.accept("o1", "buy", 5 * P, 102 * P, order_type="market"))

    fills = [mk.filled("o1", 1, 101 * P, P, "taker"), mk.filled("o1", 2, 102 * P, P, "taker")]
    assert outputs == [*fills, mk.done("o1", "market_remainder_cancelled", fills)]


def test_a_sell_stops_at_its_protection_price(mk):
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(bids=[(99 * P, P), (97 * P, 5 * P)]))

    outputs = engine.handle(mk.accept("o1", "sell", 2 * P, 98 * P, order_type="market"))

    fills = [mk.filled("o1", 1, 99 * P, P, "taker")]
    assert outputs == [*fills, mk.done("o1", "market_remainder_cancelled", fills)]


def test_filled_within_the_protection_ends_filled(mk):
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(asks=[(101 * P, P), (102 * P, P)]))

    outputs = engine.handle(mk.accept("o1", "buy", 2 * P, 110 * P, order_type="market"))

    fills = [mk.filled("o1", 1, 101 * P, P, "taker"), mk.filled("o1", 2, 102 * P, P, "taker")]
    assert outputs == [*fills, mk.done("o1", "filled", fills)]


def test_no_protection_price_walks_the_whole_book(mk):
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(asks=[(101 * P, P), (500 * P, P)]))

    outputs = engine.handle(mk.accept("o1", "buy", 3 * P, None, order_type="market"))

    fills = [mk.filled("o1", 1, 101 * P, P, "taker"), mk.filled("o1", 2, 500 * P, P, "taker")]
    assert outputs == [*fills, mk.done("o1", "market_remainder_cancelled", fills)]
