"""The matching engine's book, fed the real exchange captures, is the exchange's book.

Every received message of the Coinbase, Bitfinex, Poloniex and Kraken captures
goes through the venue's parser and then the engine; after every message the
engine's top of book equals an independent dict book fed the same events, it
never crosses, and it is never stale where the venue's sequence numbers are
contiguous. Kraken sends a checksum of its top ten levels with every update;
the parser verifies each one, so there the engine is checked against the
exchange's own word.
"""

from __future__ import annotations

import pytest

from producers.exchanges.bitfinex.parse import BitfinexParser
from producers.exchanges.coinbase.parse import CoinbaseParser
from producers.exchanges.feed import FeedParser
from producers.exchanges.kraken.parse import KrakenParser
from producers.exchanges.poloniex.parse import PoloniexParser
from schemas.events import BookDelta, BookSnapshot, BookStatusChanged, Level
from streams.matching.engine import MatchingConfig, MatchingEngine
from tests.unit.producers.kit import RefBook, replay

DEPTH = 100

CAPTURES = [
    ("COINBASE.ws.28.0", CoinbaseParser, "coinbase"),
    ("BITFINEX.ws.11.0", BitfinexParser, "bitfinex"),
    ("POLONIEX.ws.1.0", PoloniexParser, "poloniex"),
    ("KRAKEN.ws.50.0", KrakenParser, "kraken"),
]


def top(book: RefBook, side: str, n: int) -> list[Level]:
    levels = book.bids if side == "bid" else book.asks
    prices = sorted(levels, reverse=side == "bid")[:n]
    return [Level(p, levels[p]) for p in prices]


@pytest.mark.parametrize(("capture", "parser_cls", "venue"), CAPTURES, ids=[c[2] for c in CAPTURES])
def test_engine_book_equals_the_exchange_book_after_every_message(
    capture: str, parser_cls: type[FeedParser], venue: str
) -> None:
    engine = MatchingEngine(MatchingConfig(max_levels=5000))
    refs: dict[str, RefBook] = {}
    checked = 0
    for parsed in replay(capture, parser_cls()):
        for event in parsed.events:
            assert not (isinstance(event, BookStatusChanged) and event.stale), event  # checksums, seqs
            engine.handle(event)
            if not isinstance(event, BookSnapshot | BookDelta):
                continue
            ref = refs.setdefault(event.pair, RefBook())
            ref.apply(event)
            book = engine.book(venue, event.pair)
            assert not book.stale, f"{event.pair} stale after {event.event_id}"
            for side in ("bid", "ask"):
                assert book.depth(side, DEPTH) == top(ref, side, DEPTH), (event.event_id, side)
            bid, ask = book.best_bid(), book.best_ask()
            if bid and ask:
                assert bid.price < ask.price, f"{event.pair} crossed after {event.event_id}"
            checked += 1
    assert checked > 250
    assert len(refs) >= 5
