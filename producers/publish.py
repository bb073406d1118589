"""Put events onto their inbox topics (I/O), optionally paced by event time."""

from __future__ import annotations

import time
from collections.abc import Iterable

from producers.scenario import Message
from schemas.codec import default_codec
from schemas.topics import partition_of, qualified
from streams.runtime.kafka import Deliveries, producer


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
        while True:
            try:
                prod.produce(topic, value=value, key=key,
                             partition=partition_of(m.topic, key) if m.partition is None else m.partition)
                break
            except BufferError:
                prod.poll(0.05)
        n += 1
        if n % 5000 == 0:
            prod.poll(0)
    left = prod.flush(60)
    if left:
        raise RuntimeError(f"{left} messages were not delivered to Kafka")
    deliveries.check()
    return n
