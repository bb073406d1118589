"""The Faust application that hosts the agents of one topic namespace."""

from __future__ import annotations

import asyncio
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faust
from faust.types import TP

from schemas.topics import qualified
from streams.runtime.inbox import InboxProcessor
from streams.runtime.metrics import AgentCollector
from streams.runtime.sender import OutputSender

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Runtime:
    """What an agent module needs to register itself."""

    app: faust.App
    bootstrap: str
    namespace: str
    metrics: AgentCollector | None = None

    def topic(self, name: str) -> Any:
        return self.app.topic(
            qualified(name, self.namespace),
            key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw",
        )


def create_app(bootstrap: str, namespace: str = "", app_id: str = "cryptick",
               instance: str | None = None) -> faust.App:
    """A Faust app in ``namespace``: its own consumer group and topic names.

    ``instance``: a static member of the group (``group.instance.id``, KIP-345): a worker restarted
    under the same instance takes its partitions back at once, without waiting for the dead process's
    session to expire and without a rebalance of the others. Each running worker needs its own."""
    datadir = Path(tempfile.gettempdir()) / "cryptick-faust"  # Faust makes its own dir in it, not parents
    datadir.mkdir(parents=True, exist_ok=True)
    return faust.App(
        f"{app_id}-{namespace or 'live'}",
        broker=f"kafka://{bootstrap}",
        key_serializer="raw",
        value_serializer="raw",
        store="memory://",
        # Faust makes a data directory even for memory stores; not in the caller's working directory
        datadir=str(datadir / f"{app_id}-{namespace or 'live'}"),
        web_enabled=False,
        topic_allow_declare=False,  # topics are created explicitly, with partition counts
        topic_disable_leader=True,
        consumer_auto_offset_reset="earliest",
        broker_commit_interval=1.0,
        # a killed worker's partitions are reassigned within seconds, not a minute
        broker_session_timeout=10.0,
        broker_heartbeat_interval=2.0,
        consumer_group_instance_id=instance,
        broker_max_poll_records=20000,
        stream_buffer_maxsize=65536,
        stream_wait_empty=False,
        producer_linger_ms=2,
        producer_acks=-1,
    )


def register_inbox_agent(rt: Runtime, name: str, processor: InboxProcessor | Any) -> None:
    """An agent that feeds every message of ``processor.inbox`` through the processor (and saves the
    snapshots an inbox shell takes, once their inputs' outputs are delivered)."""
    inbox = rt.topic(processor.inbox)
    sender = OutputSender(rt.bootstrap, rt.namespace)
    streams: list[Any] = []

    async def agent(stream: Any) -> None:
        manual = stream.noack()  # acked by the sender once the outputs are delivered
        streams.append(manual)
        async for event in manual.events():
            msg = event.message
            sender.send(event, processor.process(
                msg.partition, msg.offset, msg.key, msg.value, int(msg.timestamp * 1000)))
            if sender.waiting > 256:
                await sender.ack_delivered(manual)

    agent.__name__ = name
    rt.app.agent(inbox, name=name)(agent)

    take = getattr(processor, "take_snapshots", None) if getattr(processor, "snapshots", None) else None

    async def acks() -> None:
        if take is not None:  # between two messages: the state covers exactly the inputs sent
            taken = take()
            if taken:
                sender.after_delivered(lambda: processor.save_snapshots(taken))
        for s in streams:
            await sender.ack_delivered(s)

    acks.__name__ = f"{name}_acks"
    rt.app.timer(0.02)(acks)

    if take is not None:
        async def final_snapshots(_app: Any, /, *args: Any, **_: Any) -> None:
            # the agents have stopped: once every output is delivered, a snapshot of all that was processed
            # lets the next start replay nothing (none is taken if an output may be missing)
            if not sender.flush(30.0):
                log.warning("%s: outputs not all delivered at shutdown: no final snapshot", name)
                return
            processor.save_snapshots(processor.take_snapshots(force=True))
            if processor.snapshots is not None:
                processor.snapshots.flush(30.0)

        rt.app.on_before_shutdown.connect(final_snapshots)

    if rt.metrics is not None and hasattr(processor, "counters"):
        watched = rt.metrics.watch(processor)
        inbox_topic = qualified(processor.inbox, rt.namespace)

        async def highwater() -> None:  # the end offsets the consumer last fetched, for the lag
            consumer = rt.app.consumer
            mine = {tp.partition for tp in consumer.assignment() if tp.topic == inbox_topic}
            for partition in set(watched.highwater) - mine:  # revoked: its lag is its next owner's
                watched.forget(partition)
            for partition in sorted(mine):
                tp = TP(inbox_topic, partition)
                end = consumer.highwater(tp)
                if end is None or end < 0:
                    continue
                start = None
                if watched.needs_start(partition):  # nothing processed yet: where its reading starts
                    try:
                        start = await asyncio.wait_for(consumer.position(tp), 1.0)
                    except Exception as exc:  # not known yet: asked again on the next tick
                        log.debug("no position yet for %s[%d]: %r", inbox_topic, partition, exc)
                watched.set_highwater(partition, end, start)

        highwater.__name__ = f"{name}_highwater"
        rt.app.timer(1.0)(highwater)

    forget = getattr(processor, "forget", None)
    if forget is not None:
        topic = qualified(processor.inbox, rt.namespace)

        async def revoked(_app: Any, /, *args: Any, signal: Any = None, **_: Any) -> None:
            # A partition that leaves may come back after another worker has moved it on: its engine
            # is then rebuilt from the inbox, not resumed from the state it had when it left.
            for tp in args[0]:  # the revoked partitions
                if tp.topic == topic:
                    forget(tp.partition)

        rt.app.on_partitions_revoked.connect(revoked)
