"""Resting orders fill when the real market trades through their price, whatever their queue."""

from __future__ import annotations

from schemas.events import SCALE
from streams.matching.engine import MatchingEngine

P = SCALE


def _book(mk, engine):
    # 5 displayed at 100: a buy there would wait behind them.
    mk.given(engine, mk.snapshot(bids=[(100 * P, 5 * P), (99 * P, P)], asks=[(102 * P, P)]))


def test_a_trade_below_a_resting_buy_fills_it_at_its_own_price(mk):
    engine = MatchingEngine()
    _book(mk, engine)
    assert mk.given(engine, mk.accept("o1", "buy", 2 * P, 100 * P)) == [
        mk.opened("o1", 100 * P, 2 * P, remaining=2 * P, queue_ahead=5 * P)
    ]

    outputs = engine.handle(mk.trade(99 * P, P, "sell"))

    assert outputs == [mk.filled("o1", 1, 100 * P, P, "maker", level_price=100 * P)]


def test_a_trade_above_a_resting_sell_fills_it(mk):
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(bids=[(98 * P, P)], asks=[(101 * P, 5 * P)]))
    mk.given(engine, mk.accept("o1", "sell", P, 101 * P))

    outputs = engine.handle(mk.trade(102 * P, 3 * P, "buy"))

    fill = mk.filled("o1", 1, 101 * P, P, "maker")
    assert outputs == [fill, mk.done("o1", "filled", [fill])]


def test_a_trade_on_the_other_side_does_not_fill(mk):
    engine = MatchingEngine()
    _book(mk, engine)
    mk.given(engine, mk.accept("o1", "buy", P, 100 * P))

    assert engine.handle(mk.trade(99 * P, P, "buy")) == []  # a buyer lifted an ask at 99


def test_a_trade_at_a_worse_price_does_not_fill(mk):
    engine = MatchingEngine()
    _book(mk, engine)
    mk.given(engine, mk.accept("o1", "buy", P, 99 * P))

    assert engine.handle(mk.trade(100 * P, 9 * P, "sell")) == []


def test_an_unknown_taker_side_reaches_both_sides(mk):
    engine = MatchingEngine()
    mk.given(
        engine,
        mk.snapshot(bids=[(95 * P, P)], asks=[(105 * P, P)]),
        mk.accept("buy", "buy", P, 101 * P),
        mk.accept("sell", "sell", P, 99 * P),
    )

    outputs = engine.handle(mk.trade(100 * P, 2 * P, None))

    buy = mk.filled("buy", 1, 101 * P, P, "maker")
    sell = mk.filled("sell", 1, 99 * P, P, "maker")
    assert outputs == [buy, mk.done("buy", "filled", [buy]), sell, mk.done("sell", "filled", [sell])]


def test_the_printed_size_is_shared_never_reused(mk):
    engine = MatchingEngine()
    mk.given(
        engine,
        mk.snapshot(bids=[(95 * P, P)], asks=[(105 * P, P)]),
        mk.accept("a", "buy", P, 101 * P, run_id="run-1"),
        mk.accept("b", "buy", P, 100 * P, run_id="run-2"),
    )

    outputs = engine.handle(mk.trade(99 * P, 3 * P // 2, "sell"))

    a = mk.filled("a", 1, 101 * P, P, "maker")
    assert outputs == [a, mk.done("a", "filled", [a]), mk.filled("b", 1, 100 * P, P // 2, "maker")]
