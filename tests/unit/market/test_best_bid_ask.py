"""Best bid and ask from a snapshot and deltas; a stale book has no quote."""

from __future__ import annotations

from schemas.events import BookDelta, BookSnapshot, BookStatusChanged, Level, LevelChange
from streams.market.books import BookFolder, Quote


def _snapshot(venue: str = "v", pair: str = "BTC-USD") -> BookSnapshot:
    return BookSnapshot(
        "s", venue, pair, 10, 11, 1, [Level(100, 5), Level(99, 1)], [Level(102, 2), Level(103, 4)]
    )


def test_snapshot_then_deltas() -> None:
    folder = BookFolder()
    folder.apply(_snapshot())
    assert folder.quote("v", "BTC-USD") == Quote("v", "BTC-USD", 100, 102, 10)
    folder.apply(
        BookDelta("d1", "v", "BTC-USD", 12, 13, 2, [LevelChange("bid", 101, 3), LevelChange("ask", 102, 0)])
    )
    assert folder.quote("v", "BTC-USD") == Quote("v", "BTC-USD", 101, 103, 12)
    folder.apply(
        BookDelta("d2", "v", "BTC-USD", 14, 15, 3, [LevelChange("bid", 101, 0), LevelChange("bid", 100, 0)])
    )
    quote = folder.quote("v", "BTC-USD")
    assert quote == Quote("v", "BTC-USD", 99, 103, 14) and quote.mid == 101


def test_one_sided_and_unknown_books() -> None:
    folder = BookFolder()
    folder.apply(BookDelta("d0", "v", "BTC-USD", 1, 1, 1, [LevelChange("bid", 5, 1)]))  # before any snapshot
    assert folder.quote("v", "BTC-USD") is None
    folder.apply(BookSnapshot("s", "v", "BTC-USD", 2, 2, 2, [Level(5, 1)], []))
    quote = folder.quote("v", "BTC-USD")
    assert quote == Quote("v", "BTC-USD", 5, None, 2) and quote.mid is None


def test_stale_book_has_no_quote_until_the_next_snapshot() -> None:
    folder = BookFolder()
    folder.apply(_snapshot())
    folder.apply(_snapshot(pair="ETH-USD"))
    folder.apply(BookStatusChanged("x", "v", "BTC-USD", True, "gap", 20))
    assert folder.quote("v", "BTC-USD") is None
    assert [q.pair for q in folder.quotes()] == ["ETH-USD"]
    folder.apply(_snapshot())
    assert folder.quote("v", "BTC-USD") is not None
