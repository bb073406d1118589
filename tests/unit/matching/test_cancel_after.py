"""cancel_after: an order expires on the first event of its book at or after its deadline."""

from __future__ import annotations

from schemas.events import SCALE
from streams.matching.engine import MatchingEngine

P = SCALE
S = 1_000_000  # one second of event time


def _resting(mk, engine, order_id="o1", cancel_after_s=5, ts=None, pair=None):
    extra = {"pair": pair} if pair else {}
    return mk.given(
        engine,
        mk.accept(order_id, "buy", P, 100 * P, cancel_after_s=cancel_after_s, ts=ts or mk.T0, **extra),
    )


def test_a_clock_tick_at_the_deadline_expires_it(mk):
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(bids=[(99 * P, P)], asks=[(101 * P, P)]))
    _resting(mk, engine)

    assert engine.handle(mk.tick(mk.T0 + 5 * S - 1)) == []
    assert engine.handle(mk.tick(mk.T0 + 5 * S)) == [mk.done("o1", "expired", ts=mk.T0 + 5 * S)]
    assert engine.handle(mk.tick(mk.T0 + 6 * S)) == []


def test_any_event_of_the_book_expires_it_before_matching(mk):
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(bids=[(99 * P, P)], asks=[(101 * P, P)]))
    _resting(mk, engine)

    # This trade would fill the order, but it comes at the deadline: expired first.
    outputs = engine.handle(mk.trade(98 * P, P, "sell", ts=mk.T0 + 5 * S))

    assert outputs == [mk.done("o1", "expired", ts=mk.T0 + 5 * S)]


def test_a_tick_for_another_book_does_not_expire_it(mk):
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(bids=[(99 * P, P)], asks=[(101 * P, P)]))
    _resting(mk, engine)

    assert engine.handle(mk.tick(mk.T0 + 9 * S, key="coinbase:ETH-USD")) == []
    assert engine.handle(mk.tick(mk.T0 + 9 * S)) == [mk.done("o1", "expired", ts=mk.T0 + 9 * S)]


def test_a_tick_for_all_keys_expires_every_book_earliest_deadline_first(mk):
    engine = MatchingEngine()
    mk.given(
        engine,
        mk.snapshot(bids=[(99 * P, P)], asks=[(101 * P, P)]),
        mk.snapshot(bids=[(99 * P, P)], asks=[(101 * P, P)], pair="ETH-USD"),
    )
    _resting(mk, engine, "late", cancel_after_s=3)
    _resting(mk, engine, "early", cancel_after_s=2, pair="ETH-USD")

    outputs = engine.handle(mk.tick(mk.T0 + 3 * S, key="*"))

    assert [(ev.order_id, ev.reason, ev.ts) for ev in outputs] == [
        ("early", "expired", mk.T0 + 3 * S),
        ("late", "expired", mk.T0 + 3 * S),
    ]


def test_a_partly_filled_order_expires_with_its_fills(mk):
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(bids=[(98 * P, P)], asks=[(101 * P, P)]))
    _resting(mk, engine)
    fill = mk.filled("o1", 1, 100 * P, P // 4, "maker", ts=mk.T0 + S)
    assert engine.handle(mk.trade(100 * P, P // 4, "sell", ts=mk.T0 + S)) == [fill]

    outputs = engine.handle(mk.tick(mk.T0 + 5 * S))

    assert outputs == [mk.done("o1", "expired", [fill], ts=mk.T0 + 5 * S)]


def test_a_cancelled_order_does_not_expire_later(mk):
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(bids=[(99 * P, P)], asks=[(101 * P, P)]))
    _resting(mk, engine)
    engine.handle(mk.cancel("o1"))

    assert engine.handle(mk.tick(mk.T0 + 5 * S)) == []


def test_an_order_sent_without_a_time_happens_at_the_books_time(mk):
    """An order sent over HTTP has ts 0 (a retry is the same command): it opens, and its cancel_after
    counts, from the latest event time of its book, not from 1970 (which would expire it at once)."""
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(bids=[(99 * P, P)], asks=[(101 * P, P)]),
             mk.delta(("bid", 98 * P, P), ts=mk.T0 + 2 * S))
    opened = engine.handle(mk.accept("o1", "buy", P, 100 * P, cancel_after_s=5, ts=0))
    assert [o.ts for o in opened] == [mk.T0 + 2 * S]
    assert engine.handle(mk.delta(("bid", 97 * P, P), ts=mk.T0 + 3 * S)) == []  # not expired
    restored = MatchingEngine.from_state(engine.config, engine.export_state())  # the clock is kept
    assert restored.handle(mk.tick(mk.T0 + 7 * S - 1)) == []
    assert restored.handle(mk.tick(mk.T0 + 7 * S)) == [mk.done("o1", "expired", ts=mk.T0 + 7 * S)]


def test_a_cancel_sent_without_a_time_happens_at_the_books_time(mk):
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(bids=[(99 * P, P)], asks=[(101 * P, P)], ts=mk.T0 + S))
    engine.handle(mk.accept("o1", "buy", P, 100 * P, ts=0))
    assert engine.handle(mk.cancel("o1", ts=0)) == [mk.done("o1", "cancelled", ts=mk.T0 + S)]
