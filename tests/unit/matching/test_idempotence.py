"""Redelivered inputs change nothing; other event types are ignored; the same inbox gives the same outputs."""

from __future__ import annotations

from schemas.events import SCALE, MarketListed, OrderRequested
from streams.matching.engine import MatchingEngine

P = SCALE


def _inbox(mk):
    return [
        mk.snapshot(bids=[(99 * P, 2 * P)], asks=[(101 * P, P), (102 * P, P)], seq=1),
        mk.accept("o1", "buy", P, 99 * P),
        mk.accept("o2", "buy", 3 * P, 102 * P, order_type="ioc"),
        mk.delta(("ask", 101 * P, 3 * P), seq=2),
        mk.trade(98 * P, P // 2, "sell"),
        mk.cancel("o1"),
    ]


def test_a_repeated_order_is_ignored(mk):
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(asks=[(101 * P, 5 * P)]))
    accepted = mk.accept("o1", "buy", P, 101 * P, order_type="ioc")
    assert len(engine.handle(accepted)) == 2
    state = engine.export_state()

    assert engine.handle(accepted) == []
    assert engine.export_state() == state


def test_a_repeated_resting_order_is_ignored(mk):
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(asks=[(101 * P, 5 * P)]))
    accepted = mk.accept("o1", "buy", P, 100 * P)
    engine.handle(accepted)

    assert engine.handle(accepted) == []


def test_a_repeated_cancel_is_ignored(mk):
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(asks=[(101 * P, 5 * P)]), mk.accept("o1", "buy", P, 100 * P))
    cancel = mk.cancel("o1")
    assert engine.handle(cancel) == [mk.done("o1", "cancelled")]

    assert engine.handle(cancel) == []


def test_a_repeated_market_event_is_ignored(mk):
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(bids=[(99 * P, P)], asks=[(105 * P, P)], seq=1))
    mk.given(engine, mk.accept("o1", "buy", 2 * P, 100 * P))
    delta, trade = mk.delta(("bid", 99 * P, 2 * P), seq=2), mk.trade(99 * P, P, "sell")
    engine.handle(delta)
    assert len(engine.handle(trade)) == 1

    assert engine.handle(trade) == []
    delta2 = mk.delta(("bid", 99 * P, 3 * P), seq=3)
    engine.handle(delta2)
    assert engine.handle(delta2) == []  # not taken for an out-of-order delta
    assert not mk.book(engine).stale


def test_other_event_types_give_nothing(mk):
    engine = MatchingEngine()
    listed = MarketListed("m1", "coinbase", "BTC-USD", "BTC", "USD", 1, 1, 1, None, None, 0)
    requested = OrderRequested(
        "r1", "o1", "acct", "run-1", "ws", "coinbase", "BTC-USD", "buy", "limit", P, P, False,
        None, 0,
    )  # fmt: skip

    assert engine.handle(listed) == []
    assert engine.handle(requested) == []
    assert engine.export_state() == MatchingEngine().export_state()


def test_the_same_inbox_gives_the_same_outputs(mk):
    inbox = _inbox(mk)

    first = MatchingEngine()
    second = MatchingEngine()

    assert mk.given(first, *inbox) == mk.given(second, *inbox)
    assert first.export_state() == second.export_state()
