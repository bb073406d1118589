"""Post-only: rejected if it would take, otherwise it rests as a maker."""

from __future__ import annotations

from schemas.events import SCALE
from streams.matching.engine import MatchingEngine

P = SCALE


def test_is_rejected_when_it_would_take(mk):
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(bids=[(99 * P, P)], asks=[(101 * P, P)]))

    outputs = engine.handle(mk.accept("o1", "buy", P, 101 * P, post_only=True))

    assert outputs == [mk.done("o1", "post_only_rejected")]
    assert mk.book(engine).available(1, 101 * P) == P


def test_rests_when_it_would_not_take(mk):
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(bids=[(99 * P, 2 * P)], asks=[(101 * P, P)]))

    outputs = engine.handle(mk.accept("o1", "buy", P, 99 * P, post_only=True))

    assert outputs == [mk.opened("o1", 99 * P, P, remaining=P, queue_ahead=2 * P)]


def test_rests_when_the_crossed_level_is_already_consumed(mk):
    engine = MatchingEngine()
    mk.given(
        engine,
        mk.snapshot(bids=[(99 * P, P)], asks=[(101 * P, P)]),
        mk.accept("other", "buy", P, 101 * P, order_type="ioc", run_id="run-2"),
    )

    outputs = engine.handle(mk.accept("o1", "buy", P, 101 * P, post_only=True))

    assert outputs == [mk.opened("o1", 101 * P, P, remaining=P, queue_ahead=0)]
