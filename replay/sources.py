"""The backtest engine's ports: where market events come from, where its journals go.

``MarketSource``: the listings and market events of a time range.

A source gives the listings of its markets and their book snapshots, deltas
and public trades in event-time order. Adapters: ``ListSource`` (in memory,
for tests), ``SyntheticSource`` (the seeded synthetic feed), ``ArchiveSource``
(archived market data in ClickHouse, each book from one *dataset*).

Datasets. A dataset is one archived topic that holds market events: a
namespace's ``venue.journal`` (recorded live), an import (``import.<venue>.<digest>``,
one file) or a backfill (``backfill.<venue>.<digest>``). Stored backtests'
topics are copies of their sources and are no dataset. For each market a run
needs, ``choose`` picks the one dataset with events of that book in the time
range, among every dataset or only the named ones; two datasets holding the
same book in the range are refused (``OverlappingData``), whether their spans
overlap or not, because a book stitched from two recordings is neither: the
message lists them and says how to pick one. Different markets may come from
different datasets.

``JournalSink``: where the engine appends each inbox and output message, in
order. ``MemoryJournal`` keeps them with their partition and offset, ready to
be written to ClickHouse or re-published to Kafka; ``NullJournal`` keeps
nothing (and spares the encoding). A sink that also has ``append_item``
(``ItemSink``: ``replay.runs.RunArchive``) is given the events themselves, with
their encoding when the engine has it, and encodes the rest itself, in batches.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from floor.clickhouse import ClickHouse
from producers.synthetic import ASSETS, SyntheticConfig, SyntheticFeed
from schemas.codec import default_codec
from schemas.events import BookDelta, BookSnapshot, BookStatusChanged, MarketListed, PublicTrade
from schemas.topics import VENUE_JOURNAL, partition_of, qualified, venue_key
from schemas.units import US
from strategies.api import MarketRef

MarketEvent = BookSnapshot | BookDelta | PublicTrade | BookStatusChanged


def received(event: MarketEvent) -> int:
    """When the event reached us: its ``recv_ts`` (a status change, made by us, at its ``ts``).

    A backtest delivers each market event at this time, as the live journal holds events in the order
    they were received: so a candle's imported trades (stamped inside the candle, received at its close)
    are seen only once the candle has closed.
    """
    return event.ts if isinstance(event, BookStatusChanged) else event.recv_ts
MARKET_TYPES = ("BookSnapshot", "BookDelta", "PublicTrade", "BookStatusChanged")
"""What a backtest replays of a book: live, the matching engine gets all four (a stale report too)."""


class NoData(LookupError):
    """A market the run needs has no data in the source for the time range."""


class OverlappingData(LookupError):
    """More than one dataset holds a market the run needs in its time range; the message lists them."""


def origin(topic: str) -> str:
    """Where a dataset came from, from its topic's name."""
    if topic.startswith("import."):
        return "import file"
    if topic.startswith("backfill."):
        return "backfill"
    if topic == VENUE_JOURNAL:
        return "live namespace (default)"
    if topic.endswith("." + VENUE_JOURNAL):
        return f"live namespace {topic[:-len(VENUE_JOURNAL) - 1]}"
    return "other topic"


def _utc(ts: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts / US, UTC).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True, slots=True)
class Coverage:
    """One dataset's events of one market in the time range asked for."""

    dataset: str
    market: MarketRef
    first_ts: int
    last_ts: int
    events: int

    def describe(self) -> str:
        return (f"{self.dataset} ({origin(self.dataset)}, {_utc(self.first_ts)} to {_utc(self.last_ts)}, "
                f"{self.events} events)")


def choose(coverage: Sequence[Coverage], wanted: Sequence[MarketRef], named: Sequence[str] = (),
           known: Sequence[str] | None = None) -> dict[MarketRef, str]:
    """Each wanted market -> the one dataset holding it (among ``named`` if any); a market no
    candidate holds is left out (``require`` names it). ``known``: every dataset, to refuse a name
    that is none. Raises ``OverlappingData`` for a market two candidates hold."""
    if named and known is not None:
        unknown = sorted(set(named) - set(known))
        if unknown:
            raise NoData(f"no dataset named {', '.join(unknown)}; `cryptick market datasets` lists them")
    chosen: dict[MarketRef, str] = {}
    for market in sorted(set(wanted)):
        held = sorted((c for c in coverage if c.market == market and (not named or c.dataset in named)),
                      key=lambda c: (c.first_ts, c.dataset))
        if len(held) > 1:
            listed = "; ".join(c.describe() for c in held)
            raise OverlappingData(
                f"{market} is in {len(held)} datasets in that time range: {listed}. A backtest reads each "
                "market from one dataset: name one with --dataset NAME (`cryptick market datasets` lists "
                "them), or narrow --start/--end to one of them")
        if held:
            chosen[market] = held[0].dataset
    return chosen


