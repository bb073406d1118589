"""Outputs of an agent, produced with confluent-kafka; inputs acked only once delivered.

Faust's own send path costs ~150 µs a message; librdkafka's ``produce`` a few.
At-least-once is kept by hand: the agent's stream does not ack an input when
it moves on; this sender acks it once every output it caused is delivered, and
Faust commits only acked offsets. A crash between the two redelivers the input,
and its outputs come again with the same deterministic ids (deduplicated
downstream). Outputs keep their order per partition (idempotent producer).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from confluent_kafka import KafkaError, Message

from floor.kafka import produce, producer
from schemas.topics import partition_of, qualified
from streams.runtime.inbox import Outgoing


class DeliveryFailed(RuntimeError):
    """Kafka refused an output for good: the worker must stop rather than ack its input."""


class _Pending:
    __slots__ = ("event", "left", "then")

    def __init__(self, event: Any, left: int, then: Callable[[], None] | None = None) -> None:
        self.event = event
        self.left = left
        self.then = then  # a marker's action (no input to ack)


class OutputSender:
    def __init__(self, bootstrap: str, namespace: str) -> None:
        self.namespace = namespace
        self._producer = producer(bootstrap, **{"linger.ms": 2})
        self._pending: deque[_Pending] = deque()
        self._failed: KafkaError | None = None
        self._names: dict[str, str] = {}

    def _topic(self, logical: str) -> str:
        name = self._names.get(logical)
        if name is None:
            name = self._names[logical] = qualified(logical, self.namespace)
        return name

    def send(self, event: Any, outputs: Iterable[Outgoing]) -> None:
        """Produce the outputs of ``event`` (a Faust event, acked once they are delivered)."""
        entry = _Pending(event, 0)
        self._pending.append(entry)
        for o in outputs:
            entry.left += 1
            self._produce(entry, o)
        self._producer.poll(0)

    def _produce(self, entry: _Pending, o: Outgoing) -> None:
        def delivered(err: KafkaError | None, _msg: Message) -> None:
            if err is not None:
                self._failed = err
            else:
                entry.left -= 1

        produce(self._producer, self._topic(o.topic), o.value, o.key, partition_of(o.topic, o.key), delivered)

    def after_delivered(self, then: Callable[[], None]) -> None:
        """Call ``then`` once every output sent so far is delivered (in order with the acks)."""
        self._pending.append(_Pending(None, 0, then))

    async def ack_delivered(self, stream: Any) -> int:
        """Ack, in order, the inputs whose outputs are all delivered; how many."""
        self._producer.poll(0)
        if self._failed is not None:
            raise DeliveryFailed(str(self._failed))
        n = 0
        pending = self._pending
        while pending and pending[0].left == 0:
            entry = pending.popleft()
            if entry.then is not None:
                entry.then()
                continue
            await stream.ack(entry.event)
            n += 1
        return n

    def flush(self, timeout: float) -> bool:
        """Wait for every output sent to be delivered; whether all were (none failed, none left)."""
        return self._producer.flush(timeout) == 0 and self._failed is None

    @property
    def waiting(self) -> int:
        return len(self._pending)
