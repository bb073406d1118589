"""Archive ingest and read-back throughput, against a raw chDB insert of the same messages.

The messages are the seeded synthetic market (the demo's and load tests' feed:
six pairs, L2 deltas with a few changes each, trades), Avro-encoded, with the
coordinates Kafka would give them on ``venue.journal``.

- baseline: the messages' raw columns (topic, partition, offset, key, value,
  broker time) inserted into a plain MergeTree table as ONE columnar batch --
  the faster of a numpy/list insert and an Arrow insert;
- archive: ``ArchiveWriter`` on the same messages in batches of the sink's
  size: decode in bulk, insert ``archive_messages`` and the typed tables; then
  the same with a candle refresh after every batch, and as the sink refreshes
  (batches merged, at most 1 s late, the rest when it goes idle);
- decode only: the Python side of the archive (no ClickHouse), and for scale
  the codec decoding the first batch one message at a time; then the
  ClickHouse side alone: the decoded batches inserted into ``archive_messages``
  and into the typed tables (the floor of the archive path on this machine);
- through Kafka (when ``KAFKA_BOOTSTRAP_SERVERS`` is set): the messages
  produced to a fresh topic first (untimed), then ``ArchiveSink`` consuming and
  archiving all of them, candles included;
- reader: ``market_events`` over every book of the range (decoded events in
  journal order, each event touched), and over trades only.

Figures are events/s and the archive/baseline ratio, all measured in this run
on a fresh embedded ClickHouse. The main arms (the baseline's Arrow insert, the
archive pipelined, the archive with the sink's candles) run in interleaved
rounds (``bench/interleave.py``): min and median of each, the ratio of the mins
and of the medians. "CPU s per part" is the process's CPU time (every thread,
chDB's included) of each part of the archive path done alone: where the floor is.
Through Kafka, the consumer alone (consuming the same topic, archiving nothing)
is the floor of that path. Run:
``.venv/bin/python bench/archive.py [n_events] [--rounds N]``.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
from confluent_kafka import KafkaException
from interleave import conditions, interleaved, min_median

from producers.synthetic import SyntheticConfig, SyntheticFeed
from schemas.codec import default_codec
from schemas.topics import VENUE_JOURNAL, partition_of, venue_key
from streams.archive.batch import RawBatch
from streams.archive.candles import CandleRefresh
from streams.archive.clickhouse import get_client
from streams.archive.decode import decode_batch
from streams.archive.reader import market_events
from streams.archive.sink import ArchiveSink
from streams.archive.writer import INSERT_SETTINGS, RAW_TABLE, ArchiveWriter

BATCH = 50_000  # the sink's default batch size
Record = tuple[str, int, int, bytes, bytes, int]
RAW_DDL = """CREATE TABLE bench_raw (topic LowCardinality(String), partition UInt16, offset UInt64,
key String, value String, kafka_ts Int64) ENGINE = MergeTree ORDER BY (topic, partition, offset)"""


def messages(n: int) -> list[Record]:
    """About ``n`` synthetic market messages with journal coordinates."""
    cfg = SyntheticConfig()
    feed = SyntheticFeed(cfg)
    steps = max(1, int(n / len(cfg.bases) / (1 + cfg.trade_probability)))
    codec = default_codec()
    offsets: dict[int, int] = {}
    out = []
    for event in feed.events(steps):
        key = venue_key(event.venue, event.pair).encode()  # type: ignore[union-attr]
        partition = partition_of(VENUE_JOURNAL, key)
        offset = offsets.get(partition, 0)
        offsets[partition] = offset + 1
        out.append((VENUE_JOURNAL, partition, offset, key, codec.encode(event), event.ts // 1000))
    return out


def timed(fn: Callable[[], Any], before: Callable[[], Any] = lambda: None, runs: int = 2,
          clock: Callable[[], float] = time.perf_counter) -> float:
    """Best of ``runs`` timings of ``fn`` on ``clock``, each after ``before`` (untimed)."""
    best = float("inf")
    for _ in range(runs):
        before()
        gc.collect()
        start = clock()
        fn()
        best = min(best, clock() - start)
    return best


def cpu(fn: Callable[[], Any], before: Callable[[], Any] = lambda: None) -> float:
    """Least process CPU time (every thread, chDB's too) of two runs of ``fn``, each after ``before``."""
    return timed(fn, before, clock=time.process_time)


def empty(client: Any) -> Callable[[], None]:
    """Empty every archive table, so each run inserts into the same state."""
    tables = [str(r[0]) for r in client.query(
        "SELECT name FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree'"
    ).result_rows]

    def run() -> None:
        for table in tables:
            client.command(f"TRUNCATE TABLE {table}")

    return run


def main(n: int, rounds: int) -> None:
    print(conditions("before"))
    t = time.perf_counter()
    records = messages(n)
    n = len(records)
    batches = [RawBatch.from_records(records[i:i + BATCH]) for i in range(0, n, BATCH)]
    print(f"{n:,} messages ({sum(len(r[4]) for r in records) / n:.0f} bytes each) generated in "
          f"{time.perf_counter() - t:.1f}s")
    client = get_client(f"chdb://{tempfile.mkdtemp(prefix='cryptick-bench-')}")
    client.command(RAW_DDL)

    columns = [[r[0] for r in records], np.array([r[1] for r in records], dtype=np.uint16),
               np.array([r[2] for r in records], dtype=np.uint64), [r[3] for r in records],
               [r[4] for r in records], np.array([r[5] for r in records], dtype=np.int64)]
    names = ["topic", "partition", "offset", "key", "value", "kafka_ts"]
    arrow = pa.Table.from_arrays([pa.array(columns[0]), pa.array(columns[1]), pa.array(columns[2]),
                                  pa.array(columns[3], pa.binary()), pa.array(columns[4], pa.binary()),
                                  pa.array(columns[5])], names=names)
    fresh = empty(client)
    native = timed(lambda: client.insert("bench_raw", columns, column_names=names, column_oriented=True),
                   fresh)
    arrow_s = timed(lambda: client.insert_arrow("bench_raw", arrow), fresh)
    baseline = min(native, arrow_s)
    print(f"baseline raw insert, one columnar batch: {n / native:>10,.0f} events/s (numpy/lists), "
          f"{n / arrow_s:,.0f} events/s (Arrow)")

    decode = timed(lambda: [decode_batch(b) for b in batches])
    print(f"decode only (bulk Avro -> Arrow):        {n / decode:>10,.0f} events/s")
    codec, sample = default_codec(), batches[0].values
    one_by_one = timed(lambda: [codec.decode(v) for v in sample], runs=1)
    print(f"  (for scale: the codec, one by one:     {len(sample) / one_by_one:>10,.0f} events/s)")

    rows = [decode_batch(b) for b in batches]
    raw_only = timed(lambda: [client.insert_arrow(RAW_TABLE, r.raw, settings=INSERT_SETTINGS) for r in rows],
                     fresh)
    typed_only = timed(lambda: [client.insert_arrow(name, t, settings=INSERT_SETTINGS)
                                for r in rows for name, t in r.typed], fresh)
    print(f"  (ClickHouse alone, rows decoded before: archive_messages {raw_only:.2f} s, typed tables "
          f"{typed_only:.2f} s, baseline {baseline:.2f} s)")
    parts = {"decode": cpu(lambda: [decode_batch(b) for b in batches]),
             "archive_messages": cpu(lambda: [client.insert_arrow(RAW_TABLE, r.raw, settings=INSERT_SETTINGS)
                                              for r in rows], fresh),
             "typed tables": cpu(lambda: [client.insert_arrow(name, t, settings=INSERT_SETTINGS)
                                          for r in rows for name, t in r.typed], fresh)}
    base_cpu = cpu(lambda: client.insert_arrow("bench_raw", arrow), fresh)
    print(f"CPU s per part: {', '.join(f'{k} {v:.2f}' for k, v in parts.items())}; sum "
          f"{sum(parts.values()):.2f} (baseline {base_cpu:.2f}: ratio {base_cpu / sum(parts.values()):.2f});"
          f" ClickHouse's share alone {base_cpu / (parts['archive_messages'] + parts['typed tables']):.2f}")

    writer = ArchiveWriter(client)
    serial = timed(lambda: [writer.write(b) for b in batches], fresh)
    print(f"archive, decode then insert:             {n / serial:>10,.0f} events/s   "
          f"ratio to baseline {baseline / serial:.2f}")

    def with_candles(every: float) -> None:
        candles = CandleRefresh(client, every=every)
        with contextlib.closing(ArchiveWriter(client, after_insert=candles.after_insert)) as writer:
            writer.write_all(batches)
        candles.refresh()  # the sink refreshes what is pending when it goes idle

    full = timed(lambda: with_candles(0.0), fresh)
    print(f"archive + candle refresh after every batch: {n / full:>10,.0f} events/s   "
          f"ratio to baseline {baseline / full:.2f}")

    def arm(fn: Callable[[], Any]) -> Callable[[], float]:
        def run() -> float:
            fresh()
            gc.collect()
            start = time.perf_counter()
            fn()
            return time.perf_counter() - start
        return run

    times = interleaved(rounds, [
        ("baseline", arm(lambda: client.insert_arrow("bench_raw", arrow))),
        ("archive", arm(lambda: writer.write_all(batches))),
        ("sink", arm(lambda: with_candles(1.0))),
    ])
    base_min, base_med = min_median(times["baseline"])
    print(f"interleaved, {rounds} rounds: events/s at the min / median time; ratio to the baseline's same")
    for name, label in (("baseline", "baseline raw insert (Arrow)"), ("archive", "archive, decode || insert"),
                        ("sink", "... + candles at most 1 s late (sink)")):
        lo, med = min_median(times[name])
        print(f"  {label:38s} {n / lo:>10,.0f} / {n / med:>10,.0f}   "
              f"ratio {base_min / lo:.2f} / {base_med / med:.2f}")

    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if bootstrap:
        seconds, alone = through_kafka(client, bootstrap, records)
        print(f"through Kafka (ArchiveSink, consume+all): {n / seconds:>10,.0f} events/s   "
              f"ratio to baseline {baseline / seconds:.2f}")
        print(f"  the consumer alone (archiving nothing):  {n / alone:>10,.0f} events/s   "
              f"ratio to baseline {baseline / alone:.2f} (the floor of this path)")

    books = [("synthetic", p) for p in SyntheticConfig().pairs()]
    read = 0

    def read_all(kinds: tuple[str, ...] | None = None) -> None:
        nonlocal read
        read = 0
        events = market_events(client, books, 0, 2**62) if kinds is None else \
            market_events(client, books, 0, 2**62, kinds=kinds)
        for item in events:
            item.event  # noqa: B018 -- a consumer reads the event
            read += 1

    seconds = timed(read_all, runs=1)
    print(f"reader, every market event:              {read / seconds:>10,.0f} events/s ({read:,} events)")
    seconds = timed(lambda: read_all(("PublicTrade",)), runs=1)
    print(f"reader, trades only:                     {read / seconds:>10,.0f} events/s ({read:,} events)")


def through_kafka(client: Any, bootstrap: str, records: list[Record]) -> tuple[float, float]:
    """Seconds for the sink to consume and archive ``records`` produced to a fresh topic; and for a plain
    consumer of the sink's settings to consume them all again (archiving nothing)."""
    from floor.kafka import create_topics, delete_topics, produce_all, producer
    from schemas.topics import TopicSpec

    topic = f"bench{uuid.uuid4().hex[:8]}.{VENUE_JOURNAL}"
    create_topics(bootstrap, [TopicSpec(topic, 4)])
    empty(client)()
    sink = ArchiveSink(client, bootstrap, [topic], group_id=f"bench-{topic}")
    alone = joined_consumer(bootstrap, topic)  # joins first too, so it may prefetch as long as the sink
    try:
        joined = time.perf_counter() + 60
        while not sink.assignment():  # the group join (the broker delays it a few seconds) is not timed
            sink.poll_batch(timeout=0.2)
            if time.perf_counter() > joined:
                raise TimeoutError("the bench consumer was given no partition in 60 s")
        prod = producer(bootstrap)
        produce_all(prod, topic, ((key, value, partition) for _, partition, _, key, value, _ in records))
        prod.flush(60)
        gc.collect()
        start = time.perf_counter()
        taken = 0
        while taken < len(records):  # no idle poll at the end: flush once everything is consumed
            got = sink.poll_batch()  # the sink's own wait (``run``): a partial last chunk waits it out
            taken += got
            if not got and time.perf_counter() - start > 120:
                raise TimeoutError(f"consumed {taken} of {len(records)} messages in 120 s")
        sink.flush()
        seconds = time.perf_counter() - start
        assert sink.archived == len(records), (sink.archived, len(records))
        return seconds, consume_seconds(alone, len(records))
    finally:
        sink.close()
        alone.close()
        with contextlib.suppress(KafkaException):  # best effort: the topic is the bench's own
            delete_topics(bootstrap, [topic])


def joined_consumer(bootstrap: str, topic: str) -> Any:
    """A consumer configured as the sink's, in a group of its own, once it has joined (on an empty topic)."""
    from confluent_kafka import Consumer

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-alone-{uuid.uuid4().hex[:8]}",
                         "enable.auto.commit": False, "auto.offset.reset": "earliest",
                         "fetch.max.bytes": 52428800, "max.partition.fetch.bytes": 10485760,
                         "queued.min.messages": 1_000_000})
    consumer.subscribe([topic])
    joined = time.perf_counter() + 60
    while not consumer.assignment():
        consumer.consume(1, 0.2)
        if time.perf_counter() > joined:
            raise TimeoutError("the bench consumer was given no partition in 60 s")
    return consumer


def consume_seconds(consumer: Any, n: int) -> float:
    """Seconds for ``consumer`` to take ``n`` messages, ``CHUNK`` at a time (a partial chunk waits 50 ms)."""
    from streams.archive.sink import CHUNK

    start = time.perf_counter()
    taken = 0
    while taken < n:
        got = consumer.consume(CHUNK, 0.05)
        taken += sum(1 for m in got if m.error() is None)
        if not got and time.perf_counter() - start > 120:
            raise TimeoutError(f"consumed {taken} of {n} messages in 120 s")
    return time.perf_counter() - start


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n_events", nargs="?", type=int, default=300_000, help="messages to generate")
    parser.add_argument("--rounds", type=int, default=4, help="interleaved rounds of the main arms")
    args = parser.parse_args()
    main(args.n_events, args.rounds)
    print(conditions("after"))
