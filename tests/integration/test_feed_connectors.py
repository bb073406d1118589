"""Feed connectors against a local websocket server (127.0.0.1) replaying the real captures.

Each connection the server accepts waits for the client's subscribe messages,
then replays the capture's received messages from the start (a venue sends
fresh snapshots after every subscribe). A per-connection plan can cut the
stream (drop the TCP connection, or go silent) and skip or corrupt messages
(to make a sequence gap or a checksum mismatch). The connector must
reconnect, resubscribe and deliver the full set of events again.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from websockets.asyncio.server import ServerConnection, serve

from producers.exchanges.backoff import Backoff
from producers.exchanges.bitfinex.connect import BitfinexFeed
from producers.exchanges.capture import Direction, read_capture
from producers.exchanges.coinbase.connect import CoinbaseFeed
from producers.exchanges.connect import ConnectorOptions, FeedConnector, VenueFeed
from producers.exchanges.feed import MarketEvent
from producers.exchanges.kraken.connect import KrakenFeed
from producers.exchanges.poloniex.connect import PoloniexFeed
from schemas.events import BookDelta, BookSnapshot, BookStatusChanged, PublicTrade

CAPTURES = Path(__file__).resolve().parents[1] / "fixtures" / "exchange-captures"
HOST = "127.0.0.1"
JITTER = 0.25


def payloads(name: str) -> tuple[list[str], list[int]]:
    """The received messages of a capture and their receive times."""
    lines = (CAPTURES / name).read_text(encoding="utf-8").splitlines()
    records = [r for r in read_capture(lines) if r.direction is Direction.RECEIVED]
    return [r.payload for r in records], [r.recv_ts for r in records]


@dataclass(frozen=True)
class Plan:
    """How the server treats one connection."""

    cut_at: int | None = None  # stop before this message index
    silent: bool = False  # at the cut: keep the connection open but say nothing (else drop TCP)
    skip: frozenset[int] = frozenset()
    corrupt: dict[int, str] = field(default_factory=dict)


class ReplayServer:
    """Replays a capture to every connection, following one ``Plan`` per connection."""

    def __init__(self, messages: list[str], subscribe_count: int, plans: list[Plan]) -> None:
        self.messages = messages
        self.subscribe_count = subscribe_count
        self.plans = plans
        self.subscriptions: list[list[str]] = []

    async def handler(self, ws: ServerConnection) -> None:
        n = len(self.subscriptions)
        plan = self.plans[n] if n < len(self.plans) else Plan()
        received = [str(await ws.recv()) for _ in range(self.subscribe_count)]
        self.subscriptions.append(received)
        for index, message in enumerate(self.messages):
            if index == plan.cut_at:
                if plan.silent:
                    await ws.wait_closed()
                else:
                    ws.transport.abort()  # a dropped connection, no closing handshake
                return
            if index not in plan.skip:
                await ws.send(plan.corrupt.get(index, message))
        await ws.wait_closed()


Market = BookSnapshot | BookDelta | PublicTrade


def comparable(event: Market) -> Market:
    """An event without what depends on the receiving clock (ids, receive times)."""
    ts = 0 if event.ts == event.recv_ts else event.ts
    return dataclasses.replace(event, event_id="", recv_ts=0, ts=ts)


def expected_events(feed: VenueFeed, messages: list[str], times: list[int]) -> list[Market]:
    parser = feed.new_parser()
    events = [e for m, t in zip(messages, times, strict=True) for e in parser.parse(m, t)]
    assert not any(isinstance(e, BookStatusChanged) for e in events)
    return [comparable(e) for e in events if not isinstance(e, BookStatusChanged)]


@dataclass
class Run:
    connector: FeedConnector
    server: ReplayServer
    delivered: list[tuple[int, MarketEvent]]  # (connection number, event)
    slept: list[float]


async def run_feed(
    make_feed: Callable[[str], VenueFeed],
    capture: str,
    plans: list[Plan],
    options: ConnectorOptions,
    connections: int,
) -> tuple[Run, list[Market]]:
    messages, times = payloads(capture)
    full = expected_events(make_feed("ws://unused"), messages, times)
    clock = iter(range(1_700_000_000_000_000, 1_800_000_000_000_000))
    delivered: list[tuple[int, MarketEvent]] = []
    slept: list[float] = []
    done = asyncio.Event()

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        await asyncio.sleep(0)

    holder: list[FeedConnector] = []

    on_last = [0]

    async def sink(event: MarketEvent) -> None:
        connector = holder[0]
        delivered.append((connector.stats.connections, event))
        if connector.stats.connections == connections and not isinstance(event, BookStatusChanged):
            on_last[0] += 1
            if on_last[0] == len(full):
                connector.stop()
                done.set()

    probe = make_feed("ws://unused")
    server = ReplayServer(messages, len(probe.subscribe_messages()), plans)
    async with serve(server.handler, HOST, 0) as ws_server:
        port = ws_server.sockets[0].getsockname()[1]
        feed = make_feed(f"ws://{HOST}:{port}")
        connector = FeedConnector(
            feed, sink, options, clock=lambda: next(clock), sleep=sleep, jitter=lambda: JITTER
        )
        holder.append(connector)
        await asyncio.wait_for(connector.run(), timeout=120)
    assert done.is_set()
    return Run(connector, server, delivered, slept), full


def market_events(run: Run, connection: int) -> list[Market]:
    events = [e for n, e in run.delivered if n == connection]
    return [comparable(e) for e in events if not isinstance(e, BookStatusChanged)]


def stale_reports(run: Run) -> list[BookStatusChanged]:
    return [e for _, e in run.delivered if isinstance(e, BookStatusChanged)]


FEEDS: dict[str, tuple[Callable[[str], VenueFeed], str]] = {
    "coinbase": (lambda url: CoinbaseFeed(pairs=("BAND-GBP", "SKL-USD"), url=url), "COINBASE.ws.28.0"),
    "bitfinex": (lambda url: BitfinexFeed(pairs=("DOG-USD", "IOT-ETH"), url=url), "BITFINEX.ws.11.0"),
    "poloniex": (lambda url: PoloniexFeed(pairs=("BTC-USDT",), url=url), "POLONIEX.ws.1.0"),
    "kraken": (lambda url: KrakenFeed(pairs=("XMR-USD", "SC-EUR"), url=url), "KRAKEN.ws.50.0"),
}
FAST = ConnectorOptions(stale_after_s=5.0, ping_interval_s=None, backoff=Backoff(0.5, 30.0))


@pytest.mark.parametrize("venue", sorted(FEEDS))
def test_a_dropped_connection_is_reconnected_resubscribed_and_replayed(venue: str) -> None:
    make_feed, capture = FEEDS[venue]
    messages, _ = payloads(capture)
    cut = len(messages) // 2
    run, full = asyncio.run(run_feed(make_feed, capture, [Plan(cut_at=cut)], FAST, connections=2))

    assert run.connector.stats.connections == 2
    subscribe = make_feed("ws://unused").subscribe_messages()
    assert run.server.subscriptions == [subscribe, subscribe]  # resubscribed, same messages
    # everything before the cut arrived on the first connection, everything on the second
    first = market_events(run, 1)
    assert first == full[: len(first)] and len(first) > 0
    assert market_events(run, 2) == full
    # the books followed before the drop were reported stale, once each, before reconnecting
    fresh = sorted({e.pair for e in first if isinstance(e, BookSnapshot)})
    reports = stale_reports(run)
    assert [r.pair for r in reports] == fresh
    assert all(r.reason.startswith("disconnected: ConnectionClosedError") for r in reports)
    # one reconnect, after the first backoff step with the injected jitter
    assert run.slept == run.connector.stats.delays == [Backoff(0.5, 30.0).delay(0, lambda: JITTER)]


def test_a_bitfinex_sequence_gap_forces_a_resnapshot() -> None:
    make_feed, capture = FEEDS["bitfinex"]
    plan = Plan(skip=frozenset({600}))
    run, full = asyncio.run(run_feed(make_feed, capture, [plan], FAST, connections=2))
    assert run.connector.stats.connections == 2
    assert market_events(run, 2) == full
    gap_reports = [r for r in stale_reports(run) if "sequence gap" in r.reason]
    assert gap_reports and all(r.stale for r in gap_reports)
    assert run.connector.stats.disconnects[0].startswith("resnapshot: ")
    # and the feed's metrics say so: two sessions, one resnapshot, every frame counted, none malformed
    from prometheus_client import generate_latest

    from producers.feed_metrics import FeedCollector
    from streams.runtime.metrics import process_registry

    metrics = FeedCollector()
    metrics.watch([run.connector])
    text = generate_latest(process_registry(metrics)).decode()
    assert 'cryptick_feed_connections_total{venue="bitfinex"} 2.0' in text
    assert 'cryptick_feed_resnapshots_total{venue="bitfinex"} 1.0' in text
    assert f'cryptick_feed_messages_total{{venue="bitfinex"}} {float(run.connector.stats.messages)}' in text
    assert run.connector.stats.messages > 600
    assert 'cryptick_feed_malformed_messages_total{venue="bitfinex"} 0.0' in text
    assert 'cryptick_feed_connected{venue="bitfinex"} 0.0' in text  # the run is over
    assert "cryptick_feed_last_message_age_seconds" in text


def snapshot_pairs(events: list[Market]) -> set[str]:
    return {e.pair for e in events if isinstance(e, BookSnapshot)}


def test_a_poloniex_id_gap_forces_a_resnapshot() -> None:
    make_feed, capture = FEEDS["poloniex"]
    messages, _ = payloads(capture)
    update = next(
        i for i, m in enumerate(messages) if i > 20 and '"BTC_USDT"' in m and '"action":"update"' in m
    )
    run, full = asyncio.run(
        run_feed(make_feed, capture, [Plan(skip=frozenset({update}))], FAST, connections=2)
    )
    assert run.connector.stats.connections == 2
    assert market_events(run, 2) == full
    gap, *others = stale_reports(run)
    assert gap.pair == "BTC-USDT" and "book id gap" in gap.reason
    # the other books go stale with the connection, once each
    assert sorted(r.pair for r in others) == sorted(snapshot_pairs(market_events(run, 1)) - {"BTC-USDT"})
    assert all(r.reason.startswith("disconnected: resnapshot: BTC-USDT") for r in others)


def test_a_kraken_checksum_mismatch_forces_a_resnapshot() -> None:
    make_feed, capture = FEEDS["kraken"]
    messages, _ = payloads(capture)
    target = next(i for i, m in enumerate(messages) if '"c":"4105471083"' in m)
    corrupt = {target: messages[target].replace('"364630.28272081"', '"364630.28272082"')}
    run, full = asyncio.run(run_feed(make_feed, capture, [Plan(corrupt=corrupt)], FAST, connections=2))
    assert run.connector.stats.connections == 2
    assert market_events(run, 2) == full
    mismatch, *others = stale_reports(run)
    assert mismatch.pair == "SC-EUR" and mismatch.reason.startswith("checksum mismatch")
    assert sorted(r.pair for r in others) == sorted(snapshot_pairs(market_events(run, 1)) - {"SC-EUR"})


def test_a_silent_feed_is_detected_and_reconnected() -> None:
    make_feed, capture = FEEDS["kraken"]
    options = dataclasses.replace(FAST, stale_after_s=0.5)
    plan = Plan(cut_at=300, silent=True)
    run, full = asyncio.run(run_feed(make_feed, capture, [plan], options, connections=2))
    assert run.connector.stats.connections == 2
    assert run.connector.stats.disconnects == ["feed silent for 0.5s"]
    assert market_events(run, 2) == full
    assert all("feed silent" in r.reason for r in stale_reports(run))


def test_backoff_grows_while_the_venue_refuses_connections() -> None:
    async def scenario() -> tuple[FeedConnector, list[float]]:
        slept: list[float] = []
        holder: list[FeedConnector] = []

        async def sink(event: MarketEvent) -> None:
            raise AssertionError("no events expected")

        async def sleep(seconds: float) -> None:
            slept.append(seconds)
            if len(slept) == 5:
                holder[0].stop()
            await asyncio.sleep(0)

        # a port that was just free: connections are refused
        async with serve(lambda ws: ws.close(), HOST, 0) as ws_server:
            port = ws_server.sockets[0].getsockname()[1]
        feed = CoinbaseFeed(pairs=("BTC-USD",), url=f"ws://{HOST}:{port}")
        holder.append(FeedConnector(feed, sink, FAST, sleep=sleep, jitter=lambda: JITTER))
        await asyncio.wait_for(holder[0].run(), timeout=30)
        return holder[0], slept

    connector, slept = asyncio.run(scenario())
    backoff = Backoff(0.5, 30.0)
    assert slept == [backoff.delay(n, lambda: JITTER) for n in range(5)] == [0.3125, 0.625, 1.25, 2.5, 5.0]
    assert connector.stats.connections == 0
    assert all("Errno" in reason or "refused" in reason.lower() for reason in connector.stats.disconnects)
