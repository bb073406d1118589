"""Helpers for the bad-message tests: a real capture with one message corrupted, run through a
parser and the matching engine.

``CASES`` names, per venue, one real book update of a pair that already has its snapshot, and a
corruption that leaves the message valid JSON but not a valid update (a level missing a field).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from producers.exchanges.bitfinex.parse import BitfinexParser
from producers.exchanges.capture import CaptureRecord
from producers.exchanges.coinbase.parse import CoinbaseParser
from producers.exchanges.feed import FeedParser, MarketEvent
from producers.exchanges.kraken.parse import KrakenParser
from producers.exchanges.poloniex.parse import PoloniexParser
from schemas.events import BookStatusChanged, OrderAccepted
from streams.matching.engine import MatchingConfig, MatchingEngine
from tests.unit.producers.kit import received


@dataclass(frozen=True)
class Case:
    """One venue's capture and the book update to corrupt in it."""

    venue: str
    capture: str
    parser: Callable[[], FeedParser]
    pair: str
    index: int  # the message (among received ones) that is corrupted
    corrupt: Callable[[str], str]  # the raw text of that message -> the corrupted text


def _drop_last_field(raw: str, level: str) -> str:
    """``raw`` with the level ``level`` (its JSON text, brackets included) shortened by one field."""
    assert raw.count(level) == 1, (level, raw)
    fields = json.loads(level)
    return raw.replace(level, json.dumps(fields[:-1], separators=(",", ":")))


CASES: dict[str, Case] = {
    # deletes the best bid of YFI-BTC
    "coinbase": Case("coinbase", "COINBASE.ws.28.0", CoinbaseParser, "YFI-BTC", 321,
                     lambda raw: _drop_last_field(raw, '["buy","0.82613","0.000000"]')),
    # deletes the 15th ask of BTC-CHF: five levels below what the checksum covers
    "kraken": Case("kraken", "KRAKEN.ws.50.0", KrakenParser, "BTC-CHF", 108,
                   lambda raw: _drop_last_field(raw, '["56734.60000","0.00000000","1618678134.242705"]')),
    "poloniex": Case("poloniex", "POLONIEX.ws.1.0", PoloniexParser, "BTC-USDT", 35,
                     lambda raw: _drop_last_field(raw, '["21614.6","0.68"]')),
    # [chanId, [price, count, amount], seq] on DOG-USD's book
    "bitfinex": Case("bitfinex", "BITFINEX.ws.11.0", BitfinexParser, "DOG-USD", 37,
                     lambda raw: raw.replace("[279380,1,0.0089]", "[279380,1]")),
}


def records(case: Case, corrupt: bool = True) -> list[CaptureRecord]:
    """The capture's received messages, the case's one corrupted (unless ``corrupt`` is false)."""
    got = received(case.capture)
    if corrupt:
        bad = case.corrupt(got[case.index].payload)
        assert bad != got[case.index].payload
        got[case.index] = replace(got[case.index], payload=bad)
    return got


def parse_each(parser: FeedParser, messages: list[CaptureRecord]) -> list[list[MarketEvent]]:
    """The events of each message, in order; a message the parser raises on gives ``[]`` (skipped,
    as the importer and the connector skip it)."""
    out: list[list[MarketEvent]] = []
    for record in messages:
        try:
            out.append(parser.parse(record.payload, record.recv_ts))
        except ValueError:  # MalformedMessage, and VenueError is not expected in these captures
            out.append([])
    return out


def stale_reports(events: list[MarketEvent], pair: str | None = None) -> list[BookStatusChanged]:
    """The stale reports among ``events`` (of ``pair``, if given)."""
    return [e for e in events if isinstance(e, BookStatusChanged) and e.stale and pair in (None, e.pair)]


def engine() -> MatchingEngine:
    """A matching engine deep enough for the captures' books."""
    return MatchingEngine(MatchingConfig(max_levels=5000))


def ioc(venue: str, pair: str, side: str, size: int, price: int, ts: int, n: int = 1) -> OrderAccepted:
    """An accepted immediate-or-cancel order."""
    return OrderAccepted(f"acc-{n}", f"o{n}", "acct", "run-1", "ws-run-1", venue, pair, side, "ioc", size,
                         price, False, None, "BTC", size, ts)


def first(events: list[Any], kind: type) -> Any:
    """The first event of type ``kind``."""
    return next(e for e in events if isinstance(e, kind))
