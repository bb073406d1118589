"""Price priority: takers walk the book from the best price; better-priced virtual orders fill first."""

from __future__ import annotations

from schemas.events import SCALE
from streams.matching.engine import MatchingEngine

P = SCALE


def test_a_taker_walks_from_the_best_level_never_beyond_its_limit(mk):
    engine = MatchingEngine()
    mk.given(
        engine,
        mk.snapshot(bids=[(99 * P, P)], asks=[(103 * P, 5 * P), (101 * P, P), (102 * P, P)]),
    )

    outputs = engine.handle(mk.accept("o1", "buy", 3 * P, 102 * P, order_type="ioc"))

    fills = [mk.filled("o1", 1, 101 * P, P, "taker"), mk.filled("o1", 2, 102 * P, P, "taker")]
    assert outputs == [*fills, mk.done("o1", "ioc_remainder_cancelled", fills)]


def test_a_seller_walks_the_bids_downwards(mk):
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(bids=[(98 * P, P), (99 * P, P)], asks=[(101 * P, P)]))

    outputs = engine.handle(mk.accept("o1", "sell", 2 * P, 98 * P, order_type="ioc"))

    fills = [mk.filled("o1", 1, 99 * P, P, "taker"), mk.filled("o1", 2, 98 * P, P, "taker")]
    assert outputs == [*fills, mk.done("o1", "filled", fills)]


def test_the_better_priced_resting_order_fills_first_even_if_later(mk):
    engine = MatchingEngine()
    mk.given(
        engine,
        mk.snapshot(bids=[(97 * P, P)], asks=[(105 * P, P)]),
        mk.accept("early", "buy", P, 99 * P),
        mk.accept("better", "buy", P, 100 * P),
    )

    outputs = engine.handle(mk.trade(98 * P, P, "sell"))

    fill = mk.filled("better", 1, 100 * P, P, "maker")
    assert outputs == [fill, mk.done("better", "filled", [fill])]
