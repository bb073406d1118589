"""The strategy's read-only view of an L2 book (best bid/ask, mid, depth)."""

from __future__ import annotations

from bisect import bisect_left, insort

from schemas.events import BookDelta, BookSnapshot, Level
from streams.matching.book import ASK, BID, L2Book

_NO_WATCH: tuple[dict[int, object], dict[int, object]] = ({}, {})
DEFAULT_MAX_LEVELS = 1000


class BookView:
    """One venue's book of one pair as the run has seen it (the same L2 book the matching core keeps)."""

    # The touch (``bid``, ``ask``), ``venue`` and ``pair`` are plain attributes, the touch kept as the book
    # changes: a strategy reading it on every message pays no property call (a Python call each). Each
    # side's sorted keys and sizes are held directly (the book changes them in place, snapshots too), so
    # a delta of one change (most feeds) is applied here, without a call into the book (bench/nautilus.py).
    __slots__ = ("_ask_sizes", "_asks", "_bid_sizes", "_bids", "_book", "_max_levels", "ask", "bid", "pair",
                 "ts", "venue")

    def __init__(self, venue: str, pair: str, max_levels: int = DEFAULT_MAX_LEVELS) -> None:
        self._book = L2Book(venue, pair, max_levels)
        self.venue = venue
        self.pair = pair
        self._bids, self._asks = self._book.keys
        self._bid_sizes, self._ask_sizes = self._book.sizes
        self._max_levels = max_levels
        self.bid: int | None = None
        """Best bid price, or None if the side is empty."""
        self.ask: int | None = None
        """Best ask price, or None if the side is empty."""
        self.ts = 0  # event time of the last update

    # --- updates (the runtime's) ------------------------------------------------

    def apply(self, event: BookSnapshot | BookDelta) -> None:
        if type(event) is BookDelta and len(event.changes) == 1:
            # ``L2Book.apply_changes`` of one change, as it does it for a book nothing consumes or watches:
            # a new level beyond the depth kept is ignored, one within it drops the worst
            change = event.changes[0]
            price, size = change.price, change.size
            side = change.side
            if side == "bid":
                s, sizes, keys, key = BID, self._bid_sizes, self._bids, price
            elif side == "ask":
                s, sizes, keys, key = ASK, self._ask_sizes, self._asks, -price
            else:
                self.ts = event.ts
                return
            old = sizes.get(price, 0)
            if size > 0:
                if old:
                    sizes[price] = size
                elif len(keys) < self._max_levels:
                    insort(keys, key)
                    sizes[price] = size
                elif key > keys[0]:
                    insort(keys, key)
                    self._book._drop_worst(s)
                    sizes[price] = size
            elif old:
                del sizes[price]
                del keys[bisect_left(keys, key)]
            if s == BID:
                self.bid = keys[-1] if keys else None
            else:
                self.ask = -keys[-1] if keys else None
        else:
            if type(event) is BookDelta:
                self._book.apply_changes(event.changes, _NO_WATCH)
            else:
                assert isinstance(event, BookSnapshot)
                self._book.load_snapshot(event.bids, event.asks, ((), ()))
                self._book.stale = False
            bids, asks = self._bids, self._asks
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
