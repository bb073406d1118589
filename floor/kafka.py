"""Kafka plumbing with confluent-kafka: topics, producers, reading a partition (the I/O floor)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    Producer,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from schemas.topics import DEFAULT_PARTITIONS, SNAPSHOTS, TopicSpec, qualified

Messages = Iterator[tuple[int, bytes | None, bytes]]
"""(offset, key, value) of a partition's messages, in offset order."""


def group_id(namespace: str) -> str:
    """The consumer group of a namespace's agents (the Faust app id)."""
    return f"cryptick-{namespace or 'live'}"


def admin(bootstrap: str) -> AdminClient:
    return AdminClient({"bootstrap.servers": bootstrap})


class PartitionMismatch(ValueError):
    """A topic exists with another partition count than the one keys are mapped onto."""


def check_partitions(bootstrap: str, specs: Iterable[TopicSpec], timeout: float = 30.0) -> None:
    """Raise ``PartitionMismatch`` if a topic of ``specs`` exists with another partition count.

    Every producer sends a key to ``partition_of(key)`` over the spec's count: on a topic with more
    partitions some would never be read as the key's inbox, with fewer the key's messages would fail
    or land in another account's inbox. Topics that do not exist yet are not checked."""
    _check_partitions(admin(bootstrap).list_topics(timeout=timeout).topics, list(specs))


def _check_partitions(topics: Mapping[str, Any], specs: list[TopicSpec]) -> None:
    """``topics``: the broker's metadata (name -> ``TopicMetadata``)."""
    counts = {s.name: len(topics[s.name].partitions) for s in specs if s.name in topics}
    wrong = [(s, counts[s.name]) for s in specs if counts.get(s.name, s.partitions) != s.partitions]
    if not wrong:
        return
    names = ", ".join(f"{s.name} has {n} partitions, keys are mapped onto {s.partitions}" for s, n in wrong)
    raise PartitionMismatch(
        f"{names} (schemas/topics.py DEFAULT_PARTITIONS): messages would reach the wrong inbox. Use a new "
        "namespace, or delete these topics and recreate them with `cryptick topics create` (on the local "
        "broker `cryptick infra up --fresh` starts from no topics). Adding partitions to a topic does not "
        "move what its partitions already hold.")


def create_topics(bootstrap: str, specs: Iterable[TopicSpec], timeout: float = 30.0) -> list[str]:
    """Create the topics that do not exist yet, with their partition counts; return those made. Raise
    ``PartitionMismatch`` (before creating any) if one exists with another count."""
    client = admin(bootstrap)
    specs = list(specs)
    topics = client.list_topics(timeout=timeout).topics
    _check_partitions(topics, specs)
    existing = set(topics)
    wanted = [s for s in specs if s.name not in existing]
    if not wanted:
        return []
    futures = client.create_topics(
        [NewTopic(s.name, num_partitions=s.partitions, replication_factor=1, config=dict(s.config))
         for s in wanted],
        operation_timeout=timeout,
    )
    made = []
    for name, fut in futures.items():
        try:
            fut.result()
            made.append(name)
        except KafkaException as exc:
            if "TOPIC_ALREADY_EXISTS" not in str(exc):
                raise
    _wait_for_leaders(client, [s.name for s in wanted], timeout)
    return sorted(made)


def _wait_for_leaders(client: AdminClient, names: list[str], timeout: float) -> None:
    """Return once every partition of ``names`` has a leader (a new topic takes a moment)."""
    deadline = time.monotonic() + timeout
    while True:
        topics = client.list_topics(timeout=timeout).topics
        if all(n in topics and topics[n].partitions and
               all(p.leader >= 0 for p in topics[n].partitions.values()) for n in names):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"topics without a leader after {timeout:.0f}s: {names}")
        time.sleep(0.05)


