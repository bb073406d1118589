"""The direct runtime: the same agents on a bare confluent-kafka consumer group.

Faust spends ~130 µs of asyncio machinery on every message; this loop consumes
in batches, runs the same inbox processors (decode, engine, encode, dead
letters, redelivery, rebuild on restart), produces the outputs and goes on
with the next batch; a batch's offsets are committed once all its outputs are
delivered. At-least-once, nothing lost, and after a crash outputs come again
with the same ids (deduplicated downstream). Selected with
``cryptick worker --runtime direct``; never mix runtimes in one namespace.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition

from schemas.topics import partition_of, qualified
from streams.runtime.inbox import Outgoing
from streams.runtime.kafka import producer

log = logging.getLogger(__name__)


class Processor(Protocol):
    inbox: str

    def process(self, partition: int, offset: int, key: bytes | None, value: bytes | None,
                timestamp_ms: int = 0) -> list[Outgoing]: ...


class Together:
    """Several processors of one inbox topic (e.g. matching and the market fan-out) in one consumer:
    each message goes through every one of them, in order; the outputs are concatenated."""

    def __init__(self, processors: Sequence[Processor]) -> None:
        if not processors or len({p.inbox for p in processors}) != 1:
            raise ValueError("processors of one inbox topic, at least one")
        self.inbox = processors[0].inbox
        self.processors = tuple(processors)

    def process(self, partition: int, offset: int, key: bytes | None, value: bytes | None,
                timestamp_ms: int = 0) -> list[Outgoing]:
        out: list[Outgoing] = []
        for p in self.processors:
            out += p.process(partition, offset, key, value, timestamp_ms)
        return out

    def forget(self, partition: int) -> None:
        for p in self.processors:
            forget = getattr(p, "forget", None)
            if forget is not None:
                forget(partition)


class DirectWorker:
    """Runs ``processors`` (logical inbox topic -> processor) for one namespace."""

    def __init__(self, bootstrap: str, namespace: str, processors: Mapping[str, Processor],
                 group_id: str, batch: int = 10_000, instance: str | None = None) -> None:
        self.namespace = namespace
        self.batch = batch
        self._procs = {qualified(t, namespace): p for t, p in processors.items()}
        self._logical = {qualified(t, namespace): t for t in processors}
        self._names: dict[str, str] = {}
        self._producer = producer(bootstrap, **{"linger.ms": 2})
        self._failed: KafkaError | None = None
        config: dict[str, Any] = {
            "bootstrap.servers": bootstrap, "group.id": group_id,
            "enable.auto.commit": False, "auto.offset.reset": "earliest",
            "fetch.max.bytes": 52428800, "max.partition.fetch.bytes": 10485760,
            "session.timeout.ms": 10000, "heartbeat.interval.ms": 2000,
            "partition.assignment.strategy": "roundrobin",
        }
        if instance:  # a static member: restarted under the same id, it takes its partitions back at once
            config["group.instance.id"] = instance
        self._consumer = Consumer(config)
        # Batches whose outputs are in flight: (next offsets, outputs not yet delivered).
        self._in_flight: deque[tuple[dict[tuple[str, int], int], list[int]]] = deque()
        self.processed = 0

    def _topic(self, logical: str) -> str:
        name = self._names.get(logical)
        if name is None:
            name = self._names[logical] = qualified(logical, self.namespace)
        return name

    def _delivery(self, pending: list[int]) -> Callable[[KafkaError | None, Message], None]:
        def on_delivery(err: KafkaError | None, _msg: Message) -> None:
            if err is not None:
                self._failed = err
            else:
                pending[0] -= 1

        return on_delivery

    def _commit(self, offsets: dict[tuple[str, int], int]) -> None:
        if offsets:
            self._consumer.commit(offsets=[TopicPartition(t, p, o) for (t, p), o in sorted(offsets.items())],
                                  asynchronous=False)

    def _commit_delivered(self) -> None:
        """Commit, in order, the batches whose outputs are all delivered (the next batch meanwhile
        is being processed: delivery waits overlap with work)."""
        if self._failed is not None:
            raise KafkaException(self._failed)
        done: dict[tuple[str, int], int] = {}
        while self._in_flight and self._in_flight[0][1][0] == 0:
            done.update(self._in_flight.popleft()[0])
        self._commit(done)

    def _flush_and_commit(self) -> None:
        """Outputs delivered first, then the inputs' offsets: never an input without its outputs."""
        if not self._in_flight:
            return
        left = self._producer.flush(60)
        if left or self._failed is not None:
            raise KafkaException(self._failed or KafkaError(KafkaError._MSG_TIMED_OUT))
        done: dict[tuple[str, int], int] = {}
        while self._in_flight:
            done.update(self._in_flight.popleft()[0])
        self._commit(done)

    def _on_revoke(self, consumer: Any, partitions: list[TopicPartition]) -> None:
        self._flush_and_commit()
        for tp in partitions:  # rebuilt from the inbox if the partition comes back
            proc = self._procs.get(tp.topic)
            forget = getattr(proc, "forget", None)
            if forget is not None:
                forget(tp.partition)

    def run(self, stop: threading.Event) -> None:
        self._consumer.subscribe(list(self._procs), on_revoke=self._on_revoke)
        produce, poll = self._producer.produce, self._producer.poll
        try:
            while not stop.is_set():
                msgs = self._consumer.consume(num_messages=self.batch, timeout=0.1)
                offsets: dict[tuple[str, int], int] = {}
                pending = [0]
                on_delivery = self._delivery(pending)
                for m in msgs:
                    err = m.error()
                    if err is not None:
                        if err.code() == KafkaError._PARTITION_EOF:
                            continue
                        raise KafkaException(err)
                    topic, partition, offset = m.topic() or "", m.partition() or 0, m.offset() or 0
                    outputs = self._procs[topic].process(partition, offset, m.key(), m.value(),
                                                         m.timestamp()[1])
                    for o in outputs:
                        pending[0] += 1
                        while True:
                            try:
                                produce(self._topic(o.topic), value=o.value, key=o.key,
                                        partition=partition_of(o.topic, o.key), on_delivery=on_delivery)
                                break
                            except BufferError:
                                poll(0.05)
                    offsets[(topic, partition)] = offset + 1
                self.processed += len(msgs)
                if offsets:
                    self._in_flight.append((offsets, pending))
                poll(0)
                self._commit_delivered()
        finally:
            try:
                self._flush_and_commit()
            finally:
                self._consumer.close()
