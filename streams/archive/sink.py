"""The archive sink: every message of the given topics into ClickHouse, in large batches.

A plain confluent-kafka consumer (no Faust: it makes no decision, and batch
consumption is several times faster). Offsets are committed after the insert,
so a crash re-delivers; re-delivered rows collapse on their Kafka coordinates.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException

from schemas.codec import DecodeError, default_codec

log = logging.getLogger(__name__)

COLUMNS = ["topic", "partition", "offset", "key", "event_type", "event_id", "ts", "value", "kafka_ts"]


class ArchiveSink:
    def __init__(self, client: Any, bootstrap: str, topics: Sequence[str],
                 group_id: str = "cryptick-archive", batch_size: int = 50_000) -> None:
        self.client = client
        self.topics = list(topics)
        self.batch_size = batch_size
        self.archived = 0
        self._codec = default_codec()
        self._consumer = Consumer({
            "bootstrap.servers": bootstrap,
            "group.id": group_id,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "fetch.max.bytes": 52428800,
            "max.partition.fetch.bytes": 10485760,
            "topic.metadata.refresh.interval.ms": 2000,
        })
        self._consumer.subscribe(self.topics)

    def poll_batch(self, timeout: float = 0.5) -> int:
        """Consume up to one batch and archive it; the number of messages archived."""
        msgs = self._consumer.consume(num_messages=self.batch_size, timeout=timeout)
        rows: list[list[Any]] = []
        for m in msgs:
            err = m.error()
            if err is not None:
                if err.code() in (KafkaError._PARTITION_EOF, KafkaError.UNKNOWN_TOPIC_OR_PART):
                    continue
                raise KafkaException(err)
            value = m.value() or b""
            key = m.key() or b""
            try:
                event = self._codec.decode(value)
                event_type, event_id, ts = type(event).__name__, event.event_id, event.ts
            except DecodeError:
                event_type, event_id, ts = "undecodable", f"{m.topic()}:{m.partition()}:{m.offset()}", 0
            rows.append([
                m.topic(), m.partition(), m.offset(), key, event_type, event_id, ts, value,
                datetime.fromtimestamp(m.timestamp()[1] / 1000, UTC),
            ])
        if rows:
            self.client.insert("archive_messages", rows, column_names=COLUMNS)
            self._consumer.commit(asynchronous=False)
            self.archived += len(rows)
        return len(rows)

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
        return total

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.poll_batch()

    def close(self) -> None:
        self._consumer.close()
