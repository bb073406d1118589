"""Helpers for the feed-parser tests: capture replay and a tiny reference L2 book (dict-based).

Tests read captures only from ``tests/fixtures/exchange-captures``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from producers.exchanges.capture import CaptureRecord, Direction, read_capture
from producers.exchanges.feed import FeedParser, MarketEvent
from schemas.events import BookDelta, BookSnapshot

CAPTURES = Path(__file__).resolve().parents[2] / "fixtures" / "exchange-captures"


@dataclass(frozen=True)
class Parsed:
    """One received capture line and the events its parser returned."""

    record: CaptureRecord
    events: list[MarketEvent]


def received(name: str) -> list[CaptureRecord]:
    """The messages received from the venue in one capture file."""
    lines = (CAPTURES / name).read_text(encoding="utf-8").splitlines()
    return [r for r in read_capture(lines) if r.direction is Direction.RECEIVED]


def replay(name: str, parser: FeedParser) -> list[Parsed]:
    """Feed every received message of a capture to ``parser``, in order."""
    return [Parsed(r, parser.parse(r.payload, r.recv_ts)) for r in received(name)]


@dataclass
class RefBook:
    """A dict-based L2 book: price -> size per side (deliberately naive, for checking)."""

    bids: dict[int, int] = field(default_factory=dict)
    asks: dict[int, int] = field(default_factory=dict)

    def apply(self, event: BookSnapshot | BookDelta) -> None:
        if isinstance(event, BookSnapshot):
            self.bids = {level.price: level.size for level in event.bids}
            self.asks = {level.price: level.size for level in event.asks}
            return
        for change in event.changes:
            side = self.bids if change.side == "bid" else self.asks
            if change.size == 0:
                side.pop(change.price, None)
            else:
                side[change.price] = change.size

    def best_bid(self) -> int | None:
        return max(self.bids) if self.bids else None

    def best_ask(self) -> int | None:
        return min(self.asks) if self.asks else None

    def crossed(self) -> bool:
        bid, ask = self.best_bid(), self.best_ask()
        return bid is not None and ask is not None and bid >= ask


@dataclass
class RefBooks:
    """Reference books per pair, rebuilt from parsed events."""

    books: dict[str, RefBook] = field(default_factory=dict)

    def apply(self, events: list[MarketEvent]) -> set[str]:
        """Apply the book events of one message; the pairs they touched."""
        touched: set[str] = set()
        for event in events:
            if isinstance(event, BookSnapshot | BookDelta):
                if isinstance(event, BookDelta) and event.pair not in self.books:
                    raise AssertionError(f"delta before snapshot for {event.pair}")
                self.books.setdefault(event.pair, RefBook()).apply(event)
                touched.add(event.pair)
        return touched
