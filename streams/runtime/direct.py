"""The direct runtime: the same agents on a bare confluent-kafka consumer group.

Faust spends ~130 µs of asyncio machinery on every message; this loop consumes
in batches, runs the same inbox processors (decode, engine, encode, dead
letters, redelivery, rebuild on restart), produces the outputs and goes on
with the next batch; a batch's offsets are committed once all its outputs are
delivered (known without a report per message: once the producer's queue has
drained: checked before each run of outputs is produced, and waited for every
``COMMIT_EVERY_S`` if it never drains; a message Kafka refused is still
reported, and stops it).
At-least-once, nothing lost, and after a crash outputs come again with the
same ids (deduplicated downstream). Selected with ``cryptick worker --runtime
direct``; never mix runtimes in one namespace.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition

from floor.kafka import producer
from schemas.codec import DecodeError, default_codec
from schemas.events import Event
from schemas.topics import partition_of, qualified
from streams.runtime.inbox import InboxProcessor, Outgoing
from streams.runtime.metrics import AgentCollector, Watched
from streams.runtime.snapshots import Snapshot

log = logging.getLogger(__name__)

COMMIT_RETRIED = frozenset({
    KafkaError._TRANSPORT, KafkaError._TIMED_OUT, KafkaError._WAIT_COORD, KafkaError._ALL_BROKERS_DOWN,
    KafkaError.REQUEST_TIMED_OUT, KafkaError.NETWORK_EXCEPTION, KafkaError.COORDINATOR_NOT_AVAILABLE,
    KafkaError.COORDINATOR_LOAD_IN_PROGRESS, KafkaError.NOT_COORDINATOR, KafkaError.REBALANCE_IN_PROGRESS,
    KafkaError.UNKNOWN_MEMBER_ID, KafkaError.ILLEGAL_GENERATION, KafkaError._ASSIGNMENT_LOST,
})
"""Commit errors of a broker away or a group in flux: the offsets go with the next commit."""
REVOKE_FLUSH_S = 10.0
COMMIT_EVERY_S = 0.5
"""While outputs are produced without a pause, how often the worker waits for them to be delivered (up to
COMMIT_WAIT_S) to commit the inputs processed so far."""
COMMIT_WAIT_S = 1.0
PRODUCE_EVERY = 2000
"""Outputs of a batch produced together (at most this many wait for the batch's processing to go on)."""
HIGHWATER_S = 1.0
"""How often the metrics are told the inbox partitions' end offsets (for the consumer lag)."""
Saving = tuple[InboxProcessor, list[tuple[str, Snapshot]]]
"""(an inbox processor, the snapshots it took): saved once the outputs before them are delivered."""


class Processor(Protocol):
    inbox: str

    def process(self, partition: int, offset: int, key: bytes | None, value: bytes | None,
                timestamp_ms: int = 0) -> list[Outgoing]: ...


class Together:
    """Several processors of one inbox topic (e.g. matching and the market fan-out) in one consumer:
    each message goes through every one of them, in order; the outputs are concatenated."""

    def __init__(self, processors: Sequence[InboxProcessor]) -> None:
        if not processors or len({p.inbox for p in processors}) != 1:
            raise ValueError("processors of one inbox topic, at least one")
        self.inbox = processors[0].inbox
        self.processors = tuple(processors)
        self._decode = default_codec().decode

    def process(self, partition: int, offset: int, key: bytes | None, value: bytes | None,
                timestamp_ms: int = 0) -> list[Outgoing]:
        """Each shell's outputs, in order; the message decoded once for all of them (a message that does not
        decode is left to each shell, which dead-letters it or not)."""
        try:
            event: Event | None = self._decode(value or b"")
        except DecodeError:
            event = None
        out: list[Outgoing] = []
        for p in self.processors:
            out += p.process(partition, offset, key, value, timestamp_ms, event)
        return out

    def forget(self, partition: int) -> None:
        for p in self.processors:
            forget = getattr(p, "forget", None)
            if forget is not None:
                forget(partition)


class DirectWorker:
    """Runs ``processors`` (logical inbox topic -> processor) for one namespace."""

    def __init__(self, bootstrap: str, namespace: str, processors: Mapping[str, Processor],
                 group_id: str, batch: int = 10_000, instance: str | None = None,
                 metrics: AgentCollector | None = None) -> None:
        self.namespace = namespace
        self.batch = batch
        self._procs = {qualified(t, namespace): p for t, p in processors.items()}
        self._logical = {qualified(t, namespace): t for t in processors}
        self._names: dict[str, str] = {}
        # no delivery report for a message delivered (a Python call each): a batch is known delivered once
        # the producer's queue has drained; a message Kafka did not take is still reported, to _undelivered
        self._producer = producer(bootstrap, **{"linger.ms": 2, "delivery.report.only.error": True,
                                                "on_delivery": self._undelivered})
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
        self._uncommitted: dict[tuple[str, int], int] = {}  # offsets a failed commit left, for the next
        # Batches whose outputs are in flight: (next offsets, the snapshots taken after the batch: saved once
        # it is delivered), and since when the oldest is
        self._in_flight: deque[tuple[dict[tuple[str, int], int], list[Saving]]] = deque()
        self._in_flight_since = 0.0
        self.processed = 0
        self._snapshotting = [p for proc in self._procs.values()
                              for p in (proc.processors if isinstance(proc, Together) else (proc,))
                              if isinstance(p, InboxProcessor) and p.snapshots is not None]
        # the processors the metrics read, per full inbox topic, told the inbox's end offsets each second
        self._watched: dict[str, list[Watched]] = {}
        if metrics is not None:
            for topic, proc in self._procs.items():
                each = proc.processors if isinstance(proc, Together) else (proc,)
                # the agents' inbox shells (a router keeps no counters: its inbox is an agent's too)
                self._watched[topic] = [metrics.watch(p) for p in each if hasattr(p, "counters")]
        self._highwater_at = 0.0

    def _topic(self, logical: str) -> str:
        name = self._names.get(logical)
        if name is None:
            name = self._names[logical] = qualified(logical, self.namespace)
        return name

    def _undelivered(self, err: KafkaError | None, _msg: Message) -> None:
        if err is not None:  # only failures are reported (``delivery.report.only.error``)
            self._failed = err

    def _send(self, outgoing: list[Outgoing]) -> None:
        """Produce ``outgoing``, in order; first commit the batches in flight if the producer's queue has
        drained since the last outputs (under a backlog it has, while these were being made: the batch
        before is committed as the next one runs, without a wait). Produced together rather than each as
        it is made: librdkafka wakes its sender thread for a message on an empty queue, which costs a
        message produced alone several times what it costs in a run of them."""
        self._commit_delivered()
        produce, poll, topic = self._producer.produce, self._producer.poll, self._topic
        # floor.kafka.produce's loop, inline: a call per output costs more than its retry logic here
        for o in outgoing:
            while True:
                try:
                    produce(topic(o.topic), value=o.value, key=o.key, partition=partition_of(o.topic, o.key))
                    break
                except BufferError:
                    poll(0.05)

    def _commit(self, offsets: dict[tuple[str, int], int]) -> None:
        """Commit ``offsets`` (inputs whose outputs are all delivered) with those a failed commit left.

        A commit fails while the broker is away or the group is rebalancing, and after the session was
        lost (the worker is rejoined under a new member id): not a reason to stop. The offsets are
        kept and go with the next commit, for the partitions this worker still holds then; a partition
        that went to another worker meanwhile is processed again from its last commit there, and its
        outputs come again with the same ids (at-least-once). Committing one late is safe: its outputs
        were delivered. Anything else (e.g. fenced by a newer process of the same instance) stops."""
        for tp, offset in offsets.items():
            self._uncommitted[tp] = max(offset, self._uncommitted.get(tp, 0))
        if not self._uncommitted:
            return
        held = {(tp.topic, tp.partition) for tp in self._consumer.assignment()}
        mine = {tp: o for tp, o in self._uncommitted.items() if tp in held}
        if not mine:
            self._uncommitted.clear()
            return
        try:
            self._consumer.commit(offsets=[TopicPartition(t, p, o) for (t, p), o in sorted(mine.items())],
                                  asynchronous=False)
        except KafkaException as exc:
            err = exc.args[0]
            if not isinstance(err, KafkaError) or err.code() not in COMMIT_RETRIED:
                raise
            self._uncommitted = mine
            log.warning("commit failed (%s): %d offsets go with the next commit", err, len(mine))
            return
        self._uncommitted.clear()

    def _commit_delivered(self, wait: float | None = None) -> bool:
        """Commit the batches in flight (and save their snapshots) if every output produced so far is
        delivered: none left in the producer's queue, at once or after waiting up to ``wait`` s for it to
        drain (the next batch meanwhile is processed: delivery waits overlap with work). Raises if an
        output was not delivered; whether all are."""
        left = 0
        if self._in_flight:
            # a message leaves the queue once delivered, or once its failure is reported (to _undelivered,
            # by the flush or an earlier poll): so the failure is read after the queue
            left = len(self._producer) if wait is None else self._producer.flush(wait)
        if self._failed is not None:
            raise KafkaException(self._failed)
        if left:
            return False
        done: dict[tuple[str, int], int] = {}
        while self._in_flight:
            offsets, saving = self._in_flight.popleft()
            done.update(offsets)
            self._save(saving)
        self._commit(done)
        return True

    def _flush_and_commit(self) -> None:
        """Outputs delivered first, then the inputs' offsets: never an input without its outputs."""
        if not self._commit_delivered(60):
            raise KafkaException(KafkaError(KafkaError._MSG_TIMED_OUT))

    def _take_snapshots(self, force: bool = False) -> list[Saving]:
        return [(p, taken) for p in self._snapshotting if (taken := p.take_snapshots(force))]

    @staticmethod
    def _save(saving: list[Saving]) -> None:
        """Save snapshots whose inputs' outputs are all delivered."""
        for p, taken in saving:
            p.save_snapshots(taken)

    def _on_revoke(self, consumer: Any, partitions: list[TopicPartition]) -> None:
        # what is delivered by now is committed; the rest, if the partitions come back, with a later
        # commit, else its inputs are processed again by their next owner (the broker may be away)
        self._commit_delivered(REVOKE_FLUSH_S)
        for tp in partitions:  # rebuilt from the inbox if the partition comes back
            proc = self._procs.get(tp.topic)
            forget = getattr(proc, "forget", None)
            if forget is not None:
                forget(tp.partition)
            for w in self._watched.get(tp.topic, ()):  # its lag is its next owner's to report
                w.forget(tp.partition)

    def _tell_highwater(self) -> None:
        """The end offsets of the assigned inbox partitions, as the last fetches saw them, for the lag."""
        self._highwater_at = time.monotonic()
        for tp in self._consumer.assignment():
            watched = self._watched.get(tp.topic)
            if not watched:
                continue
            low, high = self._consumer.get_watermark_offsets(tp, cached=True)
            if high < 0:
                continue
            start = self._start_of(tp, low) if any(w.needs_start(tp.partition) for w in watched) else None
            for w in watched:
                w.set_highwater(tp.partition, high, start)

    def _start_of(self, tp: TopicPartition, low: int) -> int | None:
        """Where the consumer starts reading a partition it has processed nothing of: its group's committed
        offset, else the earliest (``auto.offset.reset``); None if the broker does not say in time."""
        try:
            committed = self._consumer.committed([TopicPartition(tp.topic, tp.partition)], timeout=1.0)[0]
        except KafkaException as exc:
            log.debug("no committed offset for %s[%d]: %s", tp.topic, tp.partition, exc)
            return None
        if committed.offset >= 0:
            return int(committed.offset)
        return low if low >= 0 else None

    def run(self, stop: threading.Event) -> None:
        self._consumer.subscribe(list(self._procs), on_revoke=self._on_revoke)
        poll = self._producer.poll
        try:
            while not stop.is_set():
                # wait only until the first message, then take what is already fetched: a batch-sized
                # consume would wait its whole timeout whenever fewer than a batch are there (each hop
                # of an order, ~100 ms)
                first = self._consumer.poll(0.1)
                msgs = [] if first is None else [first, *self._consumer.consume(self.batch - 1, timeout=0)]
                offsets: dict[tuple[str, int], int] = {}
                out: list[Outgoing] = []
                for m in msgs:
                    err = m.error()
                    if err is not None:
                        if err.fatal():
                            raise KafkaException(err)
                        # e.g. all brokers down: the client reconnects and resumes by itself
                        if err.code() != KafkaError._PARTITION_EOF:
                            log.warning("consumer: %s", err)
                        continue
                    topic, partition, offset = m.topic() or "", m.partition() or 0, m.offset() or 0
                    out += self._procs[topic].process(partition, offset, m.key(), m.value(),
                                                      m.timestamp()[1])
                    offsets[(topic, partition)] = offset + 1
                    if len(out) >= PRODUCE_EVERY:
                        self._send(out)
                        out = []
                self._send(out)
                self.processed += len(msgs)
                if offsets:
                    if not self._in_flight:
                        self._in_flight_since = time.monotonic()
                    self._in_flight.append((offsets, self._take_snapshots()))
                poll(0)
                # at once if the queue has drained (the inbox went quiet); if it never does while batches
                # come one after another, its draining is waited for every COMMIT_EVERY_S
                waited = time.monotonic() - self._in_flight_since >= COMMIT_EVERY_S
                self._commit_delivered(COMMIT_WAIT_S if waited else None)
                if self._watched and time.monotonic() - self._highwater_at >= HIGHWATER_S:
                    self._tell_highwater()
        finally:
            try:
                self._flush_and_commit()
                # a clean stop leaves a snapshot of everything processed: the restart replays nothing
                self._save(self._take_snapshots(force=True))
                for p in self._snapshotting:
                    if p.snapshots is not None:
                        p.snapshots.flush(30)
            finally:
                self._consumer.close()