def unruled_listing(market: MarketRef, ts: int) -> MarketListed:
    """The listing of a market whose data came without its venue's trading rules (candles): the finest
    increments the wire carries (1e-8), no minimum beyond one unit, no maximum."""
    base, _, quote = market.pair.partition("-")
    return MarketListed(f"{venue_key(market.venue, market.pair)}:unruled", market.venue, market.pair, base,
                        quote, price_increment=1, size_increment=1, min_size=1, max_size=None,
                        min_notional=None, ts=ts)


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
        # a plain tuple per event, a MarketRef per market: a named tuple built for every event cost a few
        # per cent of a backtest of one-change messages (bench/nautilus.py)
        return sorted(MarketRef(venue, pair) for venue, pair in {(e.venue, e.pair) for e in self.items})

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


@dataclass(frozen=True, slots=True)
class DatasetSummary:
    """What one dataset holds of one book (``pair`` "*": the listings of a dataset that has only those)."""

    dataset: str
    origin: str
    venue: str
    pair: str
    kinds: tuple[str, ...]  # "L2 book", "trades", "candles 5m", "bar-fill books", "listings"
    first_ts: int
    last_ts: int
    events: int


def _width(us: int) -> str:
    for unit, size in (("d", 86_400 * US), ("h", 3_600 * US), ("m", 60 * US), ("s", US)):
        if us % size == 0:
            return f"{us // size}{unit}"
    return f"{us}us"


BAR_FILL_KIND = "bar-fill books"
"""The kind of a candle dataset's books: made from its candles (``producers.barfill``), not a venue's."""


def dataset_summaries(client: ClickHouse) -> list[DatasetSummary]:
    """Every dataset of the archive, per book: its kinds of data, first and last time, event count."""
    from streams.archive.reader import candle_widths, holdings

    widths = candle_widths(client)
    books: dict[tuple[str, str, str], list[Any]] = {}
    for h in holdings(client):
        books.setdefault((h.topic, h.venue, h.pair), []).append(h)
    out: list[DatasetSummary] = []
    listed_only: dict[tuple[str, str], list[Any]] = {}
    for (topic, venue, pair), held in sorted(books.items()):
        if origin(topic) == "other topic":  # a ledger's copy of the listings, say
            continue
        types = {h.event_type for h in held}
        kinds = []
        width = widths.get((topic, venue, pair))
        if "PublicTrade" in types and width is not None:
            kinds.append(f"candles {_width(width)}")
        if types & {"BookSnapshot", "BookDelta"}:
            kinds.append("L2 book" if width is None else BAR_FILL_KIND)
        if "PublicTrade" in types and width is None:
            kinds.append("trades")
        if types == {"MarketListed"}:
            listed_only.setdefault((topic, venue), []).extend(held)
            continue
        if "MarketListed" in types:
            kinds.append("listings")
        out.append(DatasetSummary(topic, origin(topic), venue, pair, tuple(kinds),
                                  min(h.first_ts for h in held), max(h.last_ts for h in held),
                                  sum(h.events for h in held)))
    mixed = {s.dataset for s in out}
    for (topic, venue), held in listed_only.items():
        if topic not in mixed:  # a product list: one line, not one per market
            out.append(DatasetSummary(topic, origin(topic), venue, "*", (f"listings of {len(held)} markets",),
                                      min(h.first_ts for h in held), max(h.last_ts for h in held),
                                      sum(h.events for h in held)))
    return sorted(out, key=lambda s: (s.venue, s.pair, s.first_ts, s.dataset))


