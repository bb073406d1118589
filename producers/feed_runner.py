"""Run exchange feeds (and the clock) onto ``venue.journal`` (I/O).

Each venue's connector delivers normalised events; the sink encodes them and
produces them under their ``venue:PAIR`` key, with the partition computed the
one way every producer computes it. A clock task appends a ClockTick per
followed book every ``tick_s`` of wall time, so ``cancel_after`` and strategy
timers fire on live data too.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from floor.kafka import Deliveries, produce, producer
from producers.clock import tick
from producers.exchanges.bitfinex.connect import BitfinexFeed
from producers.exchanges.coinbase.connect import CoinbaseFeed
from producers.exchanges.connect import ConnectorOptions, FeedConnector, VenueFeed
from producers.exchanges.feed import MarketEvent
from producers.exchanges.kraken.connect import KrakenFeed
from producers.exchanges.poloniex.connect import PoloniexFeed
from producers.scenario import Message
from schemas.codec import default_codec
from schemas.events import Event, MarketListed
from schemas.topics import VENUE_JOURNAL, partition_of, qualified, venue_key

log = logging.getLogger(__name__)

FEEDS: dict[str, type] = {
    "coinbase": CoinbaseFeed,
    "bitfinex": BitfinexFeed,
    "poloniex": PoloniexFeed,
    "kraken": KrakenFeed,
}


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """One venue to follow: its pairs, and optionally another websocket URL."""

    venue: str
    pairs: tuple[str, ...]
    url: str | None = None


def parse_specs(text: str) -> list[FeedSpec]:
    """'coinbase:BTC-USD,ETH-USD;bitfinex:BTC-USD' -> specs; ValueError saying what to fix."""
    specs = []
    for part in (p.strip() for p in text.split(";") if p.strip()):
        venue, sep, pairs = part.partition(":")
        venue = venue.strip().lower()
        if not sep or not pairs.strip():
            raise ValueError(f"bad feed {part!r}: expected VENUE:PAIR[,PAIR...], e.g. coinbase:BTC-USD")
        if venue not in FEEDS:
            raise ValueError(f"unknown venue {venue!r}; choose from {', '.join(FEEDS)}")
        specs.append(FeedSpec(venue, tuple(p.strip().upper() for p in pairs.split(",") if p.strip())))
    if not specs:
        raise ValueError("no feed given: e.g. --feeds 'coinbase:BTC-USD,ETH-USD'")
    return specs


def make_feed(spec: FeedSpec) -> VenueFeed:
    cls = FEEDS[spec.venue]
    feed: VenueFeed = cls(pairs=spec.pairs, url=spec.url) if spec.url else cls(pairs=spec.pairs)
    return feed


class JournalSink:
    """Encodes market events and produces them onto the namespace's ``venue.journal``."""

    def __init__(self, bootstrap: str, namespace: str) -> None:
        self.topic = qualified(VENUE_JOURNAL, namespace)
        self.codec = default_codec()
        self.deliveries = Deliveries()
        self.producer = producer(bootstrap, on_delivery=self.deliveries)
        self.sent = 0

    def put(self, key: str, event: Event) -> None:
        self.deliveries.check()  # a feed must not go on journaling into nowhere
        k = key.encode()
        produce(self.producer, self.topic, self.codec.encode(event), k, partition_of(VENUE_JOURNAL, k))
        self.sent += 1
        self.producer.poll(0)

    async def __call__(self, event: MarketEvent) -> None:
        self.put(venue_key(event.venue, event.pair), event)

    def flush(self, timeout: float = 30.0) -> int:
        left = int(self.producer.flush(timeout))
        self.deliveries.check()
        return left


async def _clock(sink: JournalSink, keys: Sequence[str], tick_s: float, stop: asyncio.Event) -> None:
    while not stop.is_set():
        now = int(time.time() * 1_000_000)  # producers bring the outside world's time in
        for key in keys:
            sink.put(key, tick(key, now))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=tick_s)


