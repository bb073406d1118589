"""Re-publish a namespace's archived inboxes into a fresh namespace, partition for partition."""

from __future__ import annotations

from floor.clickhouse import ClickHouse
from floor.kafka import Deliveries, create_topics, produce, producer
from replay.archive_reader import messages, partitions
from schemas.topics import INBOXES, all_topics, qualified


def republish(client: ClickHouse, bootstrap: str, source: str, target: str,
              inboxes: tuple[str, ...] = INBOXES) -> dict[str, int]:
    """Copy every archived inbox message of ``source`` into ``target``; counts per topic.

    Each message keeps its partition, key and bytes, and messages are produced in
    offset order by an idempotent producer, so each target inbox partition is an
    exact copy of the source's: the agents see the same inputs in the same order.
    """
    if source == target:
        raise ValueError("replay needs a fresh namespace, not the source's own")
    create_topics(bootstrap, all_topics(target))
    deliveries = Deliveries()
    prod = producer(bootstrap, on_delivery=deliveries)
    counts: dict[str, int] = {}
    for inbox in inboxes:
        src, dst = qualified(inbox, source), qualified(inbox, target)
        n = 0
        for p in partitions(client, src):
            for m in messages(client, src, p):
                produce(prod, dst, m.value, m.key or None, p)
                n += 1
        counts[inbox] = n
    remaining = prod.flush(60)
    if remaining:
        raise RuntimeError(f"{remaining} replayed messages were not delivered")
    deliveries.check()
    return counts