class ArchiveSource:
    """Archived market events, each wanted book from one dataset (``choose``): in offset order, books
    merged by ``ts``; listings from the books' datasets, else the latest of any dataset.

    ``namespace`` (None: any) and ``datasets`` name the candidate datasets: a namespace's
    ``venue.journal`` and topics. Each book starts from its last snapshot at or before ``start_ts`` (so
    the book is whole from the start), and reading is batched (``batch`` rows per query) so a long range
    never sits in memory.
    """

    def __init__(self, client: ClickHouse, namespace: str | None, wanted: Sequence[MarketRef], start_ts: int,
                 end_ts: int, batch: int = 20_000, datasets: Sequence[str] = ()) -> None:
        from streams.archive.reader import holdings

        self.client = client
        self.wanted = sorted(wanted)
        self.start_ts = start_ts
        self.end_ts = end_ts
        self.batch = batch
        named = [*datasets, *([qualified(VENUE_JOURNAL, namespace)] if namespace is not None else [])]
        books = [(m.venue, m.pair) for m in self.wanted]
        spans: dict[tuple[str, MarketRef], list[int]] = {}
        for h in holdings(self.client, books, start_ts, end_ts, MARKET_TYPES[:3]):
            span = spans.setdefault((h.topic, MarketRef(h.venue, h.pair)), [h.first_ts, h.last_ts, 0])
            span[0], span[1], span[2] = min(span[0], h.first_ts), max(span[1], h.last_ts), span[2] + h.events
        self.coverage = [Coverage(t, m, a, b, n) for (t, m), (a, b, n) in sorted(spans.items())]
        known = None if not named else sorted({h.topic for h in holdings(self.client, books)} | set(
            [qualified(VENUE_JOURNAL, namespace)] if namespace is not None else []))
        self.chosen = choose(self.coverage, self.wanted, named, known)

    def _rows(self, sql: str, **params: Any) -> list[tuple[Any, ...]]:
        return list(self.client.query(sql, parameters=params, column_formats={"value": "bytes"}).result_rows)

    def used(self) -> dict[str, list[str]]:
        """Dataset -> the markets read from it."""
        out: dict[str, list[str]] = {}
        for market, topic in sorted(self.chosen.items()):
            out.setdefault(topic, []).append(str(market))
        return out

    def from_candles(self) -> list[str]:
        """The markets (venue:PAIR) read from candle datasets: their fills come from bar-fill books."""
        from streams.archive.reader import candle_widths

        widths = candle_widths(self.client)
        return [str(m) for m, topic in sorted(self.chosen.items()) if (topic, m.venue, m.pair) in widths]

    def describe(self) -> list[str]:
        """One line per dataset used: its name, where it came from, the markets read from it."""
        return [f"{topic} ({origin(topic)}): {', '.join(markets)}" for topic, markets in self.used().items()]

    def listings(self) -> Sequence[MarketListed]:
        from streams.archive.reader import backtest_topics

        codec = default_codec()
        own: dict[str, MarketListed] = {}
        other: dict[str, MarketListed] = {}
        topics = sorted(set(self.chosen.values()))
        keys = sorted(venue_key(m.venue, m.pair) for m in self.chosen)
        for topic, value in self._rows(
                "SELECT topic, value FROM archive_messages FINAL WHERE event_type = 'MarketListed'"
                " AND ts < {e:Int64} AND (topic IN {topics:Array(String)} OR key IN {keys:Array(String)})"
                " AND topic NOT IN {runs:Array(String)} ORDER BY ts, topic, partition, offset",
                e=self.end_ts, topics=topics, keys=keys, runs=backtest_topics(self.client)):
            event = codec.decode(value)
            assert isinstance(event, MarketListed)
            # a book's rules from its own dataset, else (a capture without its product list) from any
            (own if topic in topics else other)[venue_key(event.venue, event.pair)] = event
        latest = {**other, **own}
        for market in self.chosen:  # candles only (an OHLCV import, a backfill): no venue rules recorded
            latest.setdefault(venue_key(market.venue, market.pair), unruled_listing(market, self.start_ts))
        return [latest[k] for k in sorted(latest)]

    def markets(self) -> Sequence[MarketRef]:
        return sorted(self.chosen)

    def _from(self, topic: str, key: str) -> int:
        rows = self._rows(
            "SELECT max(ts) FROM archive_messages WHERE topic = {t:String} AND key = {k:String}"
            " AND event_type = 'BookSnapshot' AND ts <= {s:Int64}", t=topic, k=key, s=self.start_ts)
        last = rows[0][0] if rows else None
        return int(last) if last else self.start_ts

    def _book(self, market: MarketRef, topic: str) -> Iterator[MarketEvent]:
        codec = default_codec()
        key = venue_key(market.venue, market.pair)
        start, after = self._from(topic, key), -1
        while True:
            rows = self._rows(
                "SELECT offset, value FROM archive_messages FINAL WHERE topic = {t:String}"
                " AND key = {k:String} AND event_type IN {kinds:Array(String)}"
                " AND ts >= {s:Int64} AND ts < {e:Int64} AND offset > {a:Int64}"
                " ORDER BY offset LIMIT {n:UInt32}",
                t=topic, k=key, kinds=list(MARKET_TYPES), s=start, e=self.end_ts, a=after, n=self.batch)
            for offset, value in rows:
                event = codec.decode(value)
                assert isinstance(event, BookSnapshot | BookDelta | PublicTrade | BookStatusChanged)
                yield event
                after = int(offset)
            if len(rows) < self.batch:
                return

    def events(self) -> Iterator[MarketEvent]:
        books = [self._book(m, t) for m, t in sorted(self.chosen.items())]
        return heapq.merge(*books, key=received)


class JournalSink(Protocol):
    """Where the engine appends the messages of its inboxes and outputs, in order."""

    def wants(self, topic: str) -> bool:
        """Whether messages of this logical topic are wanted (the engine skips encoding them if not)."""
        ...

    def append(self, topic: str, key: str, value: bytes) -> None: ...


class ItemSink(JournalSink, Protocol):
    """A sink the engine hands the items themselves (an event or a strategy record), not their bytes:
    ``value`` is the item's encoding when the engine already has it (a market event read as bytes, a
    message routed on), else None, and the sink encodes it when it needs the bytes."""

    def append_item(self, topic: str, key: str, item: Any, value: bytes | None) -> None: ...


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
