"""The run starts just before the first market event, tick or control at or after its start time."""

from __future__ import annotations

from tests.unit.strategies.kit import T0, Harness, S, delta, snapshot, tick
from tests.unit.strategies.recorder import Recorder


def test_listings_and_wallet_events_do_not_start_the_run() -> None:
    rec = Recorder()
    Harness(rec)
    assert rec.calls == []


def test_market_data_before_the_start_updates_the_book_but_calls_nothing() -> None:
    rec = Recorder()
    h = Harness(rec)
    assert h.feed(snapshot(9000, 9001, ts=T0 - 10)) == []
    assert rec.calls == []
    book = h.runtime.ctx.book("synthetic", "BTC-USD")
    assert book is not None and (book.bid, book.ask) == (9000 * 10**8, 9001 * 10**8)


def test_on_start_runs_once_then_the_handler_of_the_starting_event() -> None:
    rec = Recorder()
    h = Harness(rec)
    h.feed(snapshot(9000, 9001, ts=T0), delta(T0 + S, ("bid", 9000, 0)), tick(h.run, T0 + 2 * S))
    assert rec.names() == ["start", "book", "book"]
    assert rec.calls[0] == ("start", T0)
    assert rec.calls[2] == ("book", ("BTC-USD", None, 9001 * 10**8, T0 + S))  # the only bid went


def test_now_is_the_largest_event_time_seen() -> None:
    rec = Recorder()
    h = Harness(rec)
    h.feed(snapshot(9000, 9001, ts=T0 + 5 * S), tick(h.run, T0 + 2 * S))
    assert h.runtime.ctx.now == T0 + 5 * S
