"""Follow output topics from their current end and yield events as JSON-ready dicts."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

from confluent_kafka import OFFSET_END, Consumer, TopicPartition

from schemas.codec import DecodeError, default_codec
from schemas.events import Event

STREAMS: dict[str, tuple[str, ...]] = {
    "fills": ("OrderFilled",),
    "orders": ("OrderAccepted", "OrderRejected", "OrderOpened", "OrderDone", "CancelRejected"),
    "wallets": ("WalletMovement", "FundsHeld", "HoldReleased", "WalletSetCreated",
                "WalletSetDeactivated", "CommandRejected"),
    "runs": ("RunStateChanged", "UiComponentDeclared", "UiComponentUpdated", "StrategyLogged"),
}


def to_json(event: Event) -> dict[str, Any]:
    """The event as a JSON object, with its type; bytes as hex."""
    body = dataclasses.asdict(event)
    for k, v in body.items():
        if isinstance(v, bytes):
            body[k] = v.hex()
    return {"type": type(event).__name__, **body}


def parse_kinds(kinds: str) -> frozenset[str]:
    """'fills,wallets' -> the event type names; ValueError on an unknown kind."""
    names: set[str] = set()
    for kind in (k.strip() for k in kinds.split(",") if k.strip()):
        if kind not in STREAMS:
            raise ValueError(f"unknown stream {kind!r}; choose from {', '.join(STREAMS)}")
        names.update(STREAMS[kind])
    return frozenset(names)


READY = {"type": "ready"}


def _next_batch(consumer: Consumer) -> list[Any]:
    """What has arrived: waits up to 0.25 s for the first message only (a batch-sized ``consume`` would
    wait its whole timeout whenever fewer are there, delaying every event by up to that much)."""
    first = consumer.poll(0.25)
    return [] if first is None else [first, *consumer.consume(499, timeout=0)]


async def follow(bootstrap: str, topics: Sequence[str], types: frozenset[str]
                 ) -> AsyncIterator[dict[str, Any]]:
    """``READY`` once positioned at the topics' ends, then events of ``types`` as they come."""
    codec = default_codec()
    consumer = Consumer({
        "bootstrap.servers": bootstrap, "group.id": f"cryptick-sse-{uuid.uuid4().hex}",
        "enable.auto.commit": False, "auto.offset.reset": "latest",
    })
    try:
        assignment = []
        for topic in topics:
            meta = await asyncio.to_thread(consumer.list_topics, topic, 10)
            for p in meta.topics[topic].partitions:
                _low, high = await asyncio.to_thread(
                    consumer.get_watermark_offsets, TopicPartition(topic, p), 10)
                assignment.append(TopicPartition(topic, p, high if high >= 0 else OFFSET_END))
        consumer.assign(assignment)
        yield READY
        while True:
            msgs = await asyncio.to_thread(_next_batch, consumer)
            for m in msgs:
                if m.error() is not None:
                    continue
                value = m.value() or b""
                cls = codec.event_type(value)
                if cls is None or cls.__name__ not in types:
                    continue
                try:
                    yield to_json(codec.decode(value))
                except DecodeError:
                    continue
    finally:
        await asyncio.to_thread(consumer.close)
