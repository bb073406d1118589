"""A worker killed mid-stream (SIGKILL: no clean shutdown) and restarted loses no
output and applies nothing twice: its outputs, deduplicated by their deterministic
ids, equal the engines' outputs on the same inboxes run uninterrupted in-process.
The worker snapshots its engines every few inputs here, so the restart resumes from
snapshots (a restart without one, from offset 0, is the chaos tests' case)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from confluent_kafka import Consumer, TopicPartition

from cryptick.flows import WorkerProcess
from floor.kafka import create_topics, end_offsets
from producers.publish import publish
from producers.scenario import Scenario, demo_messages
from replay.inprocess import replay_from_kafka
from replay.parity import OutputDigest, kafka_outputs
from replay.projections import balances
from schemas.codec import decode
from schemas.topics import LEDGER_EVENTS, SNAPSHOTS, VENUE_JOURNAL, all_topics, qualified

pytestmark = pytest.mark.integration


def committed(bootstrap: str, group: str, topic: str) -> int:
    """Messages of ``topic`` the group has committed, over all partitions."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        parts = [TopicPartition(topic, p) for p in end_offsets(bootstrap, topic)]
        return sum(max(tp.offset, 0) for tp in consumer.committed(parts, timeout=10))
    finally:
        consumer.close()


def snapshots_saved(bootstrap: str, namespace: str) -> bool:
    """Whether the namespace's snapshot topic holds anything yet (the worker makes it when it starts)."""
    try:
        return sum(end_offsets(bootstrap, qualified(SNAPSHOTS, namespace), timeout=2).values()) > 0
    except Exception:  # not made yet
        return False


@pytest.mark.parametrize("runtime", ["faust", "direct"])
def test_kill_and_restart_mid_stream_gives_the_uninterrupted_outputs(
    kafka_bootstrap: str, namespace: str, tmp_path: Path, runtime: str
) -> None:
    create_topics(kafka_bootstrap, all_topics(namespace))
    worker = WorkerProcess(kafka_bootstrap, namespace, log_path=tmp_path / "worker.log",
                           runtime=runtime, env={"SNAPSHOT_EVERY": "10"}).start()
    # ~10 s of wall time: the kill lands while market data and orders are still flowing
    feeder = threading.Thread(
        target=publish, args=(kafka_bootstrap, demo_messages(Scenario(steps=400)), namespace, 10.0)
    )
    feeder.start()
    # kill once the worker has committed progress (so the restart resumes mid-log) and saved a snapshot
    # (so it resumes from it), but while the feed still flows
    deadline = time.monotonic() + 60
    while (committed(kafka_bootstrap, worker.group_id, qualified(VENUE_JOURNAL, namespace)) < 50
           or not snapshots_saved(kafka_bootstrap, namespace)):
        assert time.monotonic() < deadline, "the worker never committed progress and saved a snapshot"
        time.sleep(0.1)
    assert feeder.is_alive()
    worker.kill()
    time.sleep(1.0)
    worker.start()
    feeder.join()
    try:
        worker.wait_caught_up()
    finally:
        worker.stop()

    log = (tmp_path / "worker.log").read_text()
    assert "resumed " in log  # the restarted worker resumed mid-log, not from the start
    assert "from a snapshot at" in log  # and from a snapshot, not by replaying its inbox from offset 0
    live = kafka_outputs(kafka_bootstrap, namespace)
    uninterrupted = replay_from_kafka(kafka_bootstrap, namespace)
    assert uninterrupted.counts["OrderFilled"] >= 3
    assert live.counts == uninterrupted.counts  # no fill lost, none counted twice
    assert live.sha256 == uninterrupted.sha256

    def wallet_balances(d: OutputDigest) -> dict[tuple[str, str, str, str], int]:
        return balances(decode(v) for (topic, _), values in d.per_key.items()
                        if topic == LEDGER_EVENTS for v in values)

    assert wallet_balances(live) == wallet_balances(uninterrupted)
    assert any(k[0] == "demo-ws" for k in wallet_balances(live))
