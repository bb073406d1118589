"""A fill whose value (or fee) would pass MAX_UNITS is never made: the order ends with
``value_out_of_range`` and the book keeps its liquidity. Every output then fits the wire."""

from __future__ import annotations

from schemas.codec import encode
from schemas.events import MAX_UNITS, SCALE, Event
from streams.matching.engine import MatchingEngine

P = SCALE
HUGE = MAX_UNITS // 1000 // P * P  # a price of ~92 million: 1000 units of size are worth too much


def all_encode(outputs: list[Event]) -> None:
    for out in outputs:
        encode(out)


def test_a_taker_fill_past_the_range_ends_the_order_and_leaves_the_book(mk):
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(bids=[(P, P)], asks=[(HUGE, 2000 * P)]))

    outputs = engine.handle(mk.accept("o1", "buy", 2000 * P, HUGE, order_type="ioc"))

    assert outputs == [mk.done("o1", "value_out_of_range")]
    all_encode(outputs)
    assert mk.book(engine).available(1, HUGE) == 2000 * P


def test_fills_within_the_range_are_made_before_the_one_that_would_pass_it(mk):
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(bids=[(P, P)], asks=[(HUGE // 2, 10 * P), (HUGE, 2000 * P)]))

    outputs = engine.handle(mk.accept("o1", "buy", 2000 * P, HUGE, order_type="market"))

    fill = mk.filled("o1", 1, HUGE // 2, 10 * P, "taker")
    assert outputs == [fill, mk.done("o1", "value_out_of_range", [fill])]
    all_encode(outputs)


def test_a_resting_order_a_trade_would_fill_past_the_range_ends(mk):
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(bids=[(P, P)], asks=[(HUGE + P, P)]),
             mk.accept("o1", "sell", 2000 * P, HUGE))

    outputs = engine.handle(mk.trade(HUGE + P, 2000 * P, "buy"))

    assert outputs == [mk.done("o1", "value_out_of_range")]
    all_encode(outputs)


def test_a_resting_order_a_crossing_book_would_fill_past_the_range_ends(mk):
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(bids=[(P, P)], asks=[(HUGE + P, P)]),
             mk.accept("o1", "buy", 2000 * P, HUGE))

    outputs = engine.handle(mk.delta(("ask", HUGE, 2000 * P)))

    assert outputs == [mk.done("o1", "value_out_of_range")]
    all_encode(outputs)
    assert mk.book(engine).available(1, HUGE) == 2000 * P
