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

import collections
import dataclasses
import gc
import itertools
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from floor.clickhouse import ClickHouse
from schemas.events import Event
from streams.archive.tables import MARKET_TYPES, TableSpec, specs

_Stream = tuple[str, str, str, int]
"""Topic, venue, pair, partition: one book as one topic journaled it."""

NEVER = 2**62
"""An offset no stream reaches: no warm-up before ``start``."""

@dataclass(frozen=True, slots=True)
class ArchivedEvent:
    """A decoded event and where Kafka journaled it."""

    topic: str
    partition: int
    offset: int
    event: Event


def _select_list(spec: TableSpec) -> str:
    return ", ".join(["kafka_offset", *spec.field_names])


@dataclass(slots=True)
class _Chunk:
    """Consecutive items of a sorted run: their sort keys, event times and the items."""

    keys: np.ndarray  # int64, non-decreasing along the run
    ts: np.ndarray  # int64
    items: list[Any]


def _merge(runs: Sequence[Iterator[_Chunk]]) -> Iterator[_Chunk]:
    """Chunks of the runs merged by (key, run index), each run kept in its own order.

    A chunk goes out as soon as it is known to come first: all buffered items up
    to the smallest (last key, run index) among the runs' buffers, sorted in one
    stable numpy pass. Items of later chunks cannot sort before it, since every
    run's keys only grow. Each run is pulled a chunk at a time, when its buffer is empty.
    """
    heads: dict[int, _Chunk] = {}
    live = list(enumerate(runs))
    while True:
        for i, run in list(live):
            head = heads.get(i)
            while head is None or not len(head.keys):
                head = next(run, None)
                if head is None:
                    live.remove((i, run))
                    heads.pop(i, None)
                    break
                heads[i] = head
        if not heads:
            return
        bound, first = min((int(h.keys[-1]), i) for i, h in heads.items())
        if len(heads) == 1:
            yield heads.pop(first)
            continue
        keys, ts, owners, items = [], [], [], []
        for i, head in heads.items():
            cut = len(head.keys) if (int(head.keys[-1]), i) <= (bound, first) else \
                int(np.searchsorted(head.keys, bound, side="right" if i < first else "left"))
            if not cut:
                continue
            keys.append(head.keys[:cut])
            ts.append(head.ts[:cut])
            owners.append(np.full(cut, i, dtype=np.int64))
            items.extend(head.items[:cut])
            heads[i] = _Chunk(head.keys[cut:], head.ts[cut:], head.items[cut:])
        key = np.concatenate(keys)
        order = np.lexsort((np.concatenate(owners), key))
        yield _Chunk(key[order], np.concatenate(ts)[order], [items[j] for j in order.tolist()])


