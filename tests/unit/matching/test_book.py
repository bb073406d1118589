"""The real L2 book: snapshots, deltas, best prices, depth, the levels kept."""

from __future__ import annotations

from schemas.events import SCALE, Level
from streams.matching.engine import MatchingConfig, MatchingEngine

P = SCALE


def test_snapshot_builds_both_sides_best_first(mk):
    engine = MatchingEngine()
    snap = mk.snapshot(bids=[(98 * P, 3 * P), (99 * P, 2 * P)], asks=[(102 * P, 5 * P), (101 * P, P)])

    assert engine.handle(snap) == [mk.status(snap, stale=False, reason="snapshot")]
    book = mk.book(engine)
    assert book.best_bid() == Level(99 * P, 2 * P)
    assert book.best_ask() == Level(101 * P, P)
    assert book.depth("bid", 5) == [Level(99 * P, 2 * P), Level(98 * P, 3 * P)]
    assert book.depth("ask", 1) == [Level(101 * P, P)]
    assert book.depth("ask", 0) == []
    assert not book.stale


def test_deltas_change_add_and_remove_levels(mk):
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(bids=[(99 * P, 2 * P)], asks=[(101 * P, P), (102 * P, P)]))

    outputs = mk.given(
        engine,
        mk.delta(("bid", 99 * P, 4 * P), ("bid", 100 * P, P)),  # change, add a better level
        mk.delta(("ask", 101 * P, 0), ("ask", 103 * P, 7 * P)),  # remove the best, add a worse
        mk.delta(("ask", 150 * P, 0)),  # removing a level that is not there changes nothing
    )

    assert outputs == []
    book = mk.book(engine)
    assert book.best_bid() == Level(100 * P, P)
    assert book.depth("bid", 3) == [Level(100 * P, P), Level(99 * P, 4 * P)]
    assert book.depth("ask", 3) == [Level(102 * P, P), Level(103 * P, 7 * P)]


def test_a_new_snapshot_replaces_the_book(mk):
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(bids=[(99 * P, 2 * P)], asks=[(101 * P, P)]))

    assert engine.handle(mk.snapshot(bids=[(90 * P, P)], asks=[(95 * P, P)])) == []
    book = mk.book(engine)
    assert book.depth("bid", 5) == [Level(90 * P, P)]
    assert book.depth("ask", 5) == [Level(95 * P, P)]


def test_an_emptied_side_has_no_best(mk):
    engine = MatchingEngine()
    mk.given(engine, mk.snapshot(bids=[(99 * P, P)], asks=[(101 * P, P)]))
    mk.given(engine, mk.delta(("bid", 99 * P, 0)))

    assert mk.book(engine).best_bid() is None
    assert mk.book(engine).best_ask() == Level(101 * P, P)


def test_an_unseen_book_is_empty_and_stale():
    book = MatchingEngine().book("coinbase", "ETH-USD")

    assert book.stale
    assert book.best_bid() is None and book.best_ask() is None
    assert book.depth("ask", 10) == []


def test_keeps_at_most_max_levels_a_side(mk):
    engine = MatchingEngine(MatchingConfig(max_levels=100))
    bids = [((1000 - i) * P, P) for i in range(120)]
    mk.given(engine, mk.snapshot(bids=bids, asks=[(2000 * P, P)]))
    book = mk.book(engine)
    assert len(book.depth("bid", 500)) == 100
    assert book.depth("bid", 500)[-1] == Level(901 * P, P)

    mk.given(engine, mk.delta(("bid", 850 * P, P)))  # beyond the kept depth: ignored
    assert book.depth("bid", 500)[-1] == Level(901 * P, P)

    mk.given(engine, mk.delta(("bid", 1001 * P, 2 * P)))  # a better level pushes out the worst
    assert book.depth("bid", 500)[0] == Level(1001 * P, 2 * P)
    assert book.depth("bid", 500)[-1] == Level(902 * P, P)
    assert len(book.depth("bid", 500)) == 100


def test_max_levels_below_100_is_refused():
    try:
        MatchingConfig(max_levels=99)
    except ValueError as exc:
        assert "at least 100" in str(exc)
    else:
        raise AssertionError("max_levels=99 was accepted")
