"""Fill-or-kill: the whole size within the limit at once, or nothing."""

from __future__ import annotations

from schemas.events import SCALE
from streams.matching.engine import MatchingEngine

P = SCALE


def test_fills_whole_when_the_liquidity_suffices(mk):
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(asks=[(101 * P, P), (102 * P, 3 * P // 2), (103 * P, 9 * P)]))

    outputs = engine.handle(mk.accept("o1", "buy", 2 * P, 102 * P, order_type="fok"))

    fills = [mk.filled("o1", 1, 101 * P, P, "taker"), mk.filled("o1", 2, 102 * P, P, "taker")]
    assert outputs == [*fills, mk.done("o1", "filled", fills)]


def test_is_killed_when_the_liquidity_within_the_limit_falls_short(mk):
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(asks=[(101 * P, P), (102 * P, P), (103 * P, 9 * P)]))

    outputs = engine.handle(mk.accept("o1", "buy", 3 * P, 102 * P, order_type="fok"))

    assert outputs == [mk.done("o1", "killed")]
    # A kill consumes nothing: the whole 2 is still there for the next taker.
    after = engine.handle(mk.accept("o2", "buy", 2 * P, 102 * P, order_type="fok"))
    assert [ev.size for ev in after[:-1]] == [P, P]
    assert after[-1].reason == "filled"


def test_counts_only_what_other_virtual_orders_left(mk):
    engine = MatchingEngine()
    mk.given(
        engine,
        mk.snapshot(asks=[(101 * P, 2 * P)]),
        mk.accept("other", "buy", P, 101 * P, order_type="ioc", run_id="run-2"),
    )

    outputs = engine.handle(mk.accept("o1", "buy", 2 * P, 101 * P, order_type="fok"))

    assert outputs == [mk.done("o1", "killed")]