@contextmanager
def _no_gc() -> Iterator[None]:
    """Build many objects that form no cycle without the cyclic GC walking them.

    Each allocation of a tracked object counts toward a collection, and a
    collection walks every young object: building a page of events, the walks
    cost more than the building. So the GC is paused while building, and the
    new objects are then moved to the oldest generation (``freeze`` then
    ``unfreeze``: two list splices) instead of being walked once more. Young
    objects of other code are moved too: a cycle among them is collected by
    the next full collection rather than a young one.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def _build(cls: type, columns: Sequence[Iterable[Any]], n: int) -> list[Any]:
    """``n`` instances of the slotted dataclass ``cls`` with the given field columns.

    Each field is set through its slot in one C-level pass over the column: the
    values are those ``cls(*fields)`` would store (no event has a ``__post_init__``).
    """
    objects: list[Any] = list(map(object.__new__, itertools.repeat(cls, n)))
    for field, values in zip(dataclasses.fields(cls), columns, strict=True):
        collections.deque(map(getattr(cls, field.name).__set__, objects, values), maxlen=0)
    return objects


def _values(array: pa.Array) -> list[Any]:
    """The Python values of one (non-list) result column, in bulk."""
    if pa.types.is_dictionary(array.type):
        words = np.array([*array.dictionary.to_pylist(), None], dtype=object)
        index = array.indices.fill_null(len(array.dictionary)).to_numpy()
        picked: list[Any] = words[index].tolist()  # the same str object for each value
        return picked
    if pa.types.is_integer(array.type) or pa.types.is_boolean(array.type):
        if not array.null_count:
            numbers: list[Any] = array.to_numpy(zero_copy_only=False).tolist()
            return numbers
        filled = array.fill_null(False if pa.types.is_boolean(array.type) else 0)
        boxed = filled.to_numpy(zero_copy_only=False).astype(object)
        boxed[array.is_null().to_numpy(zero_copy_only=False)] = None
        return list(boxed.tolist())
    strings: list[Any] = array.to_pylist()
    return strings


def _column(array: pa.Array, nested: type | None) -> list[Any]:
    """Python values of one result column; lists of records rebuilt from their flat children."""
    if nested is None:
        return _values(array)
    items = array.values  # offsets below index into the whole child array
    records = _build(nested, [_values(items.field(i)) for i in range(items.type.num_fields)], len(items))
    offsets = array.offsets.to_numpy().tolist()
    return [records[a:b] for a, b in itertools.pairwise(offsets)]


def _page_chunk(spec: TableSpec, stream: _Stream, table: pa.Table, last: int) -> _Chunk:
    """One page's events, keyed by offset, without the copies of an offset already read."""
    offsets = table.column("kafka_offset").to_numpy().astype(np.int64)
    keep = np.empty(len(offsets), dtype=bool)
    keep[0] = offsets[0] != last
    np.not_equal(offsets[1:], offsets[:-1], out=keep[1:])
    if not keep.all():
        table = table.filter(pa.array(keep))
        offsets = offsets[keep]
    n = table.num_rows
    page = table.combine_chunks()
    topic, _, _, partition = stream
    with _no_gc():
        fields = [_column(page.column(c.name).chunk(0), c.nested) for c in spec.columns]
        events = _build(spec.cls, fields, n)
        coordinates = [itertools.repeat(topic, n), itertools.repeat(partition, n), offsets.tolist()]
        archived = _build(ArchivedEvent, [*coordinates, events], n)
    return _Chunk(offsets, page.column("ts").to_numpy().astype(np.int64), archived)


def _pages(client: ClickHouse, spec: TableSpec, stream: _Stream, first: int, start: int, end: int,
           page: int, pool: ThreadPoolExecutor) -> Iterator[_Chunk]:
    """One stream's events of one type, in offset order, a page per query.

    No FINAL: copies of a re-delivered message are adjacent in this order and
    skipped here, which costs less than collapsing them in the engine. Pages
    come back as Arrow (``LowCardinality`` strings as dictionaries, so each
    distinct venue, pair or side is one Python string), and become events a
    column at a time. The next page is queried in ``pool`` while this one
    becomes events (the engine releases the GIL). Events from offset ``first``
    on are read whatever their time (a warm-up).
    """
    sql = (
        f"SELECT {_select_list(spec)} FROM {spec.name}"
        " WHERE venue = {v:String} AND pair = {p:String} AND kafka_topic = {t:String}"
        " AND kafka_partition = {k:UInt16} AND kafka_offset > {o:Int64}"  # a primary-key range
        " AND ts < {e:Int64} AND (ts >= {s:Int64} OR kafka_offset >= {f:Int64})"
        " ORDER BY kafka_offset LIMIT {n:UInt32}"
        " SETTINGS output_format_arrow_low_cardinality_as_dictionary = 1"
    )
    topic, venue, pair, partition = stream

    def fetch(after: int) -> pa.Table:
        return client.query_arrow(sql, parameters={"v": venue, "p": pair, "t": topic, "k": partition,
                                                   "o": after, "f": first, "s": start, "e": end, "n": page},
                                  use_strings=True)

    last = -1
    pending: Future[pa.Table] | None = pool.submit(fetch, last)
    while pending is not None:
        table = pending.result()
        pending = None
        if table.num_rows:
            previous, last = last, int(table.column("kafka_offset")[-1].as_py())
            if table.num_rows >= page:
                pending = pool.submit(fetch, last)
            yield _page_chunk(spec, stream, table, previous)


