"""Queue position: a resting order waits behind the displayed size at its price.

Sharing rule under test: a trade of size T at the order's price shrinks every
queue ahead there by T; an order fills with what of T gets past its queue
ahead and the virtual orders before it. The book update that then shows the
level shrinking by T is not counted again; any further shrink is taken as
cancellations spread evenly over the level.
"""

from __future__ import annotations

from schemas.events import SCALE
from streams.matching.engine import MatchingConfig, MatchingEngine

P = SCALE


def _join(mk, engine, displayed, order_id="o1", size=P):
    mk.given(engine, mk.snapshot(bids=[(100 * P, displayed), (99 * P, P)], asks=[(102 * P, P)]))
    return mk.given(engine, mk.accept(order_id, "buy", size, 100 * P))


def test_joins_behind_the_displayed_size(mk):
    engine = MatchingEngine()

    assert _join(mk, engine, 3 * P) == [mk.opened("o1", 100 * P, P, remaining=P, queue_ahead=3 * P)]


def test_trades_at_its_price_work_off_the_queue_then_fill_it(mk):
    engine = MatchingEngine()
    _join(mk, engine, 3 * P)

    assert engine.handle(mk.trade(100 * P, 2 * P, "sell")) == []  # 1 still ahead
    outputs = engine.handle(mk.trade(100 * P, 3 * P // 2, "sell"))

    assert outputs == [mk.filled("o1", 1, 100 * P, P // 2, "maker")]


def test_the_book_update_after_a_trade_is_not_counted_twice(mk):
    engine = MatchingEngine()
    _join(mk, engine, 4 * P)

    mk.given(
        engine,
        mk.trade(100 * P, P, "sell"),  # queue ahead 4 -> 3
        mk.delta(("bid", 100 * P, 3 * P)),  # the same trade, seen in the book: still 3
    )

    assert engine.handle(mk.trade(100 * P, 3 * P, "sell")) == []  # exactly the 3 ahead
    assert engine.handle(mk.trade(100 * P, P, "sell"))[0].size == P


def test_cancellations_shrink_the_queue_ahead_proportionally(mk):
    engine = MatchingEngine()
    _join(mk, engine, 2 * P)  # 2 ahead
    mk.given(
        engine,
        mk.delta(("bid", 100 * P, 6 * P)),  # 4 join behind us: still 2 ahead
        mk.delta(("bid", 100 * P, 3 * P)),  # half the level cancels: 2 - 2*3/6 = 1 ahead
    )

    outputs = engine.handle(mk.trade(100 * P, 2 * P, "sell"))

    fill = mk.filled("o1", 1, 100 * P, P, "maker")
    assert outputs == [fill, mk.done("o1", "filled", [fill])]


def test_a_vanished_level_leaves_nothing_ahead(mk):
    engine = MatchingEngine()
    _join(mk, engine, 5 * P)
    mk.given(engine, mk.delta(("bid", 100 * P, 0)))

    outputs = engine.handle(mk.trade(100 * P, P // 10, "sell"))

    assert outputs == [mk.filled("o1", 1, 100 * P, P // 10, "maker")]


def test_two_orders_at_a_price_share_a_trade_in_time_order(mk):
    engine = MatchingEngine()
    _join(mk, engine, P, order_id="first", size=2 * P)  # 1 ahead
    mk.given(engine, mk.delta(("bid", 100 * P, 3 * P)))
    assert mk.given(engine, mk.accept("second", "buy", P, 100 * P)) == [
        mk.opened("second", 100 * P, P, remaining=P, queue_ahead=3 * P)
    ]

    # 4 printed: 1 real ahead of `first`, then 2 to `first`, then the 1 left
    # cannot get past the 3 real ahead of `second` (and `first`'s 2).
    outputs = engine.handle(mk.trade(100 * P, 4 * P, "sell"))
    first = mk.filled("first", 1, 100 * P, 2 * P, "maker")
    assert outputs == [first, mk.done("first", "filled", [first])]

    # The real queue ahead of `second` has traded away: the next print reaches it.
    assert engine.handle(mk.trade(100 * P, P, "sell"))[0].order_id == "second"


def test_the_model_can_be_turned_off_per_venue(mk):
    engine = MatchingEngine(MatchingConfig(queue_position={"coinbase": False}))

    assert _join(mk, engine, 3 * P) == [mk.opened("o1", 100 * P, P, remaining=P, queue_ahead=0)]
    outputs = engine.handle(mk.trade(100 * P, P // 2, "sell"))
    assert outputs == [mk.filled("o1", 1, 100 * P, P // 2, "maker")]
