"""A batch of Kafka messages held column by column, as the archive writes them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True, slots=True)
class RawBatch:
    """Messages with their Kafka coordinates and broker timestamps (milliseconds)."""

    topics: list[str]
    partitions: np.ndarray  # int64
    offsets: np.ndarray  # int64
    keys: list[bytes]
    values: list[bytes]
    kafka_ts_ms: np.ndarray  # int64

    def __len__(self) -> int:
        return len(self.values)

    @classmethod
    def from_messages(cls, messages: Sequence[Any]) -> RawBatch:
        """From confluent-kafka messages (error-free ones; a missing key or value is empty)."""
        return cls(  # list comprehensions: faster than generators into np.fromiter
            topics=[m.topic() for m in messages],
            partitions=np.array([m.partition() for m in messages], dtype=np.int64),
            offsets=np.array([m.offset() for m in messages], dtype=np.int64),
            keys=[m.key() or b"" for m in messages],
            values=[m.value() or b"" for m in messages],
            kafka_ts_ms=np.array([m.timestamp()[1] for m in messages], dtype=np.int64),
        )

    @classmethod
    def from_records(cls, records: Iterable[tuple[str, int, int, bytes, bytes, int]]) -> RawBatch:
        """From (topic, partition, offset, key, value, timestamp ms) tuples."""
        rows = list(records)
        return cls(
            topics=[r[0] for r in rows],
            partitions=np.array([r[1] for r in rows], dtype=np.int64),
            offsets=np.array([r[2] for r in rows], dtype=np.int64),
            keys=[r[3] for r in rows],
            values=[r[4] for r in rows],
            kafka_ts_ms=np.array([r[5] for r in rows], dtype=np.int64),
        )