def _stream(client: ClickHouse, tables: list[TableSpec], stream: _Stream, first: int, start: int,
            end: int, page: int, pool: ThreadPoolExecutor) -> Iterator[_Chunk]:
    """One book in one topic, in offset order, keyed for the merge across books by effective time."""
    effective = None
    pages = [_pages(client, spec, stream, first, start, end, page, pool) for spec in tables]
    for chunk in _merge(pages):
        keys = np.maximum.accumulate(chunk.ts)
        if effective is not None:
            keys = np.maximum(keys, effective)
        effective = int(keys[-1])
        yield _Chunk(keys, keys, chunk.items)


def streams(client: ClickHouse, books: Iterable[tuple[str, str]], start: int, end: int,
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


def market_events(client: ClickHouse, books: Iterable[tuple[str, str]], start: int, end: int, *,
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
    # ties of effective time go by venue, pair, topic, partition: the runs' order
    ranked = sorted(found.items(), key=lambda f: (f[0][1], f[0][2], f[0][0], f[0][3]))
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="archive-read") as pool:
        runs = [_stream(client, tables, s, first, start, end, page, pool) for s, first in ranked]
        for chunk in _merge(runs):
            yield from chunk.items


def market_event_batches(client: ClickHouse, books: Iterable[tuple[str, str]], start: int, end: int, *,
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


# --- what the archive holds ----------------------------------------------------------------------

BOOK_KINDS = ("BookSnapshot", "BookDelta", "PublicTrade", "BookStatusChanged")
"""The event types a backtest replays (listings are read apart)."""


@dataclass(frozen=True, slots=True)
class Holding:
    """What one archived topic holds of one book: one event type's count and time span."""

    topic: str
    venue: str
    pair: str
    event_type: str
    first_ts: int
    last_ts: int
    events: int


def backtest_topics(client: ClickHouse) -> list[str]:
    """The topics stored backtests wrote: copies of their sources, never a dataset of their own."""
    from schemas.topics import VENUE_JOURNAL, qualified

    rows = client.query("SELECT DISTINCT namespace FROM runs WHERE mode = 'backtest'").result_rows
    return sorted(qualified(VENUE_JOURNAL, str(ns)) for (ns,) in rows if ns)


def holdings(client: ClickHouse, books: Iterable[tuple[str, str]] | None = None, start: int = 0,
             end: int = NEVER,
             kinds: Sequence[str] = MARKET_TYPES) -> list[Holding]:
    """Per topic, book and event type: the events with ``start <= ts < end`` (every book with ``books``
    None), stored backtests' topics left out. Read from ``archive_messages``, which every writer fills."""
    keys = None if books is None else sorted({f"{v}:{p}" for v, p in books})
    if keys is not None and not keys:
        return []
    where = " AND key IN {keys:Array(String)}" if keys is not None else ""
    rows = client.query(
        "SELECT topic, key, event_type, min(ts), max(ts), uniqExact(partition, offset) FROM archive_messages"
        " WHERE event_type IN {kinds:Array(String)} AND ts >= {s:Int64} AND ts < {e:Int64}"
        " AND topic NOT IN {runs:Array(String)}" + where + " GROUP BY topic, key, event_type",
        parameters={"kinds": list(kinds), "s": start, "e": end, "runs": backtest_topics(client),
                    "keys": keys or []}).result_rows
    out = []
    for topic, key, event_type, first, last, n in rows:
        text = key.decode() if isinstance(key, bytes) else str(key)
        venue, _, pair = text.partition(":")
        out.append(Holding(str(topic), venue, pair, str(event_type), int(first), int(last), int(n)))
    return sorted(out, key=lambda h: (h.venue, h.pair, h.topic, h.event_type))


def candle_widths(client: ClickHouse) -> dict[tuple[str, str, str], int]:
    """(topic, venue, pair) -> candle width in µs, for trades made from candles (an OHLCV import or a
    backfill: each candle's first trade has ``trade_id`` ``ohlcv:<start>:0``, received at its close)."""
    rows = client.query(
        "SELECT kafka_topic, venue, pair, min(recv_ts - ts) FROM archive_public_trade"
        " WHERE startsWith(trade_id, 'ohlcv:') AND endsWith(trade_id, ':0')"
        " GROUP BY kafka_topic, venue, pair").result_rows
    return {(str(t), str(v), str(p)): int(w) for t, v, p, w in rows}
