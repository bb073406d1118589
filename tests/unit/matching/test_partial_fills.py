"""Partial fills: one fill per level, the rest rests, later fills complete it."""

from __future__ import annotations

from schemas.events import SCALE
from streams.matching.engine import MatchingEngine

P = SCALE


def test_a_limit_order_takes_what_it_can_and_rests_the_rest(mk):
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(bids=[(98 * P, P)], asks=[(101 * P, P), (102 * P, P), (103 * P, P)]))

    outputs = engine.handle(mk.accept("o1", "buy", 3 * P, 102 * P))

    assert outputs == [
        mk.filled("o1", 1, 101 * P, P, "taker"),
        mk.filled("o1", 2, 102 * P, P, "taker"),
        mk.opened("o1", 102 * P, 3 * P, remaining=P, queue_ahead=0),
    ]


def test_later_fills_complete_it_and_done_sums_them(mk):
    engine = MatchingEngine()
    given = mk.given(
        engine,
        mk.snapshot(bids=[(98 * P, P)], asks=[(101 * P, P), (103 * P, P)]),
        mk.accept("o1", "buy", 3 * P, 102 * P),
    )
    taker = mk.filled("o1", 1, 101 * P, P, "taker")
    assert given[1:] == [taker, mk.opened("o1", 102 * P, 3 * P, remaining=2 * P, queue_ahead=0)]

    first = engine.handle(mk.trade(102 * P, 2 * P // 5, "sell"))
    last = engine.handle(mk.trade(102 * P, 2 * P, "sell"))

    second = mk.filled("o1", 2, 102 * P, 2 * P // 5, "maker")
    third = mk.filled("o1", 3, 102 * P, 8 * P // 5, "maker")
    assert first == [second]
    assert last == [third, mk.done("o1", "filled", [taker, second, third])]


def test_the_average_price_is_size_weighted_and_rounded_down(mk):
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(asks=[(101 * P, P), (102 * P, 2 * P)]))

    outputs = engine.handle(mk.accept("o1", "buy", 3 * P, 102 * P, order_type="ioc"))

    done = outputs[-1]
    assert done.filled_size == 3 * P
    assert done.avg_price == (101 * P * P + 102 * P * 2 * P) // (3 * P) == 10166666666