def delete_topics(bootstrap: str, names: Iterable[str], timeout: float = 30.0) -> None:
    names = list(names)
    if not names:
        return
    client = admin(bootstrap)  # kept until the futures resolve: a dropped client fails them (_DESTROY)
    for fut in client.delete_topics(names, operation_timeout=timeout).values():
        try:
            fut.result()
        except KafkaException as exc:
            if "UNKNOWN_TOPIC" not in str(exc):
                raise
    deadline = time.monotonic() + timeout  # gone from the metadata too, so a caller sees them gone
    while set(client.list_topics(timeout=timeout).topics) & set(names) and time.monotonic() < deadline:
        time.sleep(0.05)


def namespace_topics(bootstrap: str, namespace: str, timeout: float = 10.0) -> list[str]:
    """The topics of ``namespace`` on the broker: ``<namespace>.<topic>`` for each of our topics (so
    namespace ``venue`` is not taken for the live ``venue.journal.v1``)."""
    if not namespace:
        raise ValueError("a namespace is needed: the live namespace's topics have no prefix")
    present = list_topics(bootstrap, timeout)
    return sorted(n for n in (qualified(t, namespace) for t in (*DEFAULT_PARTITIONS, SNAPSHOTS))
                  if n in present)


def list_topics(bootstrap: str, timeout: float = 10.0) -> dict[str, int]:
    """Topic name -> partition count (internal topics left out)."""
    meta = admin(bootstrap).list_topics(timeout=timeout)
    return {n: len(t.partitions) for n, t in meta.topics.items() if not n.startswith("__")}


class DeliveryFailed(RuntimeError):
    """Kafka refused messages (e.g. their topic does not exist); the message says what to do."""


class Deliveries:
    """A producer's default delivery report: counts the messages Kafka did not take.

    ``flush()`` returns 0 once every message is *done*, delivered or not; without
    a report, a message to a missing topic is dropped silently. ``check()`` after
    the flush raises ``DeliveryFailed`` instead.
    """

    def __init__(self) -> None:
        self.failed = 0
        self.first: tuple[str, KafkaError] | None = None

    def __call__(self, err: KafkaError | None, msg: Message) -> None:
        if err is not None:
            self.failed += 1
            if self.first is None:
                self.first = (msg.topic() or "?", err)

    def check(self) -> None:
        if self.first is None:
            return
        topic, err = self.first
        hint = ""
        if err.code() in (KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError._UNKNOWN_TOPIC):
            ns = topic.rsplit(".", 3)[0] if topic.count(".") >= 3 else ""
            hint = (f": topic {topic} does not exist; create the namespace's topics with "
                    f"`cryptick topics create{' --namespace ' + ns if ns else ''}`")
        raise DeliveryFailed(f"{self.failed} message(s) not delivered to Kafka ({err.str()}){hint}")


def producer(bootstrap: str, **extra: object) -> Producer:
    """An idempotent producer: retries never duplicate or reorder within a partition. Pass
    ``on_delivery=Deliveries()`` to learn of messages Kafka did not take (those without their own
    delivery callback report to it)."""
    config: dict[str, object] = {
        "bootstrap.servers": bootstrap,
        "enable.idempotence": True,
        "linger.ms": 5,
        "batch.num.messages": 10000,
        "queue.buffering.max.messages": 1_000_000,
        # our topics are created before anything is produced: a missing one is an error, said in
        # seconds rather than after librdkafka's default 30 s wait for it to appear
        "topic.metadata.propagation.max.ms": 5000,
    }
    config.update(extra)
    return Producer(config)


ANY_PARTITION = -1
"""``partition`` for a message the producer's partitioner places (librdkafka's unassigned partition)."""


def produce(prod: Producer, topic: str, value: bytes | None, key: bytes | None = None,
            partition: int = ANY_PARTITION, on_delivery: Callable[[Any, Any], None] | None = None) -> None:
    """Produce one message; while the producer's local queue is full, serve delivery reports and try again
    (a full queue means the broker is slow or away: waiting is right, dropping the message never is)."""
    while True:
        try:
            prod.produce(topic, value=value, key=key, partition=partition, on_delivery=on_delivery)
            return
        except BufferError:
            prod.poll(0.05)


