"""Top of book from L2 snapshots and deltas (pure): the best bid and ask per venue and pair."""

from __future__ import annotations

from dataclasses import dataclass, field

from schemas.events import BookDelta, BookSnapshot, BookStatusChanged


@dataclass(frozen=True, slots=True)
class Quote:
    """Best bid and ask (fixed point, 1e-8) of one venue and pair at event time ``ts``."""

    venue: str
    pair: str
    bid: int | None
    ask: int | None
    ts: int

    @property
    def mid(self) -> int | None:
        """The mid price, rounded down; None unless both sides are quoted."""
        if self.bid is None or self.ask is None:
            return None
        return (self.bid + self.ask) // 2


@dataclass(slots=True)
class _Book:
    bids: dict[int, int] = field(default_factory=dict)
    asks: dict[int, int] = field(default_factory=dict)
    ts: int = 0
    fresh: bool = True


class BookFolder:
    """Folds book events into L2 books; a delta before any snapshot is ignored."""

    def __init__(self) -> None:
        self._books: dict[tuple[str, str], _Book] = {}

    def apply(self, event: BookSnapshot | BookDelta | BookStatusChanged) -> None:
        key = (event.venue, event.pair)
        if isinstance(event, BookSnapshot):
            self._books[key] = _Book({lv.price: lv.size for lv in event.bids if lv.size > 0},
                                     {lv.price: lv.size for lv in event.asks if lv.size > 0}, event.ts)
            return
        book = self._books.get(key)
        if book is None:
            return
        if isinstance(event, BookStatusChanged):
            book.fresh = not event.stale
            return
        for change in event.changes:
            side = book.bids if change.side == "bid" else book.asks
            if change.size == 0:
                side.pop(change.price, None)
            else:
                side[change.price] = change.size
        book.ts = max(book.ts, event.ts)

    def quote(self, venue: str, pair: str) -> Quote | None:
        """The book's best bid and ask; None if no snapshot was seen or the book went stale."""
        book = self._books.get((venue, pair))
        if book is None or not book.fresh:
            return None
        return Quote(venue, pair, max(book.bids) if book.bids else None,
                     min(book.asks) if book.asks else None, book.ts)

    def quotes(self) -> list[Quote]:
        """Quotes of every fresh book, ordered by venue and pair."""
        out = [self.quote(v, p) for v, p in sorted(self._books)]
        return [q for q in out if q is not None]
