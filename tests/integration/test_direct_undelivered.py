"""The direct runtime knows a batch delivered without a report per message (its producer reports failures
only): an output Kafka did not take still stops the worker, and the batch's offsets are not committed."""

from __future__ import annotations

import pytest
from confluent_kafka import KafkaException, TopicPartition

from schemas.topics import LEDGER_EVENTS
from streams.runtime.direct import DirectWorker
from streams.runtime.inbox import Outgoing

pytestmark = pytest.mark.integration


class Consumer:
    """Holds one partition and records commits instead of making them."""

    def __init__(self) -> None:
        self.committed: list[list[TopicPartition]] = []

    def assignment(self) -> list[TopicPartition]:
        return [TopicPartition("in", 0)]

    def commit(self, offsets: list[TopicPartition], asynchronous: bool) -> None:
        self.committed.append(offsets)

    def close(self) -> None:
        pass


def test_an_output_kafka_did_not_take_stops_the_commit(kafka_bootstrap: str, namespace: str) -> None:
    worker = DirectWorker(kafka_bootstrap, namespace, {}, f"g-{namespace}")  # the namespace has no topics
    worker._consumer.close()
    worker._consumer = consumer = Consumer()  # type: ignore[assignment]
    worker._send([Outgoing(LEDGER_EVENTS, b"a", b"v")])  # a batch's output, then the batch is in flight
    worker._in_flight.append(({("in", 0): 7}, []))

    assert worker._commit_delivered() is False  # not delivered yet: nothing committed, no waiting
    with pytest.raises(KafkaException, match=r"(?i)topic"):
        worker._commit_delivered(wait=30)  # refused (no such topic): reported, though only failures are

    assert consumer.committed == [] and len(worker._in_flight) == 1
