"""`cryptick feed`: a venue's websocket (a local server replaying the real Coinbase
capture) onto venue.journal on the real broker, with clock ticks, ready for matching."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from websockets.asyncio.server import serve

from floor.kafka import create_topics, read_topic
from producers.exchanges.coinbase.parse import CoinbaseParser
from producers.exchanges.connect import ConnectorOptions
from producers.feed_runner import FeedSpec, parse_specs, run_feeds
from schemas.codec import decode
from schemas.topics import VENUE_JOURNAL, all_topics, partition_of, qualified
from tests.integration.test_feed_connectors import Plan, ReplayServer, payloads

pytestmark = pytest.mark.integration

CAPTURE = "COINBASE.ws.28.0"


def test_feeds_are_parsed_from_the_settings_syntax() -> None:
    assert parse_specs("coinbase:btc-usd,ETH-USD; kraken:XMR-USD") == [
        FeedSpec("coinbase", ("BTC-USD", "ETH-USD")), FeedSpec("kraken", ("XMR-USD",))]
    with pytest.raises(ValueError, match="unknown venue 'gdax'"):
        parse_specs("gdax:BTC-USD")
    with pytest.raises(ValueError, match="expected VENUE:PAIR"):
        parse_specs("coinbase")


def test_a_replayed_coinbase_feed_lands_on_venue_journal_in_order(
    kafka_bootstrap: str, namespace: str
) -> None:
    create_topics(kafka_bootstrap, all_topics(namespace))
    messages, stamps = payloads(CAPTURE)
    parser = CoinbaseParser()
    expected = [e for m, t in zip(messages, stamps, strict=True) for e in parser.parse(m, t)]
    server = ReplayServer(messages, subscribe_count=1, plans=[Plan()])

    async def main() -> int:
        async with serve(server.handler, "127.0.0.1", 0) as ws_server:
            port = ws_server.sockets[0].getsockname()[1]
            pairs = tuple(sorted({e.pair for e in expected}))
            spec = FeedSpec("coinbase", pairs, url=f"ws://127.0.0.1:{port}")
            stop = asyncio.Event()
            task = asyncio.create_task(run_feeds(kafka_bootstrap, namespace, [spec], tick_s=0.2, stop=stop,
                                                 options=ConnectorOptions(seed=1)))
            # until every market event is on the journal (not a fixed sleep: a busy machine is slower)
            topic = qualified(VENUE_JOURNAL, namespace)
            deadline = asyncio.get_running_loop().time() + 90
            while asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(0.5)
                records = await asyncio.to_thread(read_topic, kafka_bootstrap, topic)
                if sum(type(decode(r.value)).__name__ != "ClockTick" for r in records) >= len(expected):
                    break
            await asyncio.sleep(0.5)  # a few clock ticks more
            stop.set()
            return await task

    sent = asyncio.run(main())
    records = read_topic(kafka_bootstrap, qualified(VENUE_JOURNAL, namespace))
    journal = [(r.partition, r.key, decode(r.value)) for r in records]
    assert len(journal) == sent
    kinds = Counter(type(e).__name__ for _, _, e in journal)
    assert kinds["ClockTick"] > 0
    def content(e: object) -> tuple[object, ...]:
        """What the venue said, without the receive time (the live connector stamps its own)."""
        fields = ("pair", "seq", "bids", "asks", "changes", "trade_id", "price", "size", "taker_side")
        return (type(e).__name__, *(getattr(e, f, None) for f in fields))

    def per_key(events: list[object]) -> dict[str, list[tuple[object, ...]]]:
        out: dict[str, list[tuple[object, ...]]] = {}
        for e in events:
            out.setdefault(e.pair, []).append(content(e))  # type: ignore[attr-defined]
        return out

    market = [e for _, _, e in journal if type(e).__name__ != "ClockTick"]
    assert per_key(market) == per_key(list(expected))  # every event, in order per book
    for partition, key, event in journal:
        assert partition == partition_of(VENUE_JOURNAL, key or b"")
        if type(event).__name__ != "ClockTick":
            assert key == f"coinbase:{event.pair}".encode()  # type: ignore[union-attr]
