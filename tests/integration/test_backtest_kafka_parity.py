"""A backtest's inboxes re-published to Kafka and processed by the real Faust agents give its outputs.

An integration test on the real broker (it belongs with ``tests/integration``;
it lives here because that folder is not this change's to edit).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cryptick.flows import WorkerProcess
from cryptick.worker import REPLAY_ROLES
from floor.kafka import create_topics, produce_all, producer
from replay.engine import Backtest, BacktestConfig, RunSetup
from replay.parity import digest, kafka_outputs
from replay.sources import MemoryJournal, SyntheticSource
from schemas.events import SCALE, Allocation
from schemas.topics import RUN_INBOXES, RUN_OUTPUTS, all_topics, qualified
from strategies import registry
from strategies.run import new_run
from tests.unit.replay.kit import T0, S

pytestmark = pytest.mark.integration

END = T0 + 300 * S
PARAMS = {"interval_s": "5", "offset_bps": "1"}


def test_backtest_inboxes_through_kafka_give_the_same_outputs(
    kafka_bootstrap: str, namespace: str, tmp_path: Path
) -> None:
    allocations = [Allocation("synthetic", "USD", 20_000 * SCALE), Allocation("synthetic", "BTC", SCALE)]
    spec = new_run("demo", PARAMS, allocations, T0, END)
    journal = MemoryJournal()
    Backtest(BacktestConfig(T0, END), SyntheticSource("synthetic", ("BTC",), T0, END),
             [RunSetup(spec, registry.get("demo").create(PARAMS))], journal=journal).run()
    ours = digest((m.topic, m.key, m.value) for t in RUN_OUTPUTS for m in journal.topic(t))
    assert ours.counts["OrderFilled"] > 0 and ours.counts["OrderRequested"] > 0

    create_topics(kafka_bootstrap, all_topics(namespace))
    prod = producer(kafka_bootstrap)
    for inbox in RUN_INBOXES:  # the strategy's inbox too: the worker's strategy agent rebuilds the run
        produce_all(prod, qualified(inbox, namespace),
                    ((m.key, m.value, m.partition) for m in journal.topic(inbox)))
    assert prod.flush(60) == 0
    worker = WorkerProcess(kafka_bootstrap, namespace, REPLAY_ROLES, log_path=tmp_path / "worker.log").start()
    try:
        worker.wait_caught_up()
    finally:
        worker.stop()
    through_kafka = kafka_outputs(kafka_bootstrap, namespace, RUN_OUTPUTS)
    assert through_kafka.counts == ours.counts
    assert through_kafka.sha256 == ours.sha256
