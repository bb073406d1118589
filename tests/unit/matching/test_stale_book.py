"""A stale book matches nothing: takers end 'book_stale', limit orders rest until it is fresh."""

from __future__ import annotations

import pytest

from schemas.events import SCALE
from streams.matching.book import BID
from streams.matching.engine import MatchingEngine

P = SCALE


def _fresh(mk, engine, seq=1):
    return mk.given(engine, mk.snapshot(bids=[(99 * P, P)], asks=[(101 * P, P)], seq=seq))


def test_a_sequence_gap_turns_the_book_stale(mk):
    engine = MatchingEngine()
    _fresh(mk, engine)
    assert engine.handle(mk.delta(("bid", 99 * P, 2 * P), seq=2)) == []

    gap = mk.delta(("bid", 99 * P, 3 * P), seq=4)
    assert engine.handle(gap) == [mk.status(gap, stale=True, reason="sequence_gap")]
    assert mk.book(engine).stale
    assert mk.book(engine).displayed(BID, 99 * P) == 3 * P  # applied, best effort
    assert engine.handle(mk.delta(("bid", 99 * P, P), seq=9)) == []  # already stale: no news


def test_an_out_of_order_delta_turns_it_stale_and_is_dropped(mk):
    engine = MatchingEngine()
    _fresh(mk, engine, seq=5)

    late = mk.delta(("bid", 99 * P, 7 * P), seq=5)
    assert engine.handle(late) == [mk.status(late, stale=True, reason="out_of_order")]
    assert mk.book(engine).displayed(BID, 99 * P) == P


def test_deltas_without_seq_are_not_checked(mk):
    engine = MatchingEngine()
    _fresh(mk, engine, seq=None)

    assert engine.handle(mk.delta(("bid", 99 * P, 2 * P))) == []
    assert engine.handle(mk.delta(("bid", 99 * P, 3 * P), seq=40)) == []  # first numbered one
    assert not mk.book(engine).stale


def test_the_next_snapshot_makes_it_fresh(mk):
    engine = MatchingEngine()
    _fresh(mk, engine)
    mk.given(engine, mk.delta(("bid", 99 * P, 2 * P), seq=3))

    snap = mk.snapshot(bids=[(99 * P, P)], asks=[(101 * P, P)], seq=10)
    assert engine.handle(snap) == [mk.status(snap, stale=False, reason="snapshot")]
    assert engine.handle(mk.delta(("bid", 99 * P, 2 * P), seq=11)) == []


@pytest.mark.parametrize("order_type", ["market", "ioc", "fok"])
def test_taker_orders_end_at_once_before_the_first_snapshot(mk, order_type):
    engine = MatchingEngine()

    outputs = engine.handle(mk.accept("o1", "buy", P, 101 * P, order_type=order_type))

    assert outputs == [mk.done("o1", "book_stale")]


@pytest.mark.parametrize("order_type", ["market", "ioc", "fok"])
def test_taker_orders_end_at_once_after_a_gap(mk, order_type):
    engine = MatchingEngine()
    _fresh(mk, engine)
    mk.given(engine, mk.delta(("ask", 101 * P, 5 * P), seq=3))

    outputs = engine.handle(mk.accept("o1", "buy", P, 101 * P, order_type=order_type))

    assert outputs == [mk.done("o1", "book_stale")]


def test_a_limit_order_rests_but_nothing_matches_until_fresh(mk):
    engine = MatchingEngine()
    _fresh(mk, engine)
    mk.given(engine, mk.delta(("ask", 101 * P, 5 * P), seq=3))

    # It would cross the ask at 101, but the book cannot be trusted: it rests.
    assert engine.handle(mk.accept("o1", "buy", P, 101 * P)) == [
        mk.opened("o1", 101 * P, P, remaining=P, queue_ahead=0)
    ]
    assert engine.handle(mk.trade(100 * P, P, "sell")) == []  # no trade fills while stale
    assert engine.handle(mk.delta(("ask", 100 * P, P), seq=4)) == []  # nor crossings

    snap = mk.snapshot(bids=[(99 * P, P)], asks=[(101 * P, 2 * P)], seq=20)
    fill = mk.filled("o1", 1, 101 * P, P, "maker")
    assert engine.handle(snap) == [
        mk.status(snap, stale=False, reason="snapshot"),
        fill,
        mk.done("o1", "filled", [fill]),
    ]


def test_an_order_that_rested_while_stale_queues_behind_the_next_snapshot(mk):
    engine = MatchingEngine()
    mk.given(engine, mk.accept("o1", "buy", P, 99 * P))  # no snapshot yet: nothing displayed

    mk.given(engine, mk.snapshot(bids=[(99 * P, 2 * P)], asks=[(101 * P, P)]))

    assert engine.handle(mk.trade(99 * P, 2 * P, "sell")) == []  # the 2 ahead of it
    assert engine.handle(mk.trade(99 * P, P, "sell"))[0].size == P


def test_with_prev_seq_a_skipping_numbering_is_no_gap_but_a_broken_chain_is(mk):
    """Venues that number per connection (Bitfinex) or skip ids (Poloniex) chain by prev_seq."""
    engine = MatchingEngine()
    _fresh(mk, engine, seq=10)
    assert engine.handle(mk.delta(("bid", 99 * P, 2 * P), seq=17, prev_seq=10)) == []
    assert not mk.book(engine).stale

    broken = mk.delta(("bid", 99 * P, 3 * P), seq=30, prev_seq=25)
    assert engine.handle(broken) == [mk.status(broken, stale=True, reason="sequence_gap")]


def test_a_producer_reported_break_turns_the_book_stale_until_a_snapshot(mk):
    from schemas.events import BookStatusChanged

    engine = MatchingEngine()
    _fresh(mk, engine)
    report = BookStatusChanged("feed:gap", "coinbase", "BTC-USD", True, "checksum mismatch", 5)
    assert engine.handle(report) == [mk.status(report, stale=True, reason="checksum mismatch")]
    assert mk.book(engine).stale
    assert engine.handle(report) == []  # already stale
