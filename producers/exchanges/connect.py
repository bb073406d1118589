"""The websocket connector shared by every venue (I/O shell around the pure parsers).

``FeedConnector(feed, sink).run()`` keeps one connection to a venue alive and
awaits ``sink(event)`` for every event its parser returns, in order:

- connect, send the feed's subscribe messages, read; every received frame goes
  to a fresh parser per connection (parsers hold per-connection state such as
  Bitfinex channel ids and sequence numbers);
- resnapshot after a gap: when the parser reports a book stale (sequence gap,
  Poloniex id gap, Kraken checksum mismatch, venue restart notice, a malformed
  message of a followed book -- see ``producers.exchanges.feed``) the
  connector reconnects, which resubscribes and brings fresh snapshots. One
  rule for all venues: Bitfinex numbers its messages per connection, so only a
  new connection resets it, and a targeted resubscribe elsewhere is an
  optimisation left for later;
- staleness: no frame at all for ``stale_after_s`` (heartbeats count) ends the
  connection; an optional application-level ping keeps venues that need one
  (Poloniex) talking; websockets' protocol pings detect dead TCP;
- on any disconnect, every book that was fresh is reported stale
  (``BookStatusChanged``) before reconnecting, so nothing trades on a book
  that is no longer followed;
- reconnect with exponential backoff and jitter (``Backoff``) from an
  injectable source (``jitter``, default ``random.Random(seed).random``); the
  attempt count resets once a connection delivers a message;
- malformed messages the parser raises (they touch no followed book: a bad
  trade, a book not yet snapshotted) and venue errors are logged and counted,
  never fatal;
  an exception raised by the sink ends ``run()`` (fail fast: the producer
  could not journal the event).

We use ``websockets`` directly rather than its built-in reconnect loop so the
jitter source, the clock and the sleep are injectable (deterministic tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from producers.exchanges.backoff import Backoff
from producers.exchanges.feed import FeedParser, MalformedMessage, MarketEvent, VenueError, anchor_id
from schemas.events import BookSnapshot, BookStatusChanged

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 16 * 1024 * 1024
"""Kraken's depth-1000 snapshots run to hundreds of kilobytes; websockets' default is 1 MiB."""

EventSink = Callable[[MarketEvent], Awaitable[None]]
"""Where the connector delivers events (for example: encode and produce to ``venue.journal``)."""


class VenueFeed(Protocol):
    """What a venue's ``connect.py`` supplies: where to connect and what to say."""

    @property
    def venue(self) -> str: ...

    @property
    def url(self) -> str: ...

    @property
    def pairs(self) -> tuple[str, ...]:
        """The normalised pairs followed."""
        ...

    def new_parser(self) -> FeedParser:
        """A parser for one new connection."""
        ...

    def subscribe_messages(self) -> list[str]:
        """The text frames to send once connected."""
        ...

    def keepalive_message(self) -> str | None:
        """An application-level ping to send periodically, if the venue wants one."""
        ...


@dataclass(frozen=True, slots=True)
class ConnectorOptions:
    """Timings of one connector (seconds)."""

    stale_after_s: float = 30.0
    keepalive_every_s: float = 20.0
    open_timeout_s: float = 10.0
    close_timeout_s: float = 1.0
    """Short: a closing client whose receive queue is full only sees the venue's close frame late."""
    ping_interval_s: float | None = 20.0
    backoff: Backoff = field(default_factory=Backoff)
    seed: int | None = None
    """Seed of the default jitter source (``None``: seeded from the OS)."""


@dataclass
class ConnectorStats:
    """What happened, for logs, metrics and tests."""

    connections: int = 0
    messages: int = 0
    malformed: int = 0
    venue_errors: int = 0
    resnapshots: int = 0  # reconnections to resnapshot a book that went stale (a gap, a checksum)
    last_message_s: float | None = None  # wall time (time.time()) of the last frame received
    disconnects: list[str] = field(default_factory=list)
    delays: list[float] = field(default_factory=list)


class _Resync(Exception):
    """End this connection and reconnect (a gap, a stale book, a silent feed)."""


def _wall_clock_us() -> int:
    return time.time_ns() // 1000


