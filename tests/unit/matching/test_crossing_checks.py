"""The book crosses resting orders whenever it can, though the engine only looks when a cross may have begun.

The engine checks for a crossing book only after a delta that adds a level better than its side's best, after
an order rests or ends, after a snapshot, and on every delta while the book crosses; these pin the cases a
cheaper check could miss: a cross that outlives the size it used up, and one an order's arrival begins.
"""

from __future__ import annotations

from schemas.events import SCALE
from streams.matching.engine import MatchingEngine

P = SCALE


def test_a_cross_whose_size_was_used_up_fills_again_as_the_level_grows(mk):
    engine = MatchingEngine()
    mk.given(
        engine,
        mk.snapshot(bids=[(98 * P, P)], asks=[(102 * P, P)]),
        mk.accept("b", "buy", 2 * P, 100 * P),
    )
    first = mk.filled("b", 1, 100 * P, P, "maker", level_price=99 * P)
    assert engine.handle(mk.delta(("ask", 99 * P, P))) == [first]  # a new best ask: crossed, 1 of 2

    assert engine.handle(mk.delta(("bid", 97 * P, P))) == []  # elsewhere: nothing more to take
    second = mk.filled("b", 2, 100 * P, P, "maker", level_price=99 * P)
    # The same ask grows (no new level): the cross still holds and takes the new size.
    done = mk.done("b", "filled", [first, second])
    assert engine.handle(mk.delta(("ask", 99 * P, 2 * P))) == [second, done]


def test_a_sell_crossed_by_a_bid_that_grows_later(mk):
    engine = MatchingEngine()
    mk.given(
        engine,
        mk.snapshot(bids=[(98 * P, P)], asks=[(102 * P, P)]),
        mk.accept("s", "sell", 2 * P, 100 * P),
    )
    first = mk.filled("s", 1, 100 * P, P // 2, "maker", level_price=101 * P)
    assert engine.handle(mk.delta(("bid", 101 * P, P // 2))) == [first]
    assert engine.handle(mk.delta(("bid", 101 * P, P // 4))) == []  # shrinks: all of it was ours
    second = mk.filled("s", 2, 100 * P, 3 * P // 2, "maker", level_price=101 * P)
    done = mk.done("s", "filled", [first, second])
    assert engine.handle(mk.delta(("bid", 101 * P, 2 * P))) == [second, done]


def test_an_order_resting_on_a_crossing_level_fills_when_that_level_grows(mk):
    engine = MatchingEngine()
    taken = mk.given(
        engine,
        mk.snapshot(bids=[(99 * P, P)], asks=[(101 * P, P)]),
        mk.delta(("bid", 98 * P, P)),  # the book moves on after the snapshot
        mk.accept("ioc", "buy", P, 101 * P, order_type="ioc"),  # takes all of the ask at 101
        mk.accept("b", "buy", P, 101 * P),  # crosses that ask, all of it consumed: it rests
    )
    assert taken[-1] == mk.opened("b", 101 * P, P, P, 0)

    # The level grows without a new best ask: the order that rested there takes the new size.
    fill = mk.filled("b", 1, 101 * P, P // 2, "maker")
    assert engine.handle(mk.delta(("ask", 101 * P, 3 * P // 2))) == [fill]
