"""Bad input on an inbox never stops an agent: it goes to the dead-letter topic with
the reason and the original bytes, and what follows is processed."""

from __future__ import annotations

from pathlib import Path

import pytest

from cryptick.flows import WorkerProcess, read_events
from floor.kafka import create_topics, producer
from schemas.codec import encode
from schemas.events import DeadLetter, DepositFunds, WalletMovement
from schemas.topics import (
    DEAD_LETTERS,
    LEDGER_EVENTS,
    LEDGER_JOURNAL,
    VENUE_JOURNAL,
    all_topics,
    partition_of,
    qualified,
)

pytestmark = pytest.mark.integration


def test_undecodable_messages_are_dead_lettered_and_the_agents_go_on(
    kafka_bootstrap: str, namespace: str, tmp_path: Path
) -> None:
    create_topics(kafka_bootstrap, all_topics(namespace))
    prod = producer(kafka_bootstrap)
    prod.produce(qualified(LEDGER_JOURNAL, namespace), key=b"main", value=b"\x00garbage", partition=0)
    prod.produce(qualified(VENUE_JOURNAL, namespace), key=b"x:Y", value=b'{"json": true}', partition=1)
    deposit = DepositFunds("dep-1", "main", "synthetic", "USD", 5 * 10**8, 1)
    prod.produce(qualified(LEDGER_JOURNAL, namespace), key=b"main", value=encode(deposit),
                 partition=partition_of(LEDGER_JOURNAL, b"main"))
    assert prod.flush(10) == 0

    worker = WorkerProcess(kafka_bootstrap, namespace, log_path=tmp_path / "worker.log").start()
    try:
        worker.wait_caught_up()
    finally:
        worker.stop()

    letters = read_events(kafka_bootstrap, qualified(DEAD_LETTERS, namespace))
    assert all(isinstance(e, DeadLetter) for e in letters)
    by_value = {e.value: e for e in letters if isinstance(e, DeadLetter)}
    assert set(by_value) == {b"\x00garbage", b'{"json": true}'}
    assert by_value[b"\x00garbage"].topic == qualified(LEDGER_JOURNAL, namespace)
    assert "marker" in by_value[b"\x00garbage"].reason
    assert by_value[b'{"json": true}'].key == b"x:Y" and by_value[b'{"json": true}'].partition == 1

    movements = [e for e in read_events(kafka_bootstrap, qualified(LEDGER_EVENTS, namespace))
                 if isinstance(e, WalletMovement)]
    assert [m.cause_id for m in movements] == ["dep-1"]
