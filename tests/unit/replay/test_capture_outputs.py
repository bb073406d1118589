"""A backtest on the real Coinbase capture keeps its exact outputs: journals and figures, byte for byte.

The capture (10 books, one change per message) is replayed with two quoting runs on SKL-USD and one
run subscribed to every book; every inbox and output is journaled. The digest of the journals and
of the result was taken before the per-message path was optimised (``bench/nautilus.py``; see
``DIGEST``): any change to what the engine delivers, in which order, or to what the cores decide
changes it. And the run
without journals (the fast path) must give the same result as the run with them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import pytest

from producers.importer import ImportStats, capture_events
from replay.engine import Backtest, BacktestConfig, BacktestResult, Latency, RunSetup
from replay.sources import JournalSink, ListSource, MarketEvent, MemoryJournal, received
from schemas.events import SCALE, Allocation, BookDelta, BookSnapshot, MarketListed, PublicTrade
from strategies import registry
from strategies.api import MarketRef, Strategy
from strategies.book import BookView
from strategies.context import Context
from strategies.run import new_run

CAPTURES = Path(__file__).resolve().parents[2] / "fixtures" / "exchange-captures"
DIGEST = "5b72326e0a4d2a3fa58791922610105158a671aa3164df813a1d39dd1dd786d7"
"""Taken before the per-message path was optimised; again when the ledger's wallet events gained their
``run_id`` (nothing else changed in that commit)."""
MS = 1_000


class Watch(Strategy):
    """Subscribed to every book; records each book's touch when it changes."""

    name = "watch"

    def __init__(self, markets: Sequence[MarketRef]) -> None:
        super().__init__()
        self._markets = tuple(markets)
        self.last: dict[str, tuple[int | None, int | None]] = {}
        self.touches: list[tuple[str, int, int | None, int | None]] = []

    def markets(self, default_venue: str) -> Sequence[MarketRef]:
        return self._markets

    def on_book(self, ctx: Context, book: BookView) -> None:
        top = (book.bid, book.ask)
        if self.last.get(book.pair) != top:
            self.last[book.pair] = top
            self.touches.append((book.pair, ctx.now, *top))


def load_capture() -> tuple[list[MarketListed], list[MarketEvent]]:
    stats = ImportStats()
    lines = (CAPTURES / "COINBASE.ws.28.0").read_text().splitlines()
    events = [e for e in capture_events("ws", lines, "coinbase", stats)
              if isinstance(e, BookSnapshot | BookDelta | PublicTrade)]
    pairs = {e.pair for e in events}
    listed = capture_events("products", (CAPTURES / "COINBASE.0").read_text().splitlines(), "coinbase", stats)
    return sorted((e for e in listed if isinstance(e, MarketListed) and e.pair in pairs),
                  key=lambda e: e.pair), events


@pytest.fixture(scope="module")
def capture() -> tuple[list[MarketListed], list[MarketEvent]]:
    return load_capture()


def run(capture: tuple[list[MarketListed], list[MarketEvent]], journal: JournalSink | None
        ) -> tuple[BacktestResult, Watch]:
    listings, events = capture
    start, end = received(events[0]), max(max(received(e), e.ts) for e in events) + 1
    funds = [Allocation("coinbase", "USD", 1_000 * SCALE), Allocation("coinbase", "SKL", 100 * SCALE)]
    watch = Watch([MarketRef(e.venue, e.pair) for e in listings])
    runs = [RunSetup(new_run("watch", {}, funds[:1], start, end), watch)]
    for interval, offset in (("2", "0"), ("1", "1")):
        params = {"pair": "SKL-USD", "interval_s": interval, "offset_bps": offset, "size_fx": "10"}
        runs.append(RunSetup(new_run("demo", params, funds, start, end), registry.get("demo").create(params)))
    config = BacktestConfig(start, end, Latency(20 * MS, 30 * MS), sample_us=5_000_000)
    return Backtest(config, ListSource(tuple(listings), tuple(events)), runs, journal=journal).run(), watch


def digest(journal: MemoryJournal, result: BacktestResult) -> str:
    h = hashlib.sha256()
    for topic in sorted(journal.messages):
        for m in journal.messages[topic]:
            h.update(f"{m.topic}|{m.partition}|{m.offset}|".encode() + m.key + b"|" + m.value + b"\n")
    h.update(repr(result).encode())
    return h.hexdigest()


def test_the_outputs_on_the_capture_are_those_of_before(
        capture: tuple[list[MarketListed], list[MarketEvent]]) -> None:
    journal = MemoryJournal()
    result, watch = run(capture, journal)
    assert result.market_events == len(capture[1]) == 9_836
    assert sum(r.fills for r in result.runs) > 0 and len(watch.touches) > 1_000
    assert digest(journal, result) == DIGEST


def test_without_journals_the_result_is_the_same(
        capture: tuple[list[MarketListed], list[MarketEvent]]) -> None:
    with_journals, watched = run(capture, MemoryJournal())
    without, unwatched = run(capture, None)
    assert without == with_journals
    assert unwatched.touches == watched.touches
