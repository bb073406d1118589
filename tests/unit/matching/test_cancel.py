"""Cancel requests: an open order ends 'cancelled'; unknown or finished ones are rejected."""

from __future__ import annotations

from schemas.events import SCALE
from streams.matching.engine import MatchingEngine

P = SCALE


def test_an_open_order_is_cancelled_with_what_it_filled(mk):
    engine = MatchingEngine()
    given = mk.given(
        engine,
        mk.snapshot(bids=[(98 * P, P)], asks=[(101 * P, P)]),
        mk.accept("o1", "buy", 3 * P, 101 * P),
    )
    fill = mk.filled("o1", 1, 101 * P, P, "taker")
    assert given[1:] == [fill, mk.opened("o1", 101 * P, 3 * P, remaining=2 * P, queue_ahead=0)]

    outputs = engine.handle(mk.cancel("o1", ts=mk.T0 + 7))

    assert outputs == [mk.done("o1", "cancelled", [fill], ts=mk.T0 + 7)]


def test_a_cancelled_order_fills_no_more(mk):
    engine = MatchingEngine()
    mk.given(
        engine,
        mk.snapshot(bids=[(98 * P, P)], asks=[(102 * P, P)]),
        mk.accept("o1", "buy", P, 100 * P),
        mk.cancel("o1"),
    )

    assert engine.handle(mk.trade(99 * P, P, "sell")) == []
    assert engine.handle(mk.delta(("ask", 100 * P, P))) == []


def test_an_unknown_order_is_rejected(mk):
    engine = MatchingEngine()
    cancel = mk.cancel("nope")

    assert engine.handle(cancel) == [mk.cancel_rejected(cancel, "unknown_order")]


def test_a_finished_order_is_rejected(mk):
    engine = MatchingEngine()
    mk.given(
        engine,
        mk.snapshot(asks=[(101 * P, P)]),
        mk.accept("o1", "buy", P, 101 * P),
    )
    cancel = mk.cancel("o1")

    assert engine.handle(cancel) == [mk.cancel_rejected(cancel, "order_already_done")]


def test_a_second_cancel_of_the_same_order_is_rejected(mk):
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(asks=[(101 * P, P)]), mk.accept("o1", "buy", P, 100 * P))
    first, second = mk.cancel("o1"), mk.cancel("o1")

    assert engine.handle(first) == [mk.done("o1", "cancelled")]
    assert engine.handle(second) == [mk.cancel_rejected(second, "order_already_done")]
