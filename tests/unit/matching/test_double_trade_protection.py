"""Double-trade protection: no two virtual orders, of any runs, fill against the same displayed size."""

from __future__ import annotations

from schemas.events import SCALE
from streams.matching.book import ASK
from streams.matching.engine import MatchingEngine

P = SCALE


def _taken_by_run_1(mk, engine):
    mk.given(
        engine,
        mk.snapshot(bids=[(99 * P, P)], asks=[(101 * P, P), (102 * P, P)]),
        mk.accept("r1", "buy", P, 101 * P, order_type="ioc", run_id="run-1"),
    )


def _run_2_tries(mk, engine, order_id="r2"):
    return engine.handle(mk.accept(order_id, "buy", P, 101 * P, order_type="ioc", run_id="run-2"))


def test_another_run_cannot_take_the_same_displayed_size(mk):
    engine = MatchingEngine()
    _taken_by_run_1(mk, engine)

    assert _run_2_tries(mk, engine) == [mk.done("r2", "ioc_remainder_cancelled")]
    assert mk.book(engine).available(ASK, 101 * P) == 0


def test_consumed_size_is_worked_off_only_as_the_level_shrinks(mk):
    engine = MatchingEngine()
    _taken_by_run_1(mk, engine)

    mk.given(engine, mk.delta(("ask", 101 * P, 2 * P // 5)))  # shrinks by 0.6: 0.4 still ours
    assert _run_2_tries(mk, engine, "r2a") == [mk.done("r2a", "ioc_remainder_cancelled")]

    mk.given(engine, mk.delta(("ask", 101 * P, 7 * P // 5)))  # grows by 1: that 1 is new
    outputs = _run_2_tries(mk, engine, "r2b")
    fill = mk.filled("r2b", 1, 101 * P, P, "taker")
    assert outputs == [fill, mk.done("r2b", "filled", [fill])]


def test_consumed_size_goes_with_the_level(mk):
    engine = MatchingEngine()
    _taken_by_run_1(mk, engine)

    mk.given(engine, mk.delta(("ask", 101 * P, 0)), mk.delta(("ask", 101 * P, P)))

    outputs = _run_2_tries(mk, engine)
    fill = mk.filled("r2", 1, 101 * P, P, "taker")
    assert outputs == [fill, mk.done("r2", "filled", [fill])]


def test_a_snapshot_keeps_consumed_size_it_still_displays(mk):
    engine = MatchingEngine()
    _taken_by_run_1(mk, engine)

    mk.given(engine, mk.snapshot(bids=[(99 * P, P)], asks=[(101 * P, 3 * P // 2)]))

    # The snapshot shows 1.5 (grown by 0.5): only the 0.5 is new.
    outputs = _run_2_tries(mk, engine)
    fill = mk.filled("r2", 1, 101 * P, P // 2, "taker")
    assert outputs == [fill, mk.done("r2", "ioc_remainder_cancelled", [fill])]


def test_a_snapshot_without_the_level_clears_it(mk):
    engine = MatchingEngine()
    _taken_by_run_1(mk, engine)

    mk.given(engine, mk.snapshot(bids=[(99 * P, P)], asks=[(102 * P, P)]))
    mk.given(engine, mk.delta(("ask", 101 * P, P)))

    assert mk.book(engine).available(ASK, 101 * P) == P


def test_a_crossing_fill_consumes_the_level_too(mk):
    engine = MatchingEngine()
    mk.given(
        engine,
        mk.snapshot(bids=[(99 * P, P)], asks=[(102 * P, P)]),
        mk.accept("r1", "buy", P, 101 * P, run_id="run-1"),
    )

    crossed = engine.handle(mk.delta(("ask", 100 * P, P)))

    fill = mk.filled("r1", 1, 101 * P, P, "maker", level_price=100 * P)
    assert crossed == [fill, mk.done("r1", "filled", [fill])]
    assert _run_2_tries(mk, engine) == [mk.done("r2", "ioc_remainder_cancelled")]


def test_an_order_kept_from_consumed_size_is_a_refusal_the_engine_notes(mk):
    """The agent's metrics count consumed-liquidity refusals from the engine's note on each acceptance."""
    engine = MatchingEngine()
    _taken_by_run_1(mk, engine)
    assert engine.refused is False  # run 1 took displayed size nobody had consumed

    _run_2_tries(mk, engine)
    assert engine.refused is True  # 101 was within its limit, all consumed: nothing filled

    engine.handle(mk.accept("r3", "buy", P, 101 * P, order_type="fok", run_id="run-3"))
    assert engine.refused is True  # killed: it would have filled whole on the displayed size


def test_an_order_that_fills_whole_or_never_reaches_consumed_size_is_no_refusal(mk):
    engine = MatchingEngine()
    _taken_by_run_1(mk, engine)

    engine.handle(mk.accept("r2", "buy", P, 102 * P, order_type="ioc", run_id="run-2"))
    assert engine.refused is False  # passed the consumed 101, filled whole at 102

    engine.handle(mk.accept("r3", "buy", P, 100 * P, order_type="ioc", run_id="run-3"))
    assert engine.refused is False  # its limit is below the consumed level: it could never take it

    engine.handle(mk.accept("r4", "sell", P, 99 * P, order_type="ioc", run_id="run-4"))
    assert engine.refused is False  # the bids: nothing consumed there
