"""The archive sink: every message of the given topics into ClickHouse, in large batches.

A plain confluent-kafka consumer (no Faust: it makes no decision, and batch
consumption is several times faster). Each batch goes to ``archive_messages``
(the bytes, for replay) and to one typed table per event type (``ArchiveWriter``),
then the candles its trades touched are refreshed. A batch is decoded while the
one before it is inserted; a batch's offsets are committed (explicitly) only
once it is in ClickHouse, so a crash re-delivers, re-delivered rows collapse on
their Kafka coordinates, and a candle refresh recomputes from the deduplicated
trades. ``drain``, ``run`` and ``close`` return only once every consumed
message is archived and committed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition

from streams.archive.batch import RawBatch
from streams.archive.decode import ArchiveRows
from streams.archive.writer import ArchiveWriter

log = logging.getLogger(__name__)

CHUNK = 5_000


class ArchiveSink:
    def __init__(self, client: Any, bootstrap: str, topics: Sequence[str],
                 group_id: str = "cryptick-archive", batch_size: int = 50_000, *,
                 candles: bool = True) -> None:
        self.client = client
        self.topics = list(topics)
        self.batch_size = batch_size
        self.candles = candles
        self.archived = 0
        self._writer = ArchiveWriter(client, after_insert=self._refresh_candles)
        self._in_flight: tuple[Future[ArchiveRows], list[TopicPartition], int] | None = None
        self._consumer = Consumer({
            "bootstrap.servers": bootstrap,
            "group.id": group_id,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "fetch.max.bytes": 52428800,
            "max.partition.fetch.bytes": 10485760,
            "topic.metadata.refresh.interval.ms": 2000,
            "queued.min.messages": 1_000_000,  # prefetch deep: consuming is the slow part
        })
        self._consumer.subscribe(self.topics)

    def poll_batch(self, timeout: float = 0.5) -> int:
        """Consume up to one batch and hand it to the writer; the number of messages taken.

        The batch is inserted in the background; the one before it is then
        finished and its offsets committed.
        """
        msgs = self._consume(timeout)
        good = []
        for m in msgs:
            err = m.error()
            if err is not None:
                if err.code() in (KafkaError._PARTITION_EOF, KafkaError.UNKNOWN_TOPIC_OR_PART):
                    continue
                raise KafkaException(err)
            good.append(m)
        if not good:
            self.flush()
            return 0
        ends: dict[tuple[str, int], int] = {}
        for m in good:
            ends[(m.topic() or "", m.partition() or 0)] = (m.offset() or 0) + 1
        future = self._writer.submit(RawBatch.from_messages(good))  # finishes the previous insert first
        self._commit_in_flight()
        self._in_flight = (future, [TopicPartition(t, p, o) for (t, p), o in ends.items()], len(good))
        return len(good)

    def _consume(self, timeout: float) -> list[Any]:
        """Up to ``batch_size`` messages: the first waits up to ``timeout``, then what is already fetched.

        Small ``consume`` calls drain librdkafka's queue about twice as fast as one big one.
        """
        msgs = self._consumer.consume(num_messages=min(CHUNK, self.batch_size), timeout=timeout)
        while msgs and len(msgs) < self.batch_size:
            more = self._consumer.consume(num_messages=min(CHUNK, self.batch_size - len(msgs)), timeout=0.05)
            if not more:
                break
            msgs.extend(more)
        return msgs

    def assignment(self) -> list[TopicPartition]:
        """The partitions this sink's consumer has been given (empty until the group has joined)."""
        return list(self._consumer.assignment())

    def flush(self) -> None:
        """Wait for the batch in flight and commit its offsets."""
        self._writer.wait()
        self._commit_in_flight()

    def _commit_in_flight(self) -> None:
        if self._in_flight is None:
            return
        future, offsets, n = self._in_flight
        self._in_flight = None
        future.result()
        self._consumer.commit(offsets=offsets, asynchronous=False)
        self.archived += n

    def _refresh_candles(self, rows: ArchiveRows) -> None:
        if self.candles and rows.trade_spans:
            from streams.market.store import refresh_candles

            refresh_candles(self.client, rows.trade_spans)

    def drain(self, idle: float = 2.0, limit: float = 120.0) -> int:
        """Archive until nothing has arrived for ``idle`` seconds; the count archived."""
        total = 0
        quiet_since = time.monotonic()
        deadline = quiet_since + limit
        while time.monotonic() < deadline:
            n = self.poll_batch()
            total += n
            if n:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= idle:
                break
        self.flush()
        return total

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.poll_batch()
        self.flush()

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self._writer.close()
            self._consumer.close()
