"""The strategy's read-only view of an L2 book (best bid/ask, mid, depth)."""

from __future__ import annotations

from schemas.events import BookDelta, BookSnapshot, Level
from streams.matching.book import ASK, BID, L2Book

_NO_WATCH: tuple[dict[int, object], dict[int, object]] = ({}, {})
DEFAULT_MAX_LEVELS = 1000


class BookView:
    """One venue's book of one pair as the run has seen it (the same L2 book the matching core keeps)."""

    __slots__ = ("_book", "ts")

    def __init__(self, venue: str, pair: str, max_levels: int = DEFAULT_MAX_LEVELS) -> None:
        self._book = L2Book(venue, pair, max_levels)
        self.ts = 0  # event time of the last update

    # --- updates (the runtime's) ------------------------------------------------

    def apply(self, event: BookSnapshot | BookDelta) -> None:
        if type(event) is BookDelta:
            self._book.apply_changes(event.changes, _NO_WATCH)
        else:
            assert isinstance(event, BookSnapshot)
            self._book.load_snapshot(event.bids, event.asks, ((), ()))
            self._book.stale = False
        self.ts = event.ts

    # --- reads ------------------------------------------------------------------

    @property
    def venue(self) -> str:
        return self._book.venue

    @property
    def pair(self) -> str:
        return self._book.pair

    @property
    def bid(self) -> int | None:
        """Best bid price, or None if the side is empty."""
        keys = self._book.keys[BID]
        return keys[-1] if keys else None

    @property
    def ask(self) -> int | None:
        """Best ask price, or None if the side is empty."""
        keys = self._book.keys[ASK]
        return -keys[-1] if keys else None

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
