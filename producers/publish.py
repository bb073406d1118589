"""Put events onto their inbox topics (I/O), optionally paced by event time."""

from __future__ import annotations

import time
from collections.abc import Iterable

from floor.kafka import Deliveries, produce, producer
from producers.scenario import Message
from schemas.codec import default_codec
from schemas.topics import partition_of, qualified

DELIVERY_WAIT_S = 330.0
"""How long ``publish`` waits for the last messages: past the producer's 300 s delivery timeout, so a
message is either delivered (the broker came back) or reported failed, never abandoned in the queue."""


def publish(bootstrap: str, messages: Iterable[Message], namespace: str = "",
            speed: float | None = None) -> int:
    """Produce every message to its inbox (its key's partition, or the one it names); with ``speed``,
    event time runs ``speed`` x wall time."""
    codec = default_codec()
    deliveries = Deliveries()
    prod = producer(bootstrap, on_delivery=deliveries)
    n = 0
    t_wall0: float | None = None
    t_event0 = 0
    for m in messages:
        if speed:
            if t_wall0 is None:
                t_wall0, t_event0 = time.monotonic(), m.event.ts
            due = t_wall0 + (m.event.ts - t_event0) / 1e6 / speed
            delay = due - time.monotonic()
            if delay > 0.002:
                prod.poll(0)
                time.sleep(delay)
        key = m.key.encode()
        topic = qualified(m.topic, namespace)
        value = codec.encode(m.event)
        produce(prod, topic, value, key, partition_of(m.topic, key) if m.partition is None else m.partition)
        n += 1
        if n % 5000 == 0:
            prod.poll(0)
    # a broker that is down keeps messages queued: librdkafka delivers them when it is back, or fails them
    # after its delivery timeout (message.timeout.ms, 5 min); wait for one or the other, not for less
    deadline = time.monotonic() + DELIVERY_WAIT_S
    while (left := prod.flush(5)) and time.monotonic() < deadline:
        pass
    if left:
        raise RuntimeError(f"{left} messages were not delivered to Kafka within {DELIVERY_WAIT_S:.0f}s")
    deliveries.check()
    return n
