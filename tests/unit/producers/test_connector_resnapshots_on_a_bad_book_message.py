"""Live, a bad message of a followed book brings a resnapshot (issue #13), tested without a network.

Given each venue's connector and a real capture with one book update corrupted, when the messages
reach ``FeedConnector.handle`` one by one (as the read loop gives them), then up to the bad one
nothing asks for a resnapshot, and the bad one delivers the book's stale report to the sink and
returns the reason to resnapshot (the read loop then reconnects, which resubscribes and brings
fresh snapshots). It is not counted as a skipped malformed message: nothing was skipped silently.
"""

from __future__ import annotations

import asyncio
from itertools import count

import pytest

from producers.exchanges.bitfinex.connect import BitfinexFeed
from producers.exchanges.coinbase.connect import CoinbaseFeed
from producers.exchanges.connect import FeedConnector, VenueFeed
from producers.exchanges.feed import MarketEvent
from producers.exchanges.kraken.connect import KrakenFeed
from producers.exchanges.poloniex.connect import PoloniexFeed
from schemas.events import BookStatusChanged
from tests.unit.producers.corrupted import CASES, records

FEEDS: dict[str, VenueFeed] = {
    "coinbase": CoinbaseFeed(pairs=("YFI-BTC",)),
    "kraken": KrakenFeed(pairs=("BTC-CHF",)),
    "poloniex": PoloniexFeed(pairs=("BTC-USDT",)),
    "bitfinex": BitfinexFeed(pairs=("DOG-USD",)),
}


def _connector(venue: str, delivered: list[MarketEvent]) -> FeedConnector:
    async def sink(event: MarketEvent) -> None:
        delivered.append(event)

    clock = count(1_700_000_000_000_000)
    return FeedConnector(FEEDS[venue], sink, clock=lambda: next(clock))


@pytest.mark.parametrize("venue", sorted(CASES))
def test_the_bad_message_asks_for_a_resnapshot(venue: str) -> None:
    case = CASES[venue]
    delivered: list[MarketEvent] = []
    connector = _connector(venue, delivered)
    parser = connector.feed.new_parser()

    async def run() -> list[str | None]:
        return [await connector.handle(parser, r.payload) for r in records(case)[: case.index + 1]]

    reasons = asyncio.run(run())

    assert reasons[:-1] == [None] * case.index
    report = delivered[-1]
    assert isinstance(report, BookStatusChanged) and report.pair == case.pair and report.stale
    assert reasons[-1] == f"resnapshot: {case.pair} {report.reason}"
    assert reasons[-1].startswith(f"resnapshot: {case.pair} malformed book message: ")
    assert connector.stats.malformed == 0

