"""Archived market events back out of the typed tables, in journal order, in batches.

Order. A *stream* is one book (venue, pair) in one topic: Kafka keeps it in
one partition, so its journal order is offset order, and that is kept exactly.
Streams are merged by *effective time*, the largest event time seen so far on
the stream (an exchange timestamp that steps back does not move an event
ahead of the ones journaled before it), ties broken by venue, pair, topic,
partition, offset. Events are read by event time ``start <= ts < end`` (and
the effective time is taken over what is read); with ``from_snapshot``, each
book is read from its last snapshot journaled at or before ``start``, so a
backtest starts with whole books.

Memory. Each stream and event type is read in pages of ``page`` rows (keyset
pagination on the Kafka coordinates, deduplicated with FINAL), and a page is
only fetched when the merge needs it: nothing loads the whole range. No query
stays open between pages, so a caller may write to ClickHouse while reading.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from schemas.events import Event
from streams.archive.tables import MARKET_TYPES, TableSpec, specs

_Stream = tuple[str, str, str, int]
"""Topic, venue, pair, partition: one book as one topic journaled it."""

NEVER = 2**62
"""An offset no stream reaches: no warm-up before ``start``."""

_MergeKey = tuple[int, str, str, str, int, int]
"""Effective time, venue, pair, topic, partition, offset."""


@dataclass(frozen=True, slots=True)
class ArchivedEvent:
    """A decoded event and where Kafka journaled it."""

    topic: str
    partition: int
    offset: int
    event: Event


def _select_list(spec: TableSpec) -> str:
    return ", ".join(["kafka_partition", "kafka_offset", *spec.field_names])


def _column_values(column: pa.ChunkedArray, nested: type | None) -> list[Any]:
    """Python values of one result column; a list of records rebuilt from its flat children."""
    if nested is None:
        values: list[Any] = column.to_pylist()
        return values
    array = column.combine_chunks()
    offsets = array.offsets.to_pylist()
    flat = array.flatten()
    items = [nested(*t) for t in zip(*(flat.field(i).to_pylist() for i in range(flat.type.num_fields)),
                                     strict=True)]
    base = offsets[0]
    return [items[a - base:b - base] for a, b in itertools.pairwise(offsets)]


def _page_events(spec: TableSpec, table: pa.Table) -> Iterator[tuple[int, int, Event]]:
    cls = spec.cls
    values = [_column_values(table.column(c.name), c.nested) for c in spec.columns]
    partitions = table.column("kafka_partition").to_pylist()
    offsets = table.column("kafka_offset").to_pylist()
    for partition, offset, fields in zip(partitions, offsets, zip(*values, strict=True), strict=True):
        yield partition, offset, cls(*fields)


def _pages(client: Any, spec: TableSpec, stream: _Stream, first: int, start: int, end: int,
           page: int) -> Iterator[tuple[int, int, Event]]:
    """One stream's events of one type, in offset order, a page per query.

    No FINAL: copies of a re-delivered message are adjacent in this order and
    skipped here, which costs less than collapsing them in the engine. Pages
    come back as Arrow, whose columns convert to Python values in bulk.
    Events from offset ``first`` on are read whatever their time (a warm-up).
    """
    sql = (
        f"SELECT {_select_list(spec)} FROM {spec.name}"
        " WHERE venue = {v:String} AND pair = {p:String} AND kafka_topic = {t:String}"
        " AND kafka_partition = {k:UInt16} AND kafka_offset > {o:Int64}"  # a primary-key range
        " AND ts < {e:Int64} AND (ts >= {s:Int64} OR kafka_offset >= {f:Int64})"
        " ORDER BY kafka_offset LIMIT {n:UInt32}"
    )
    topic, venue, pair, partition = stream
    last = (-1, -1)
    while True:
        table = client.query_arrow(sql, parameters={"v": venue, "p": pair, "t": topic, "k": partition,
                                                    "o": last[1], "f": first, "s": start, "e": end,
                                                    "n": page},
                                   use_strings=True)
        for partition, offset, event in _page_events(spec, table):
            if (partition, offset) != last:
                last = (partition, offset)
                yield partition, offset, event
        if table.num_rows < page:
            return


def _stream(client: Any, tables: list[TableSpec], stream: _Stream, first: int, start: int,
            end: int, page: int) -> Iterator[tuple[_MergeKey, ArchivedEvent]]:
    """One book in one topic, in offset order, keyed for the merge by effective time.

    Merge keys are unique (one message, one table), so the merges compare plain
    tuples and never reach an event.
    """
    topic, venue, pair, _ = stream
    effective = None
    pages = [_pages(client, spec, stream, first, start, end, page) for spec in tables]
    for partition, offset, event in heapq.merge(*pages):
        effective = event.ts if effective is None else max(effective, event.ts)
        item = ArchivedEvent(topic, partition, offset, event)
        yield (effective, venue, pair, topic, partition, offset), item


def streams(client: Any, books: Iterable[tuple[str, str]], start: int, end: int,
            topics: Sequence[str] | None, tables: list[TableSpec], from_snapshot: bool = False
            ) -> dict[_Stream, int]:
    """Every stream with an event in the range -> the offset it is read from regardless of time.

    That offset is its last snapshot's at or before ``start`` with ``from_snapshot``, else none
    (``NEVER``: only the time range counts).
    """
    pairs = sorted(set(books))
    if not pairs:
        return {}
    topic_filter = " AND kafka_topic IN {topics:Array(String)}" if topics else ""
    params = {"books": pairs, "s": start, "e": end, "topics": list(topics or [])}
    union = " UNION ALL ".join(
        f"SELECT DISTINCT kafka_topic, venue, pair, kafka_partition FROM {s.name}"
        " WHERE (venue, pair) IN {books:Array(Tuple(String, String))}"
        " AND ts >= {s:Int64} AND ts < {e:Int64}" + topic_filter
        for s in tables
    )
    rows = client.query(f"SELECT DISTINCT * FROM ({union})", parameters=params).result_rows
    found = {(str(t), str(v), str(p), int(k)): NEVER for t, v, p, k in rows}
    if from_snapshot:
        rows = client.query(
            "SELECT kafka_topic, venue, pair, kafka_partition, max(kafka_offset) FROM archive_book_snapshot"
            " WHERE (venue, pair) IN {books:Array(Tuple(String, String))} AND ts <= {s:Int64}" + topic_filter
            + " GROUP BY kafka_topic, venue, pair, kafka_partition", parameters=params).result_rows
        for t, v, p, k, offset in rows:
            found[(str(t), str(v), str(p), int(k))] = int(offset)
    return dict(sorted(found.items()))


def market_events(client: Any, books: Iterable[tuple[str, str]], start: int, end: int, *,
                  topics: Sequence[str] | None = None, kinds: Sequence[str] = MARKET_TYPES,
                  from_snapshot: bool = False, page: int = 20_000) -> Iterator[ArchivedEvent]:
    """Archived market events of ``books`` (venue, pair) with ``start <= ts < end``, in journal order.

    ``topics`` limits the sources (None: every topic, live or imported);
    ``kinds`` the event types (names from ``MARKET_TYPES``); ``from_snapshot``
    starts each book at its last snapshot at or before ``start`` (see the module doc).
    """
    unknown = set(kinds) - set(MARKET_TYPES)
    if unknown:
        raise ValueError(f"not market event types: {sorted(unknown)}; choose from {MARKET_TYPES}")
    tables = [specs()[k] for k in MARKET_TYPES if k in kinds]
    found = streams(client, books, start, end, topics, tables, from_snapshot)
    merged = heapq.merge(*(_stream(client, tables, s, first, start, end, page) for s, first in found.items()))
    for _, item in merged:
        yield item


def market_event_batches(client: Any, books: Iterable[tuple[str, str]], start: int, end: int, *,
                         topics: Sequence[str] | None = None, kinds: Sequence[str] = MARKET_TYPES,
                         from_snapshot: bool = False, batch: int = 10_000, page: int = 20_000
                         ) -> Iterator[list[ArchivedEvent]]:
    """``market_events`` in lists of up to ``batch`` events."""
    out: list[ArchivedEvent] = []
    for item in market_events(client, books, start, end, topics=topics, kinds=kinds,
                              from_snapshot=from_snapshot, page=page):
        out.append(item)
        if len(out) >= batch:
            yield out
            out = []
    if out:
        yield out
