"""The archive sink: every message of the given topics into ClickHouse, in large batches.

A plain confluent-kafka consumer (no Faust: it makes no decision, and batch
consumption is several times faster). Each batch goes to ``archive_messages``
(the bytes, for replay) and to one typed table per event type (``ArchiveWriter``);
the candles its trades touched are refreshed with those of the batches around
it, at most ``candle_every`` seconds later (``CandleRefresh``). A batch is
decoded while the one before it is inserted; a batch's offsets are committed
(explicitly) only once it is in ClickHouse and its candles are refreshed, so a
crash re-delivers, re-delivered rows collapse on their Kafka coordinates, and a
candle refresh recomputes from the deduplicated trades. ``drain``, ``run`` and
``close`` return only once every consumed message is archived and committed.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition

from floor.clickhouse import ClickHouse
from streams.archive.batch import RawBatch
from streams.archive.candles import CandleRefresh
from streams.archive.writer import ArchiveWriter

log = logging.getLogger(__name__)

CHUNK = 5_000


def _without_events(msgs: list[Any]) -> list[Any]:
    """The messages of ``msgs`` that carry data: end-of-partition and unknown-topic events are dropped,
    any other error raised."""
    if not [m for m in msgs if m.error() is not None]:  # the common case, in one cheap pass
        return msgs
    good = []
    for m in msgs:
        err = m.error()
        if err is not None:
            if err.code() in (KafkaError._PARTITION_EOF, KafkaError.UNKNOWN_TOPIC_OR_PART):
                continue
            raise KafkaException(err)
        good.append(m)
    return good


def _ends(batch: RawBatch) -> dict[tuple[str, int], int]:
    """Per (topic, partition), the offset after its last message in ``batch`` (a partition's messages
    come in offset order): what to commit once the batch is stored."""
    return dict(zip(zip(batch.topics, batch.partitions.tolist(), strict=True),
                    (batch.offsets + 1).tolist(), strict=True))


class ArchiveSink:
    def __init__(self, client: ClickHouse, bootstrap: str, topics: Sequence[str],
                 group_id: str = "cryptick-archive", batch_size: int = 50_000, *,
                 candles: bool = True, candle_every: float = 1.0) -> None:
        self.client = client
        self.topics = list(topics)
        self.batch_size = batch_size
        self.candles = candles
        self.archived = 0
        # per (topic, partition): the offset archived through (committed), and the log's end as the last
        # fetches saw it, told each second: the archive's lag behind each topic
        self.committed: dict[tuple[str, int], int] = {}
        self.ends: dict[tuple[str, int], int] = {}
        self._ends_at = 0.0
        self._candles = CandleRefresh(client, every=candle_every, enabled=candles)
        self._writer = ArchiveWriter(client, after_insert=self._candles.after_insert)
        self._submitted = 0
        # batches submitted and not yet committed: (number, offsets to commit, messages)
        self._uncommitted: list[tuple[int, dict[tuple[str, int], int], int]] = []
        self._failed = False  # an insert or a refresh failed: nothing more is committed
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

    @classmethod
    def for_namespace(cls, client: ClickHouse, bootstrap: str, namespace: str, **kw: Any) -> ArchiveSink:
        """Every topic of ``namespace``, in the namespace's archive consumer group."""
        from schemas.topics import all_topics

        return cls(client, bootstrap, [t.name for t in all_topics(namespace)],
                   group_id=f"cryptick-archive-{namespace or 'live'}", **kw)

    def poll_batch(self, timeout: float = 0.5) -> int:
        """Consume up to one batch and hand it to the writer; the number of messages taken.

        The batch is inserted in the background; the one before it is then
        finished, and the offsets of the batches whose candles are fresh committed.
        """
        if self._failed:
            raise RuntimeError("the archive sink failed: close it (what it did not commit is re-delivered)")
        if time.monotonic() - self._ends_at >= 1.0:
            self._tell_ends()
        good = _without_events(self._consume(timeout))
        if not good:
            self.flush()
            return 0
        with self._failing():  # from here on, an error leaves these messages uncommitted, and all after them
            batch = RawBatch.from_messages(good)
            ends = _ends(batch)
            self._writer.submit(batch)  # finishes the previous insert first
            self._submitted += 1
            self._uncommitted.append((self._submitted, ends, len(good)))
            self._commit(self._candles.refreshed)
        return len(good)

    def _consume(self, timeout: float) -> list[Any]:
        """Up to ``batch_size`` messages: the first waits up to ``timeout``, then what is already fetched
        (full chunks: a backlog goes in big batches; a partial chunk ends the batch).

        Small ``consume`` calls drain librdkafka's queue about twice as fast as one big one.
        """
        msgs = self._consumer.consume(num_messages=min(CHUNK, self.batch_size), timeout=timeout)
        while msgs and len(msgs) < self.batch_size:
            wanted = min(CHUNK, self.batch_size - len(msgs))
            more = self._consumer.consume(num_messages=wanted, timeout=0.05)
            msgs.extend(more)
            if len(more) < wanted:
                # the fetched backlog is drained: archive what there is. (Waiting for a full batch kept a
                # live feed's trickle - a message every few ms - out of the archive indefinitely.)
                break
        return msgs

    def _tell_ends(self) -> None:
        self._ends_at = time.monotonic()
        held = self._consumer.assignment()
        for tp in held:
            _low, high = self._consumer.get_watermark_offsets(tp, cached=True)
            if high >= 0:
                self.ends[(tp.topic, tp.partition)] = high
        unknown = [tp for tp in held if (tp.topic, tp.partition) not in self.committed]
        for tp in self._consumer.position(unknown) if unknown else []:
            if tp.offset >= 0:  # nothing committed by this sink yet: where it resumed
                self.committed.setdefault((tp.topic, tp.partition), tp.offset)

    @property
    def writer(self) -> ArchiveWriter:
        return self._writer

    def lag(self) -> dict[str, int]:
        """Per topic, the messages on the log not archived yet (of the partitions this sink holds)."""
        out: dict[str, int] = {}
        for (topic, partition), end in list(self.ends.items()):
            out[topic] = out.get(topic, 0) + max(0, end - self.committed.get((topic, partition), end))
        return out

    def assignment(self) -> list[TopicPartition]:
        """The partitions this sink's consumer has been given (empty until the group has joined)."""
        return list(self._consumer.assignment())

    def flush(self) -> None:
        """Wait for the batch in flight, refresh the candles still pending and commit every offset."""
        if self._failed:
            return
        with self._failing():
            self._writer.wait()
            self._candles.refresh()
            self._commit(self._submitted)

    @contextlib.contextmanager
    def _failing(self) -> Iterator[None]:
        """On an error, commit nothing more: a later commit would skip the batch that failed."""
        try:
            yield
        except BaseException:
            self._failed = True
            self._uncommitted.clear()
            raise

    def _commit(self, through: int) -> None:
        """Commit the offsets of the batches numbered up to ``through`` (inserted, candles fresh)."""
        done = [b for b in self._uncommitted if b[0] <= through]
        if not done:
            return
        self._uncommitted = self._uncommitted[len(done):]
        offsets: dict[tuple[str, int], int] = {}
        for _, ends, _ in done:
            offsets.update(ends)
        self._consumer.commit(offsets=[TopicPartition(t, p, o) for (t, p), o in offsets.items()],
                              asynchronous=False)
        self.committed.update(offsets)
        self.archived += sum(n for _, _, n in done)

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
