"""Immediate-or-cancel: fill up to the limit now, cancel the rest, never rest."""

from __future__ import annotations

from schemas.events import SCALE
from streams.matching.engine import MatchingEngine

P = SCALE


def test_fills_up_to_the_limit_and_cancels_the_rest(mk):
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(asks=[(101 * P, P), (102 * P, P)]))

    outputs = engine.handle(mk.accept("o1", "buy", 3 * P, 101 * P, order_type="ioc"))

    fill = mk.filled("o1", 1, 101 * P, P, "taker")
    assert outputs == [fill, mk.done("o1", "ioc_remainder_cancelled", [fill])]


def test_fully_filled_ends_filled(mk):
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(asks=[(101 * P, 2 * P)]))

    outputs = engine.handle(mk.accept("o1", "buy", P, 101 * P, order_type="ioc"))

    fill = mk.filled("o1", 1, 101 * P, P, "taker")
    assert outputs == [fill, mk.done("o1", "filled", [fill])]


def test_nothing_within_the_limit_ends_at_once_and_never_rests(mk):
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(bids=[(99 * P, P)], asks=[(101 * P, P)]))

    outputs = engine.handle(mk.accept("o1", "buy", P, 100 * P, order_type="ioc"))
    later = engine.handle(mk.trade(99 * P, P, "sell"))  # would have filled a resting order

    assert outputs == [mk.done("o1", "ioc_remainder_cancelled")]
    assert later == []
