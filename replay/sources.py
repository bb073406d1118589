"""The backtest engine's ports: where market events come from, where its journals go.

``MarketSource``: the listings and market events of a time range.

A source gives the listings of its markets and their book snapshots, deltas
and public trades in event-time order. Adapters: ``ListSource`` (in memory,
for tests), ``SyntheticSource`` (the seeded synthetic feed), ``ArchiveSource``
(a namespace's archived ``venue.journal`` in ClickHouse; the archive reader
being built under ``streams/archive`` can replace its queries behind the same
port).

``JournalSink``: where the engine appends each inbox and output message, in
order. ``MemoryJournal`` keeps them with their partition and offset, ready to
be written to ClickHouse or re-published to Kafka; ``NullJournal`` keeps
nothing (and spares the encoding).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from producers.synthetic import ASSETS, SyntheticConfig, SyntheticFeed
from schemas.codec import default_codec
from schemas.events import BookDelta, BookSnapshot, MarketListed, PublicTrade
from schemas.topics import VENUE_JOURNAL, partition_of, qualified, venue_key
from strategies.api import MarketRef

MarketEvent = BookSnapshot | BookDelta | PublicTrade
MARKET_TYPES = ("BookSnapshot", "BookDelta", "PublicTrade")


class NoData(LookupError):
    """A market the run needs has no data in the source for the time range."""


class MarketSource(Protocol):
    """Listings and market events of some markets over a time range."""

    def listings(self) -> Sequence[MarketListed]:
        """The trading rules of every market the source has (one listing per market)."""
        ...

    def markets(self) -> Sequence[MarketRef]:
        """The markets with data in the range, sorted."""
        ...

    def events(self) -> Iterator[MarketEvent]:
        """Market events in event-time order (a new iterator on each call, same events each time)."""
        ...


def require(source: MarketSource, needed: Sequence[MarketRef], span: str = "") -> None:
    """Raise ``NoData`` naming the first needed market the source has no data for."""
    have = set(source.markets())
    for market in needed:
        if market not in have:
            known = ", ".join(str(m) for m in sorted(have)) or "none"
            raise NoData(f"no data for {market}{' ' + span if span else ''}; the source has: {known}")


@dataclass(frozen=True, slots=True)
class ListSource:
    """Events held in memory (tests, small fixtures)."""

    listed: tuple[MarketListed, ...]
    items: tuple[MarketEvent, ...] = field(default=())

    def listings(self) -> Sequence[MarketListed]:
        return self.listed

    def markets(self) -> Sequence[MarketRef]:
        return sorted({MarketRef(e.venue, e.pair) for e in self.items})

    def events(self) -> Iterator[MarketEvent]:
        return iter(self.items)


class SyntheticSource:
    """The seeded synthetic market (``producers.synthetic``) on one venue, cut to ``[start, end)``."""

    def __init__(self, venue: str, bases: Sequence[str], start_ts: int, end_ts: int, quote: str = "USD",
                 seed: int = 7, step_us: int = 1_000_000, levels: int = 25) -> None:
        unknown = sorted(set(bases) - set(ASSETS))
        if unknown:
            pairs = ", ".join(f"{venue}:{b}-{quote}" for b in unknown)
            raise NoData(f"no data for {pairs}: the synthetic source models "
                         f"{', '.join(sorted(ASSETS))} against {quote}")
        if end_ts <= start_ts:
            raise ValueError("the synthetic source needs end after start")
        self.config = SyntheticConfig(seed=seed, venue=venue, bases=tuple(sorted(set(bases))), quote=quote,
                                      start_ts=start_ts, step_us=step_us, levels=levels)
        self.end_ts = end_ts

    def listings(self) -> Sequence[MarketListed]:
        return SyntheticFeed(self.config).listings()

    def markets(self) -> Sequence[MarketRef]:
        return sorted(MarketRef(self.config.venue, p) for p in self.config.pairs())

    def steps(self) -> int:
        return -(-(self.end_ts - self.config.start_ts) // self.config.step_us)

    def events(self) -> Iterator[MarketEvent]:
        end = self.end_ts
        for event in SyntheticFeed(self.config).events(self.steps()):
            if event.ts >= end:
                return
            assert isinstance(event, BookSnapshot | BookDelta | PublicTrade)
            yield event


class ArchiveSource:
    """A namespace's archived ``venue.journal``: each book in offset order, books merged by ``ts``.

    Each book starts from its last snapshot at or before ``start_ts`` (so the
    book is whole from the start), and reading is batched (``batch`` rows per
    query) so a long range never sits in memory.
    """

    def __init__(self, client: Any, namespace: str, wanted: Sequence[MarketRef], start_ts: int, end_ts: int,
                 batch: int = 20_000) -> None:
        self.client = client
        self.topic = qualified(VENUE_JOURNAL, namespace)
        self.wanted = sorted(wanted)
        self.start_ts = start_ts
        self.end_ts = end_ts
        self.batch = batch

    def _rows(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        return list(self.client.query(sql, parameters={"t": self.topic, **params},
                                      column_formats={"value": "bytes"}).result_rows)

    def listings(self) -> Sequence[MarketListed]:
        codec = default_codec()
        latest: dict[str, MarketListed] = {}
        for (value,) in self._rows(
                "SELECT value FROM archive_messages FINAL WHERE topic = {t:String}"
                " AND event_type = 'MarketListed' AND ts < {e:Int64} ORDER BY ts, partition, offset",
                e=self.end_ts):
            event = codec.decode(value)
            assert isinstance(event, MarketListed)
            latest[venue_key(event.venue, event.pair)] = event
        return [latest[k] for k in sorted(latest)]

    def markets(self) -> Sequence[MarketRef]:
        rows = self._rows(
            "SELECT DISTINCT key FROM archive_messages WHERE topic = {t:String}"
            " AND event_type IN ('BookSnapshot', 'BookDelta', 'PublicTrade')"
            " AND ts >= {s:Int64} AND ts < {e:Int64}", s=self.start_ts, e=self.end_ts)
        out = []
        for (key,) in rows:
            text = key.decode() if isinstance(key, bytes) else str(key)
            venue, _, pair = text.partition(":")
            out.append(MarketRef(venue, pair))
        return sorted(out)

    def _from(self, key: str) -> int:
        rows = self._rows(
            "SELECT max(ts) FROM archive_messages WHERE topic = {t:String} AND key = {k:String}"
            " AND event_type = 'BookSnapshot' AND ts <= {s:Int64}", k=key, s=self.start_ts)
        last = rows[0][0] if rows else None
        return int(last) if last else self.start_ts

    def _book(self, market: MarketRef) -> Iterator[MarketEvent]:
        codec = default_codec()
        key = venue_key(market.venue, market.pair)
        start, after = self._from(key), -1
        while True:
            rows = self._rows(
                "SELECT offset, value FROM archive_messages FINAL WHERE topic = {t:String}"
                " AND key = {k:String} AND event_type IN ('BookSnapshot', 'BookDelta', 'PublicTrade')"
                " AND ts >= {s:Int64} AND ts < {e:Int64} AND offset > {a:Int64}"
                " ORDER BY offset LIMIT {n:UInt32}",
                k=key, s=start, e=self.end_ts, a=after, n=self.batch)
            for offset, value in rows:
                event = codec.decode(value)
                assert isinstance(event, BookSnapshot | BookDelta | PublicTrade)
                yield event
                after = int(offset)
            if len(rows) < self.batch:
                return

    def events(self) -> Iterator[MarketEvent]:
        books = [self._book(m) for m in self.wanted]
        return heapq.merge(*books, key=lambda e: e.ts)


class JournalSink(Protocol):
    """Where the engine appends the messages of its inboxes and outputs, in order."""

    def wants(self, topic: str) -> bool:
        """Whether messages of this logical topic are wanted (the engine skips encoding them if not)."""
        ...

    def append(self, topic: str, key: str, value: bytes) -> None: ...


class NullJournal:
    """Keeps nothing (the fastest backtest)."""

    def wants(self, topic: str) -> bool:
        return False

    def append(self, topic: str, key: str, value: bytes) -> None:
        raise AssertionError("NullJournal wants nothing")


@dataclass(frozen=True, slots=True)
class JournalMessage:
    """One message as Kafka would hold it: logical topic, partition, offset, key, value."""

    topic: str
    partition: int
    offset: int
    key: bytes
    value: bytes


class MemoryJournal:
    """Every message of the wanted topics, with the partition ``partition_of`` gives its key and its offset
    in that partition: ready to be written to ClickHouse or re-published to Kafka as is."""

    def __init__(self, topics: Iterable[str] | None = None) -> None:
        self.topics = None if topics is None else frozenset(topics)
        self.messages: dict[str, list[JournalMessage]] = {}
        self._offsets: dict[tuple[str, int], int] = {}

    def wants(self, topic: str) -> bool:
        return self.topics is None or topic in self.topics

    def append(self, topic: str, key: str, value: bytes) -> None:
        k = key.encode()
        part = partition_of(topic, k)
        offset = self._offsets.get((topic, part), 0)
        self._offsets[(topic, part)] = offset + 1
        self.messages.setdefault(topic, []).append(JournalMessage(topic, part, offset, k, value))

    def topic(self, topic: str) -> list[JournalMessage]:
        """A topic's messages in append order (offset order within each partition)."""
        return list(self.messages.get(topic, ()))

    def by_partition(self, topic: str) -> Iterator[tuple[int, int, bytes | None, bytes]]:
        """(partition, offset, key, value), partition by partition, as ``replay.inprocess.run`` reads."""
        for m in sorted(self.messages.get(topic, ()), key=lambda m: (m.partition, m.offset)):
            yield m.partition, m.offset, m.key, m.value