async def run_feeds(bootstrap: str, namespace: str, specs: Sequence[FeedSpec], tick_s: float = 1.0,
                    stop: asyncio.Event | None = None, options: ConnectorOptions | None = None,
                    metrics: Any = None) -> int:
    """Follow every spec until ``stop`` is set; the number of events journaled. ``metrics``: a
    ``producers.feed_metrics.FeedCollector`` told the connectors and the sink."""
    stop = stop or asyncio.Event()
    sink = JournalSink(bootstrap, namespace)
    connectors = [FeedConnector(make_feed(s), sink, options) for s in specs]
    if metrics is not None:
        metrics.watch(connectors, sink)
    keys = [venue_key(s.venue, p) for s in specs for p in s.pairs]
    tasks = [asyncio.create_task(c.run()) for c in connectors]
    tasks.append(asyncio.create_task(_clock(sink, keys, tick_s, stop)))
    stopped = asyncio.create_task(stop.wait())
    try:
        # a connector or the clock that fails (e.g. Kafka refuses its messages) ends the feed, loudly
        await asyncio.wait([stopped, *tasks], return_when=asyncio.FIRST_COMPLETED)
        for t in tasks:
            if t.done() and not t.cancelled() and t.exception() is not None:
                raise t.exception()  # type: ignore[misc]
    finally:
        stopped.cancel()
        for c in connectors:
            c.stop()
        for t in tasks:
            t.cancel()
        await asyncio.gather(stopped, *tasks, return_exceptions=True)
        sink.flush()
    return sink.sent


def synthetic_messages(steps: int, seed: int = 7, start_ts: int | None = None
                       ) -> tuple[list[Message], Iterator[Message]]:
    """The seeded synthetic market as (listings, then the market events with a clock tick per book
    every second of event time). Listings go to ``venue.journal`` and to every ``ledger.journal``
    partition (``listing_messages``: the ledgers check orders against them). ``start_ts`` moves the
    market's event time (default: the config's, 2018-01-01), e.g. to now for paper runs."""
    import dataclasses

    from producers.clock import Clock
    from producers.scenario import listing_messages
    from producers.synthetic import SyntheticConfig, SyntheticFeed

    config = SyntheticConfig(seed=seed)
    if start_ts is not None:
        config = dataclasses.replace(config, start_ts=start_ts)
    feed = SyntheticFeed(config)
    listings = [m for listing in feed.listings() for m in listing_messages(listing)]

    def events() -> Iterator[Message]:
        clock = Clock([venue_key(config.venue, p) for p in config.pairs()], every_us=1_000_000)
        for event in feed.events(steps):
            yield Message(VENUE_JOURNAL, venue_key(event.venue, event.pair), event)  # type: ignore[union-attr]
            for t in clock.advance(event.ts):
                yield Message(VENUE_JOURNAL, t.key, t)

    return listings, events()


def run_synthetic(bootstrap: str, namespace: str, steps: int, speed: float, seed: int = 7,
                  start_ts: int | None = None) -> int:
    """The seeded synthetic market (``synthetic_messages``) paced at ``speed`` x event time; listings
    reach every ledger partition. Refuses (``PartitionMismatch``) a namespace whose topics have other
    partition counts."""
    from producers.publish import publish

    _check_partitions(bootstrap, namespace)
    listings, events = synthetic_messages(steps, seed, start_ts=start_ts)
    return publish(bootstrap, itertools.chain(listings, events), namespace, speed)


def publish_markets(bootstrap: str, namespace: str, listings: Sequence[MarketListed]) -> int:
    """Listings onto ``venue.journal`` (per book) and every ``ledger.journal`` partition
    (``listing_messages``). Refuses (``PartitionMismatch``) a namespace whose topics have other
    partition counts."""
    from producers.publish import publish
    from producers.scenario import listing_messages

    _check_partitions(bootstrap, namespace)
    return publish(bootstrap, [m for listing in listings for m in listing_messages(listing)], namespace)


def _check_partitions(bootstrap: str, namespace: str) -> None:
    """A listing goes to every ledger partition there is meant to be: refuse topics made with other counts."""
    from floor.kafka import check_partitions
    from schemas.topics import all_topics

    check_partitions(bootstrap, all_topics(namespace))
