"""Event ids are unique within each capture and deterministic (same input, same ids)."""

from __future__ import annotations

import pytest

from producers.exchanges.bitfinex.parse import BitfinexParser
from producers.exchanges.coinbase.parse import CoinbaseParser
from producers.exchanges.feed import FeedParser
from producers.exchanges.kraken.parse import KrakenParser
from producers.exchanges.poloniex.parse import PoloniexParser
from tests.unit.producers.kit import replay

CASES: list[tuple[str, type[FeedParser]]] = [
    ("COINBASE.ws.28.0", CoinbaseParser),
    ("BITFINEX.ws.11.0", BitfinexParser),
    ("POLONIEX.ws.1.0", PoloniexParser),
    ("KRAKEN.ws.50.0", KrakenParser),
    ("KRAKEN.ws.48.0", KrakenParser),
]


@pytest.mark.parametrize(("capture", "parser_type"), CASES, ids=[c[0] for c in CASES])
def test_ids_are_unique_and_deterministic(capture: str, parser_type: type[FeedParser]) -> None:
    first = [e for p in replay(capture, parser_type()) for e in p.events]
    second = [e for p in replay(capture, parser_type()) for e in p.events]
    ids = [e.event_id for e in first]
    assert len(ids) == len(set(ids)) > 0
    assert first == second
    venue = parser_type.venue
    assert all(e.event_id.startswith(f"{venue}:{e.pair}:") for e in first)


def test_a_trade_seen_twice_keeps_its_id() -> None:
    raw = (
        '{"type":"match","trade_id":7,"side":"buy","size":"1","price":"2",'
        '"product_id":"BTC-USD","time":"2021-04-17T16:43:37Z"}'
    )
    parser = CoinbaseParser()
    (first,) = parser.parse(raw, 1)
    (again,) = CoinbaseParser().parse(raw, 99)
    assert first.event_id == again.event_id == "coinbase:BTC-USD:trade:7"
