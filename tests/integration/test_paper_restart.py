"""A worker hosting paper runs, killed mid-stream (SIGKILL) and restarted, loses nothing and applies
nothing twice: the runs go on from their inboxes, and the outputs, deduplicated by their ids, equal the
engines' outputs on the recorded inboxes run in-process."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from cryptick import paper
from cryptick.flows import WorkerProcess, read_events
from cryptick.worker import ROLES
from producers.feed_runner import synthetic_messages
from producers.publish import publish
from replay.inprocess import replay_from_kafka
from replay.parity import kafka_outputs
from schemas.events import SCALE, Allocation, OrderFilled, OrderRequested
from schemas.topics import RUN_INBOXES, RUN_OUTPUTS, STRATEGY_EVENTS, STRATEGY_JOURNAL, all_topics, qualified
from streams.runtime.kafka import create_topics
from tests.integration.test_restart import committed

pytestmark = pytest.mark.integration
US = 1_000_000


@pytest.mark.parametrize("runtime", ["faust", "direct"])
def test_paper_runs_survive_a_killed_worker(kafka_bootstrap: str, namespace: str, tmp_path: Path,
                                            runtime: str) -> None:
    create_topics(kafka_bootstrap, all_topics(namespace))
    worker = WorkerProcess(kafka_bootstrap, namespace, ROLES, log_path=tmp_path / "worker.log",
                           runtime=runtime).start()
    now = int(time.time()) * US
    listings, events = synthetic_messages(steps=800, seed=21, ledger_accounts=(), start_ts=now)
    publish(kafka_bootstrap, [*listings, *(next(events) for _ in range(60))], namespace)
    usd = [Allocation("synthetic", "USD", 20_000 * SCALE)]
    demo = paper.start(kafka_bootstrap, namespace, "demo", {"interval_s": "2", "offset_bps": "0"}, usd)
    state = paper.wait_for_state(kafka_bootstrap, namespace, demo.run_id, ("running",), 120)
    assert state is not None and state.state == "running"
    feeder = threading.Thread(target=publish, args=(kafka_bootstrap, list(events), namespace, 20.0))
    feeder.start()
    deadline = time.monotonic() + 60
    while committed(kafka_bootstrap, worker.group_id, qualified(STRATEGY_JOURNAL, namespace)) < 300:
        assert time.monotonic() < deadline, "the strategy agent never committed progress"
        time.sleep(0.1)
    assert feeder.is_alive()
    orders_before = sum(1 for e in read_events(kafka_bootstrap, qualified(STRATEGY_EVENTS, namespace))
                        if isinstance(e, OrderRequested))
    worker.kill()
    time.sleep(1.0)
    worker.start()
    feeder.join()
    try:
        worker.wait_caught_up()
    finally:
        worker.stop()

    outputs = [e for e in read_events(kafka_bootstrap, qualified(STRATEGY_EVENTS, namespace))
               if isinstance(e, OrderRequested)]
    assert len({o.order_id for o in outputs}) > orders_before  # the run went on after the restart
    fills = [e for e in read_events(kafka_bootstrap, qualified(STRATEGY_JOURNAL, namespace))
             if isinstance(e, OrderFilled)]
    assert fills
    live = kafka_outputs(kafka_bootstrap, namespace, RUN_OUTPUTS)
    replayed = replay_from_kafka(kafka_bootstrap, namespace, RUN_INBOXES)
    assert replayed.counts == live.counts
    assert replayed.sha256 == live.sha256
