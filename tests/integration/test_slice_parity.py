"""The central promise, end to end on the real broker and ClickHouse engine:
an order's life is Avro events on Kafka processed by the Faust agents, archived in
ClickHouse, and replaying the archived inboxes through the same agents gives the
same outputs, by content hash."""

from __future__ import annotations

from pathlib import Path

import pytest

from cryptick.flows import WorkerProcess, read_events
from cryptick.worker import REPLAY_ROLES
from floor.kafka import create_topics, end_offsets
from producers.publish import publish
from producers.scenario import Scenario, demo_messages
from replay.archive_reader import count
from replay.ledger_history import balances_at
from replay.parity import archived_outputs, kafka_outputs
from replay.projections import balances
from replay.republish import republish
from schemas.topics import LEDGER_EVENTS, all_topics, qualified
from streams.archive.clickhouse import get_client
from streams.archive.sink import ArchiveSink

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("runtime", ["faust", "direct"])
def test_live_slice_then_replay_from_the_archive_is_identical(
    kafka_bootstrap: str, clickhouse_dsn: str, namespace: str, tmp_path: Path, runtime: str
) -> None:
    create_topics(kafka_bootstrap, all_topics(namespace))
    live = WorkerProcess(kafka_bootstrap, namespace, log_path=tmp_path / "live.log",
                         runtime=runtime).start()
    try:
        sent = publish(kafka_bootstrap, demo_messages(Scenario(steps=400)), namespace, speed=20)
        live.wait_caught_up()
    finally:
        live.stop()
    original = kafka_outputs(kafka_bootstrap, namespace)
    # the slice really traded: fills, orders resting and ending, holds, settlements, rejections
    for kind in ("OrderAccepted", "OrderOpened", "OrderFilled", "OrderDone", "FundsHeld",
                 "HoldReleased", "WalletMovement", "WalletSetCreated", "OrderRejected"):
        assert original.counts.get(kind, 0) > 0, kind
    assert original.counts["OrderFilled"] >= 3
    assert original.counts["OrderRejected"] >= 2  # non-positive size, unknown pair
    assert original.duplicates == 0

    client = get_client(clickhouse_dsn)
    sink = ArchiveSink(client, kafka_bootstrap, [t.name for t in all_topics(namespace)],
                       group_id=f"archive-{namespace}")
    try:
        sink.drain()
    finally:
        sink.close()
    for spec in all_topics(namespace):
        on_kafka = sum(end_offsets(kafka_bootstrap, spec.name).values())
        assert count(client, spec.name) == on_kafka, spec.name
    assert count(client, qualified("venue.journal.v1", namespace)) >= sent - 20
    assert archived_outputs(client, namespace).sha256 == original.sha256

    # the archive answers for any past moment: halfway through, and at the end
    ledger_events = read_events(kafka_bootstrap, qualified(LEDGER_EVENTS, namespace))
    assert balances_at(client, namespace, "main", 2**62) == balances(ledger_events)
    stamps = sorted({e.ts for e in ledger_events})
    middle = stamps[len(stamps) // 2]
    assert balances_at(client, namespace, "main", middle, wallet="demo-ws") == {
        k: v for k, v in balances(e for e in ledger_events if e.ts <= middle).items() if k[0] == "demo-ws"
    }

    target = f"{namespace}r"
    counts = republish(client, kafka_bootstrap, namespace, target)
    assert counts["venue.journal.v1"] == count(client, qualified("venue.journal.v1", namespace))
    replayer = WorkerProcess(kafka_bootstrap, target, REPLAY_ROLES, log_path=tmp_path / "replay.log",
                             runtime=runtime).start()
    try:
        replayer.wait_caught_up()
    finally:
        replayer.stop()
    replayed = kafka_outputs(kafka_bootstrap, target)
    assert replayed.counts == original.counts
    assert replayed.sha256 == original.sha256
