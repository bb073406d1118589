"""The strategy's read-only view of an L2 book (best bid/ask, mid, depth)."""

from __future__ import annotations

from schemas.events import BookDelta, BookSnapshot, Level
from streams.matching.book import L2Book

_NO_WATCH: tuple[dict[int, object], dict[int, object]] = ({}, {})
DEFAULT_MAX_LEVELS = 1000


class BookView:
    """One venue's book of one pair as the run has seen it (the same L2 book the matching core keeps)."""

    # The touch (``bid``, ``ask``), ``venue`` and ``pair`` are plain attributes, the touch kept as the book
    # changes: a strategy reading it on every message pays no property call (a Python call each;
    # bench/nautilus.py). The levels are the matching core's ``L2Book``, changed by its rules only.
    __slots__ = ("_book", "ask", "bid", "pair", "ts", "venue")

    def __init__(self, venue: str, pair: str, max_levels: int = DEFAULT_MAX_LEVELS) -> None:
        self._book = L2Book(venue, pair, max_levels)
        self.venue = venue
        self.pair = pair
        self.bid: int | None = None
        """Best bid price, or None if the side is empty."""
        self.ask: int | None = None
        """Best ask price, or None if the side is empty."""
        self.ts = 0  # event time of the last update

    # --- updates (the runtime's) ------------------------------------------------

    def apply(self, event: BookSnapshot | BookDelta) -> None:
        book = self._book
        if type(event) is BookDelta:
            book.apply_changes(event.changes, _NO_WATCH)
        else:
            assert isinstance(event, BookSnapshot)
            book.load_snapshot(event.bids, event.asks, ((), ()))
            book.stale = False
        bids, asks = book.keys
        self.bid = bids[-1] if bids else None
        self.ask = -asks[-1] if asks else None
        self.ts = event.ts

    # --- reads ------------------------------------------------------------------

    @property
    def mid(self) -> int | None:
        """(bid + ask) // 2, or None unless both sides have a level."""
        bid, ask = self.bid, self.ask
        return None if bid is None or ask is None else (bid + ask) // 2

    def best_bid(self) -> Level | None:
        return self._book.best_bid()

    def best_ask(self) -> Level | None:
        return self._book.best_ask()

    def depth(self, side: str, levels: int) -> list[Level]:
        """The best ``levels`` levels of ``side`` ('bid' or 'ask'), best first."""
        return self._book.depth(side, levels)