class FeedConnector:
    """Follows one venue over one websocket, reconnecting for ever until ``stop()``."""

    def __init__(
        self,
        feed: VenueFeed,
        sink: EventSink,
        options: ConnectorOptions | None = None,
        *,
        clock: Callable[[], int] | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
        jitter: Callable[[], float] | None = None,
    ) -> None:
        self.feed = feed
        self.options = options or ConnectorOptions()
        self.stats = ConnectorStats()
        self._sink = sink
        self._clock = clock or _wall_clock_us
        self._sleep = sleep or self._interruptible_sleep
        self._stopped = asyncio.Event()
        self._jitter = jitter or random.Random(self.options.seed).random
        self._stopping = False
        self._ws: ClientConnection | None = None
        self._closing: asyncio.Future[None] | None = None
        self._healthy = False
        self._fresh: set[str] = set()  # pairs with a snapshot and no stale report since

    @property
    def connected(self) -> bool:
        """A session is open and has delivered a frame since it opened."""
        return self._ws is not None and self._healthy

    def stop(self) -> None:
        """Ask ``run()`` to return; closes the current connection."""
        self._stopping = True
        self._stopped.set()
        if self._ws is not None:
            self._closing = asyncio.ensure_future(self._ws.close())

    async def run(self) -> None:
        """Connect, read and reconnect until ``stop()``."""
        attempt = 0
        while not self._stopping:
            self._healthy = False
            try:
                await self._session()
                reason = "connection closed"
            except _Resync as exc:
                reason = str(exc)
            except (OSError, TimeoutError, ConnectionClosed, InvalidHandshake, InvalidURI) as exc:
                reason = f"{type(exc).__name__}: {exc}"
            if self._stopping:
                break
            log.warning("%s feed disconnected: %s", self.feed.venue, reason, extra={"venue": self.feed.venue})
            self.stats.disconnects.append(reason)
            await self._report_stale(f"disconnected: {reason}")
            if self._healthy:
                attempt = 0
            delay = self.options.backoff.delay(attempt, self._jitter)
            attempt += 1
            self.stats.delays.append(delay)
            await self._sleep(delay)

    async def _session(self) -> None:
        async with connect(
            self.feed.url,
            open_timeout=self.options.open_timeout_s,
            close_timeout=self.options.close_timeout_s,
            ping_interval=self.options.ping_interval_s,
            max_size=MAX_MESSAGE_BYTES,
        ) as ws:
            self._ws = ws
            self.stats.connections += 1
            log.info("%s feed connected to %s (connection %d)", self.feed.venue, self.feed.url,
                     self.stats.connections, extra={"venue": self.feed.venue})
            parser = self.feed.new_parser()
            keepalive = asyncio.create_task(self._keepalive(ws))
            try:
                for message in self.feed.subscribe_messages():
                    await ws.send(message)
                while not self._stopping:
                    try:
                        raw = await asyncio.wait_for(ws.recv(), self.options.stale_after_s)
                    except TimeoutError:
                        raise _Resync(f"feed silent for {self.options.stale_after_s}s") from None
                    reason = await self.handle(parser, raw)
                    if reason is not None:
                        self.stats.resnapshots += 1
                        raise _Resync(reason)
            finally:
                keepalive.cancel()
                self._ws = None

    async def handle(self, parser: FeedParser, raw: str | bytes) -> str | None:
        """Parse one received frame and deliver its events; why to resnapshot, if a book went stale."""
        self.stats.messages += 1
        self.stats.last_message_s = time.time()
        try:
            events = parser.parse(raw, self._clock())
        except MalformedMessage as exc:
            self.stats.malformed += 1
            log.warning("%s: malformed message skipped: %s", self.feed.venue, exc,
                        extra={"venue": self.feed.venue})
            return None
        except VenueError as exc:
            self.stats.venue_errors += 1
            log.error("%s: %s", self.feed.venue, exc, extra={"venue": self.feed.venue})
            return None
        self._healthy = True
        stale_reason: str | None = None
        for event in events:
            if isinstance(event, BookSnapshot):
                self._fresh.add(event.pair)
            elif isinstance(event, BookStatusChanged) and event.stale:
                self._fresh.discard(event.pair)
                stale_reason = stale_reason or f"resnapshot: {event.pair} {event.reason}"
            await self._sink(event)
        return stale_reason

    async def _report_stale(self, reason: str) -> None:
        now = self._clock()
        for pair in sorted(self._fresh):
            await self._sink(
                BookStatusChanged(
                    event_id=anchor_id(self.feed.venue, pair, "disconnected", now, self.stats.connections),
                    venue=self.feed.venue,
                    pair=pair,
                    stale=True,
                    reason=reason,
                    ts=now,
                )
            )
        self._fresh.clear()

    async def _interruptible_sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopped.wait(), seconds)

    async def _keepalive(self, ws: ClientConnection) -> None:
        message = self.feed.keepalive_message()
        if message is None:
            return
        with contextlib.suppress(ConnectionClosed):  # the read loop reports the closed connection
            while True:
                await asyncio.sleep(self.options.keepalive_every_s)
                await ws.send(message)
