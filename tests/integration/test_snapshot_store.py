"""The snapshot store on Kafka: larger than a message, replaced, lost in part; and the snapshot a worker
leaves when it stops cleanly.

A snapshot is written in chunks and a manifest on the namespace's compacted topic; a new store (a
restarted worker) reads back the latest per engine, whole and byte for byte; one whose chunk is
missing or whose bytes do not match is not used (the engine is then rebuilt from its inbox)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from confluent_kafka.admin import ConfigResource

from cryptick.flows import WorkerProcess
from floor.kafka import admin, create_topics, end_offsets, list_topics, producer
from producers.publish import publish
from producers.scenario import Scenario, demo_messages
from schemas.topics import (
    SNAPSHOT_TOPIC_CONFIG,
    VENUE_EVENTS,
    VENUE_JOURNAL,
    all_topics,
    qualified,
    snapshot_topic,
)
from streams.runtime.kafka_snapshots import KafkaSnapshots, _chunk_key, _Manifest
from streams.runtime.snapshots import Snapshot

pytestmark = pytest.mark.integration


def snap(offset: int, size: int) -> Snapshot:
    return Snapshot(offset, os.urandom(size), frozenset({3, 5}), "v1")


def test_snapshots_come_back_whole_and_the_latest_wins(kafka_bootstrap: str, namespace: str) -> None:
    store = KafkaSnapshots(kafka_bootstrap, namespace, chunk=10_000)
    first, second, other = snap(100, 35_000), snap(200, 25_000), snap(7, 10)
    store.save("venue/out/0", first)
    store.save("venue/out/0", second)  # replaces the first: its chunks are tombstoned
    store.save("ledger/out/1", other)
    assert store.flush() == 0 and store.failed is None

    again = KafkaSnapshots(kafka_bootstrap, namespace, chunk=10_000)

    assert again.latest("venue/out/0") == second
    assert again.latest("ledger/out/1") == other
    assert again.latest("venue/out/2") is None
    # the topic as the broker has it: one partition, compacted (only the latest per key is kept)
    spec = snapshot_topic(namespace)
    assert spec.name == qualified("snapshots.v1", namespace)
    assert list_topics(kafka_bootstrap)[spec.name] == 1
    resource = ConfigResource(ConfigResource.Type.TOPIC, spec.name)  # type: ignore[attr-defined]
    client = admin(kafka_bootstrap)  # kept: its futures fail if it is collected first
    configs = client.describe_configs([resource])[resource].result(timeout=10)
    assert {k: configs[k].value for k in SNAPSHOT_TOPIC_CONFIG} == SNAPSHOT_TOPIC_CONFIG


def test_a_snapshot_with_a_chunk_missing_or_altered_is_not_used(kafka_bootstrap: str, namespace: str) -> None:
    store = KafkaSnapshots(kafka_bootstrap, namespace, chunk=10_000)
    good = snap(50, 15_000)
    store.save("a/out/0", good)
    store.save("b/out/0", snap(60, 15_000))
    store.flush()
    # b's second chunk deleted (as a lost message would leave it), c's manifest naming bytes it lacks
    prod = producer(kafka_bootstrap)
    b = store._generations["b/out/0"]
    prod.produce(store.topic, key=_chunk_key("b/out/0", b.generation, 1), value=None, partition=0)
    m = _Manifest("g1", 1, 4, "0" * 64, 9, (), "v1")
    prod.produce(store.topic, key=_chunk_key("c/out/0", "g1", 0), value=b"abcd", partition=0)
    prod.produce(store.topic, key=b"c/out/0", value=m.encode(), partition=0)
    prod.produce(store.topic, key=b"d/out/0", value=b"not a manifest", partition=0)
    assert prod.flush(10) == 0

    again = KafkaSnapshots(kafka_bootstrap, namespace, chunk=10_000)

    assert again.latest("a/out/0") == good
    assert again.latest("b/out/0") is None
    assert again.latest("c/out/0") is None
    assert again.latest("d/out/0") is None


@pytest.mark.parametrize("runtime", ["faust", "direct"])
def test_a_worker_stopped_cleanly_leaves_a_snapshot_of_all_it_processed(
        kafka_bootstrap: str, namespace: str, tmp_path: Path, runtime: str) -> None:
    create_topics(kafka_bootstrap, all_topics(namespace))
    publish(kafka_bootstrap, demo_messages(Scenario(steps=20)), namespace)
    worker = WorkerProcess(kafka_bootstrap, namespace, ("matching", "ledger"), runtime=runtime,
                           log_path=tmp_path / "worker.log",
                           env={"SNAPSHOT_EVERY": "1000000"}).start()  # none taken on the way
    try:
        worker.wait_caught_up()
    finally:
        worker.stop()

    store = KafkaSnapshots(kafka_bootstrap, namespace)
    topic = qualified(VENUE_JOURNAL, namespace)
    ends = {p: e for p, e in end_offsets(kafka_bootstrap, topic).items() if e}
    snapshots = {p: store.latest(f"{topic}/{VENUE_EVENTS}/{p}") for p in ends}
    assert ends and {p: s.offset if s else None for p, s in snapshots.items()} == ends
