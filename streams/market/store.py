"""Market views in ClickHouse: keep candles fresh, query them, read the latest book state.

Candles follow ``streams.market.candles`` (the pure reference rule): open and
close by event time then Kafka coordinates, a trade counted once per
``event_id``, ``received_before`` excluding trades received at or after it.
They live in ``market_candles`` (infra/clickhouse/003_market_candles.sql),
refreshed by INSERT ... SELECT for the time spans a batch of trades touched
(the archive sink and the importer call ``refresh_candles``). We refresh
rather than use a materialised view because a view sees every insert, so a
re-delivered trade would count twice; a refresh reads the deduplicated table.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from itertools import pairwise
from typing import Any

from floor.clickhouse import ClickHouse
from schemas.events import BookDelta, BookSnapshot, BookStatusChanged
from streams.archive.reader import market_events
from streams.market.books import BookFolder, Quote
from streams.market.candles import Candle
from streams.market.freq import WIDTHS, ceil, floor, parse_freq

TRADES = "archive_public_trade"
CANDLES = "market_candles"
COLUMNS = "venue, pair, width_us, start, open, high, low, close, volume, trades, last_recv_ts"

IMPORTS = "archive_imports"

# Trades deduplicated by event id: the copy of the latest import counts (``record_import``; live
# topics rank 0), then the first copy by coordinates. No FINAL: the copies of a re-delivered message
# share its event id, so LIMIT 1 BY drops them too.
_TRADES = (
    "SELECT t.venue AS venue, t.pair AS pair, t.ts AS ts, t.recv_ts AS recv_ts, t.price AS price,"
    " t.size AS size, t.kafka_topic AS kafka_topic, t.kafka_partition AS kafka_partition,"
    " t.kafka_offset AS kafka_offset"
    f" FROM {TRADES} AS t LEFT JOIN (SELECT topic, max(seq) AS rank FROM {IMPORTS} GROUP BY topic) AS i"
    " ON t.kafka_topic = i.topic WHERE {where}"
    " ORDER BY i.rank DESC, kafka_topic, kafka_partition, kafka_offset LIMIT 1 BY venue, pair, t.event_id"
)
_ORDER = "(ts, kafka_topic, kafka_partition, kafka_offset)"


def _spans_filter(spans: Mapping[tuple[str, str], tuple[int, int]], width: int, column: str,
                  params: dict[str, Any]) -> str:
    """``(venue, pair, column in span)`` for each book, the spans widened to whole buckets."""
    terms = []
    for i, ((venue, pair), (lo, hi)) in enumerate(sorted(spans.items())):
        params.update({f"v{i}": venue, f"p{i}": pair, f"lo{i}": floor(lo, width),
                       f"hi{i}": floor(hi, width) + width})
        terms.append(f"(venue = {{v{i}:String}} AND pair = {{p{i}:String}}"
                     f" AND {column} >= {{lo{i}:Int64}} AND {column} < {{hi{i}:Int64}})")
    return " OR ".join(terms)


def record_import(client: ClickHouse, topic: str) -> int:
    """Rank ``topic`` as the latest import (before its events are written, so its candles use it)."""
    rows = client.query(f"SELECT max(seq) FROM {IMPORTS}").result_rows
    seq = max(time.time_ns() // 1000, int(rows[0][0] or 0) + 1 if rows else 0)
    client.insert(IMPORTS, [[topic, seq]], column_names=["topic", "seq"])
    return seq


def refresh_candles(client: ClickHouse, spans: Mapping[tuple[str, str], tuple[int, int]]) -> None:
    """Recompute every candle (all widths) whose bucket holds a trade time in ``spans``.

    ``spans``: (venue, pair) -> (first, last) trade event time (µs) of the new trades.
    """
    if not spans:
        return
    names = list(WIDTHS)
    params: dict[str, Any] = {}
    width = WIDTHS[names[0]]
    where = _spans_filter(spans, width, "ts", params)
    client.command(
        f"INSERT INTO {CANDLES} ({COLUMNS})"
        f" SELECT venue, pair, {width}, intDiv(ts, {width}) * {width} AS bucket,"
        f" argMin(price, {_ORDER}), max(price), min(price), argMax(price, {_ORDER}),"
        " sum(size), count(), max(recv_ts)"
        f" FROM ({_TRADES.format(where=where)}) GROUP BY venue, pair, bucket",
        parameters=params,
    )
    for finer, name in pairwise(names):
        lower, width = WIDTHS[finer], WIDTHS[name]
        params = {}
        where = _spans_filter(spans, width, "start", params)
        client.command(
            f"INSERT INTO {CANDLES} ({COLUMNS})"
            f" SELECT venue, pair, {width}, intDiv(start, {width}) * {width} AS bucket,"
            " argMin(open, start), max(high), min(low), argMax(close, start),"
            " sum(volume), sum(trades), max(last_recv_ts)"
            f" FROM {CANDLES} FINAL WHERE width_us = {lower} AND ({where})"
            " GROUP BY venue, pair, bucket",
            parameters=params,
        )


def refresh_all_candles(client: ClickHouse) -> None:
    """Recompute the candles of every archived trade (after a bulk load or a rule change)."""
    sql = f"SELECT venue, pair, min(ts), max(ts) FROM {TRADES} GROUP BY venue, pair"
    rows = client.query(sql).result_rows
    refresh_candles(client, {(str(v), str(p)): (int(lo), int(hi)) for v, p, lo, hi in rows})


def candles(client: ClickHouse, venue: str, pair: str, start: int, end: int, freq: str = "highest",
            received_before: int | None = None) -> list[Candle]:
    """Candles of ``venue``/``pair`` whose bucket starts in ``[start, end)`` (µs), oldest first.

    ``freq``: '1m', '5m', '1h', '1d', 'highest' (= 1m) or 'daily' (= 1d).
    ``received_before``: only trades received before this time (µs) count;
    buckets with no such trade have no candle.
    """
    name = parse_freq(freq)
    width = WIDTHS[name]
    params: dict[str, Any] = {"venue": venue, "pair": pair, "w": width,
                              "s": ceil(start, width), "e": ceil(end, width)}
    book = "venue = {venue:String} AND pair = {pair:String}"
    buckets = f"{book} AND width_us = {{w:Int64}} AND start >= {{s:Int64}} AND start < {{e:Int64}}"
    stored = f"SELECT start, open, high, low, close, volume, trades FROM {CANDLES} FINAL WHERE {buckets}"
    if received_before is None:
        sql = f"{stored} ORDER BY start"
    else:
        # rows whose every trade was received before the cut are exact; the rest are
        # recomputed from the trades received before it
        params["r"] = received_before
        late = f"SELECT start FROM {CANDLES} FINAL WHERE {buckets} AND last_recv_ts >= {{r:Int64}}"
        received = f"{book} AND ts >= {{s:Int64}} AND ts < {{e:Int64}} AND recv_ts < {{r:Int64}}"
        sql = (
            f"SELECT * FROM ({stored} AND last_recv_ts < {{r:Int64}}"
            f" UNION ALL SELECT intDiv(ts, {width}) * {width} AS bucket, argMin(price, {_ORDER}),"
            f" max(price), min(price), argMax(price, {_ORDER}), sum(size), count()"
            f" FROM ({_TRADES.format(where=received)}) WHERE bucket IN ({late}) GROUP BY bucket)"
            " ORDER BY start"
        )
    rows = client.query(sql, parameters=params).result_rows
    return [Candle(venue, pair, name, *(int(x) for x in row)) for row in rows]


def quotes(client: ClickHouse, books: Iterable[tuple[str, str]], at: int, *,
           topics: Sequence[str] | None = None, since: int = 0) -> list[Quote]:
    """Best bid and ask of each book as archived up to event time ``at`` (inclusive).

    Each book is rebuilt from its latest snapshot at or before ``at`` (``since``
    bounds how far back to look for one) and what its topic journaled after it;
    a book whose last status is stale has no quote.
    """
    starts: dict[tuple[str, str], tuple[int, str, int, int]] = {}
    topic_filter = " AND kafka_topic IN {topics:Array(String)}" if topics else ""
    for venue, pair in sorted(set(books)):
        rows = client.query(
            "SELECT max(ts), argMax((kafka_topic, kafka_partition, kafka_offset), (ts, kafka_offset)),"
            " count()"
            " FROM archive_book_snapshot FINAL"
            " WHERE venue = {v:String} AND pair = {p:String} AND ts >= {since:Int64} AND ts <= {at:Int64}"
            + topic_filter,
            parameters={"v": venue, "p": pair, "since": since, "at": at, "topics": list(topics or [])},
        ).result_rows
        if rows and int(rows[0][2]) > 0:
            topic, partition, offset = rows[0][1]
            starts[(venue, pair)] = (int(rows[0][0]), str(topic), int(partition), int(offset))
    if not starts:
        return []
    folder = BookFolder()
    events = market_events(client, list(starts), min(s[0] for s in starts.values()), at + 1,
                           topics=sorted({s[1] for s in starts.values()}),
                           kinds=("BookSnapshot", "BookDelta", "BookStatusChanged"))
    for item in events:
        event = item.event
        if not isinstance(event, BookSnapshot | BookDelta | BookStatusChanged):
            continue
        _, topic, partition, offset = starts[(event.venue, event.pair)]
        if item.topic == topic and (item.partition, item.offset) >= (partition, offset):
            folder.apply(event)  # journal order from the snapshot on
    return [q for q in folder.quotes() if (q.venue, q.pair) in starts]
