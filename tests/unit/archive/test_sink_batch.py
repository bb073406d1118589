"""What the sink takes from a consumed batch: the messages with data, their columns, the offsets to commit."""

from __future__ import annotations

import numpy as np
import pytest
from confluent_kafka import KafkaError, KafkaException, Message

from streams.archive.batch import RawBatch
from streams.archive.sink import _ends, _without_events


def _message(topic: str, partition: int, offset: int, key: bytes | None = b"k", value: bytes | None = b"v",
             ts: int = 1_700_000_000_000) -> Message:
    return Message(topic=topic, partition=partition, offset=offset, key=key, value=value, timestamp=(1, ts))


def _event(code: int) -> Message:
    return Message(topic="a", partition=0, offset=9, error=KafkaError(code))


def test_a_batch_has_each_messages_coordinates_key_value_and_broker_time() -> None:
    msgs = [_message("a", 1, 7, b"k1", b"v1", 10), _message("b", 0, 3, None, None, 11),
            _message("a", 0, 8, b"k3", b"v3", 12)]
    batch = RawBatch.from_messages(msgs)
    assert batch.topics == ["a", "b", "a"]
    assert batch.partitions.tolist() == [1, 0, 0] and batch.partitions.dtype == np.int64
    assert batch.offsets.tolist() == [7, 3, 8] and batch.offsets.dtype == np.int64
    assert batch.keys == [b"k1", b"", b"k3"]  # a missing key or value is empty
    assert batch.values == [b"v1", b"", b"v3"]
    assert batch.kafka_ts_ms.tolist() == [10, 11, 12] and batch.kafka_ts_ms.dtype == np.int64


def test_the_offsets_to_commit_are_one_past_each_partitions_last_message() -> None:
    msgs = [_message("a", 0, 5), _message("a", 1, 2), _message("b", 0, 40), _message("a", 0, 6),
            _message("a", 1, 3), _message("a", 0, 7)]
    assert _ends(RawBatch.from_messages(msgs)) == {("a", 0): 8, ("a", 1): 4, ("b", 0): 41}
    assert _ends(RawBatch.from_messages([])) == {}


def test_end_of_partition_and_unknown_topic_events_are_dropped_other_errors_raised() -> None:
    data = [_message("a", 0, 1), _message("a", 0, 2)]
    assert _without_events(data) is data  # nothing to drop: the list itself
    mixed = [data[0], _event(KafkaError._PARTITION_EOF), data[1], _event(KafkaError.UNKNOWN_TOPIC_OR_PART)]
    assert _without_events(mixed) == data
    assert _without_events([]) == []
    with pytest.raises(KafkaException):
        _without_events([data[0], _event(KafkaError._TRANSPORT)])
