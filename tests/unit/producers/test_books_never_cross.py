"""Books rebuilt from the parsed events never cross: best bid < best ask after every message."""

from __future__ import annotations

import pytest

from producers.exchanges.bitfinex.parse import BitfinexParser
from producers.exchanges.coinbase.parse import CoinbaseParser
from producers.exchanges.feed import FeedParser
from producers.exchanges.kraken.parse import KrakenParser
from producers.exchanges.poloniex.parse import PoloniexParser
from schemas.events import BookSnapshot
from tests.unit.producers.kit import RefBooks, replay

CASES: list[tuple[str, type[FeedParser], int]] = [
    ("COINBASE.ws.28.0", CoinbaseParser, 10),
    ("BITFINEX.ws.11.0", BitfinexParser, 7),
    ("POLONIEX.ws.1.0", PoloniexParser, 11),
    ("KRAKEN.ws.50.0", KrakenParser, 10),
]


@pytest.mark.parametrize(("capture", "parser_type", "pairs"), CASES, ids=[c[0] for c in CASES])
def test_books_never_cross(capture: str, parser_type: type[FeedParser], pairs: int) -> None:
    books = RefBooks()
    checked = 0
    for parsed in replay(capture, parser_type()):
        for pair in books.apply(parsed.events):
            book = books.books[pair]
            assert not book.crossed(), (pair, book.best_bid(), book.best_ask(), parsed.record.recv_ts)
            checked += 1
    assert len(books.books) == pairs
    assert all(b.bids and b.asks for b in books.books.values())
    assert checked > pairs


def test_the_reference_book_does_see_a_cross() -> None:
    books = RefBooks()
    snap = BookSnapshot("x", "v", "A-B", 1, 1, None, [], [])
    books.apply([snap])
    books.books["A-B"].bids[10] = 1
    books.books["A-B"].asks[10] = 1
    assert books.books["A-B"].crossed()