def produce_all(prod: Producer, topic: str, items: Iterable[tuple[bytes | None, bytes, int | None]]) -> int:
    """Produce (key, value, partition) items, polling as the queue fills; returns the count."""
    n = 0
    for key, value, partition in items:
        produce(prod, topic, value, key, ANY_PARTITION if partition is None else partition)
        n += 1
        if n % 10000 == 0:
            prod.poll(0)
    return n


@dataclass(frozen=True, slots=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    timestamp_ms: int


TRANSIENT = {KafkaError.NOT_LEADER_FOR_PARTITION, KafkaError.LEADER_NOT_AVAILABLE,
             KafkaError.UNKNOWN_TOPIC_OR_PART, KafkaError._TRANSPORT}
"""Errors a broker gives while a topic or leader is still settling: worth a retry."""


def end_offsets(bootstrap: str, topic: str, timeout: float = 10.0) -> dict[int, int]:
    """Partition -> high-water mark (the offset the next message will get)."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "cryptick-watermarks",
                  "enable.auto.commit": False})
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                meta = c.list_topics(topic, timeout=timeout).topics[topic]
                if meta.error is not None:
                    raise KafkaException(meta.error)
                return {p: c.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout)[1]
                        for p in sorted(meta.partitions)}
            except KafkaException as exc:
                if exc.args[0].code() not in TRANSIENT or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    finally:
        c.close()


def read_partition(bootstrap: str, topic: str, partition: int, start: int = 0,
                   end: int | None = None, timeout: float = 30.0) -> Iterator[Record]:
    """Messages of one partition from ``start`` up to ``end`` (exclusive; default: high-water)."""
    if end is None:
        end = end_offsets(bootstrap, topic, timeout).get(partition, 0)
    return _read(bootstrap, topic, {partition: (start, end)}, timeout)


def read_topic(bootstrap: str, topic: str, timeout: float = 30.0) -> Iterator[Record]:
    """Every message of a topic up to its current end (one consumer; order kept per partition)."""
    ranges = {p: (0, e) for p, e in end_offsets(bootstrap, topic, timeout).items()}
    return _read(bootstrap, topic, ranges, timeout)


def _read(bootstrap: str, topic: str, ranges: dict[int, tuple[int, int]], timeout: float) -> Iterator[Record]:
    """Messages of each partition in [start, end), one consumer for all, offset order per partition.

    ``timeout`` is how long to wait for the next message (I/O), never an input to any decision.
    """
    ends = {p: end for p, (start, end) in ranges.items() if start < end}
    if not ends:
        return
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "cryptick-reader",
                  "enable.auto.commit": False, "fetch.max.bytes": 52428800, "fetch.wait.max.ms": 20})
    try:
        c.assign([TopicPartition(topic, p, ranges[p][0] if ranges[p][0] > 0 else OFFSET_BEGINNING)
                  for p in ends])
        deadline = time.monotonic() + timeout
        while ends:
            # consume() waits for a full batch or its timeout: keep each wait short
            msgs = c.consume(num_messages=5000, timeout=0.1)
            if not msgs:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{topic}: partitions {sorted(ends)} incomplete after {timeout}s")
                continue
            deadline = time.monotonic() + timeout
            for m in msgs:
                err = m.error()
                if err is not None:
                    raise KafkaException(err)
                p, off = m.partition() or 0, m.offset() or 0
                end = ends.get(p)
                if end is None or off >= end:
                    continue
                yield Record(topic, p, off, m.key(), m.value() or b"", m.timestamp()[1])
                if off + 1 >= end:
                    del ends[p]
    finally:
        c.close()


def partition_history(bootstrap: str, topic: str) -> Callable[[int, int, int], Messages]:
    """A History reader for an inbox topic: (partition, start, end) -> its (offset, key, value) in
    [start, end)."""

    def read(partition: int, start: int, end: int) -> Messages:
        for r in read_partition(bootstrap, topic, partition, start, end):
            yield r.offset, r.key, r.value

    return read
