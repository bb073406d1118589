"""Parity (1): paper runs on the synthetic feed through the real broker and agents, then their
recorded inboxes replayed in-process give identical fills, order events, wallet movements and
strategy outputs (hash of the ordered outputs per key)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from cryptick import paper
from cryptick.flows import WorkerProcess, read_events
from cryptick.worker import ROLES
from floor.kafka import create_topics
from producers.feed_runner import synthetic_messages
from producers.publish import publish
from replay.inprocess import replay_from_kafka
from replay.parity import kafka_outputs
from schemas.events import SCALE, Allocation, OrderFilled, RunStateChanged
from schemas.topics import (
    RUN_INBOXES,
    RUN_OUTPUTS,
    STRATEGY_EVENTS,
    STRATEGY_JOURNAL,
    all_topics,
    qualified,
)
from schemas.units import US

pytestmark = pytest.mark.integration


def _states(bootstrap: str, namespace: str, run_id: str) -> list[str]:
    return [e.state for e in read_events(bootstrap, qualified(STRATEGY_EVENTS, namespace))
            if isinstance(e, RunStateChanged) and e.run_id == run_id]


@pytest.mark.parametrize("runtime", ["faust", "direct"])
def test_paper_runs_replayed_in_process_are_identical(kafka_bootstrap: str, namespace: str, tmp_path: Path,
                                                       runtime: str) -> None:
    create_topics(kafka_bootstrap, all_topics(namespace))
    worker = WorkerProcess(kafka_bootstrap, namespace, ROLES, log_path=tmp_path / "worker.log",
                           runtime=runtime).start()
    usd = [Allocation("synthetic", "USD", 20_000 * SCALE)]
    try:
        # the market starts now, so commands (wall clock) and market events share one clock
        now = int(time.time()) * US
        listings, events = synthetic_messages(steps=600, seed=11, start_ts=now)
        publish(kafka_bootstrap, listings, namespace)
        publish(kafka_bootstrap, (next(events) for _ in range(300)), namespace)  # a book to start from
        hodl = paper.start(kafka_bootstrap, namespace, "hodl", {"bases": "BTC,ETH"}, usd)
        demo = paper.start(kafka_bootstrap, namespace, "demo", {"interval_s": "2", "offset_bps": "0"}, usd)
        # ends by itself 30 s of market time after its first book: the replay must end it at the same event
        timed = paper.start(kafka_bootstrap, namespace, "hodl", {"bases": "BTC"}, usd, duration_s=30)
        for run in (hodl, demo, timed):
            state = paper.wait_for_state(kafka_bootstrap, namespace, run.run_id, ("running",), 120)
            assert state is not None and state.state == "running", (run.run_id, state)
        publish(kafka_bootstrap, events, namespace, speed=25)  # the rest, while both runs trade
        worker.wait_caught_up()
        paper.stop(kafka_bootstrap, namespace, demo.run_id, "test over")
        state = paper.wait_for_state(kafka_bootstrap, namespace, demo.run_id, ("stopped",), 60)
        assert state is not None and state.state == "stopped"
        worker.wait_caught_up()
    finally:
        worker.stop()

    assert _states(kafka_bootstrap, namespace, hodl.run_id) == ["waiting", "running"]
    assert _states(kafka_bootstrap, namespace, demo.run_id) == ["waiting", "running", "stopped"]
    assert _states(kafka_bootstrap, namespace, timed.run_id) == ["waiting", "running", "stopped"]
    live = kafka_outputs(kafka_bootstrap, namespace, RUN_OUTPUTS)
    # the runs really traded through the virtual exchange and the ledger
    for kind in ("OrderRequested", "OrderAccepted", "OrderFilled", "WalletMovement", "FundsHeld",
                 "HoldReleased", "WalletSetCreated", "CreateWalletSet", "MarketSubscription",
                 "UiComponentUpdated", "TimerSet", "StrategyLogged", "CancelRequested"):
        assert live.counts.get(kind, 0) > 0, kind
    fills = [e for e in read_events(kafka_bootstrap, qualified(STRATEGY_JOURNAL, namespace))
             if isinstance(e, OrderFilled)]
    assert {f.run_id for f in fills} == {hodl.run_id, demo.run_id, timed.run_id}  # each run's fills came back
    assert live.duplicates == 0

    replayed = replay_from_kafka(kafka_bootstrap, namespace, RUN_INBOXES)
    assert replayed.counts == live.counts
    assert replayed.sha256 == live.sha256


def test_paper_runs_from_the_cli_are_listed_shown_and_checked_from_the_archive(
        kafka_bootstrap: str, clickhouse_dsn: str, namespace: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from cryptick.cli import app
    from streams.archive.clickhouse import get_client
    from streams.archive.sink import ArchiveSink

    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", kafka_bootstrap)
    create_topics(kafka_bootstrap, all_topics(namespace))
    worker = WorkerProcess(kafka_bootstrap, namespace, ROLES, log_path=tmp_path / "worker.log").start()
    cli = CliRunner()
    try:
        now = int(time.time()) * US
        listings, events = synthetic_messages(steps=300, seed=5, start_ts=now)
        publish(kafka_bootstrap, [*listings, *(next(events) for _ in range(100))], namespace)
        started = cli.invoke(app, ["paper", "hodl", "--balance", "synthetic:USD=5000", "--param", "bases=BTC",
                                   "--namespace", namespace, "--detach"])
        assert started.exit_code == 0, started.output
        run_id = started.output.split()[1].rstrip(":")
        assert f"run {run_id} running: subscribed to synthetic:BTC-USD" in started.output
        assert f"cryptick stop {run_id} --namespace {namespace}" in started.output
        publish(kafka_bootstrap, events, namespace, speed=50)
        worker.wait_caught_up()
        stopped = cli.invoke(app, ["stop", run_id, "--namespace", namespace, "--reason", "done testing",
                                   "--release"])
        assert stopped.exit_code == 0, stopped.output
        assert f"run {run_id} stopped: done testing" in stopped.output
        released = f"run {run_id}: wallet set released: its funds are back in the account's pool"
        assert released in stopped.output
        worker.wait_caught_up()
        bad = cli.invoke(app, ["paper", "hodl", "--balance", "synthetic:USD=5000", "--param", "bases=USD",
                               "--namespace", namespace])
        assert bad.exit_code == 2 and "the quote USD cannot also be a base" in bad.output
    finally:
        worker.stop()

    sink = ArchiveSink(get_client(clickhouse_dsn), kafka_bootstrap, [t.name for t in all_topics(namespace)],
                       group_id=f"archive-{namespace}")
    try:
        sink.drain()
    finally:
        sink.close()
    listed = cli.invoke(app, ["runs"])
    assert listed.exit_code == 0, listed.output
    line = next(row for row in listed.output.splitlines() if row.startswith(run_id))
    assert "hodl" in line and namespace in line and "stopped" in line and "synthetic:USD=5000" in line
    shown = cli.invoke(app, ["run", "show", run_id[:12]])
    assert shown.exit_code == 0, shown.output
    assert "stopped  done testing" in shown.output
    orders, fills = map(int, re.search(r"activity +(\d+) orders, (\d+) fills", shown.output).groups())  # type: ignore[union-attr]
    assert orders >= 1 and fills >= 1
    assert "synthetic    BTC" in shown.output  # HODL holds bitcoin (as it left it: the release is not its)
    assert "Sharpe" in shown.output  # the report, folded from the run's inbox
    reported = cli.invoke(app, ["report", run_id, "--html", str(tmp_path / "paper.html")])
    assert reported.exit_code == 0, reported.output
    assert "<svg" in (tmp_path / "paper.html").read_text()
    listed = cli.invoke(app, ["runs"])  # the ended run's report is stored: listed with its figures
    line = next(row for row in listed.output.splitlines() if row.startswith(run_id))
    assert " paper " in line and "stopped" in line and "n/a" not in line.split("stopped")[1].split()[0]
    checked = cli.invoke(app, ["parity", run_id])
    assert checked.exit_code == 0, checked.output
    assert "parity: identical" in checked.output
    # and the namespace's archived inboxes, strategy.journal included, replayed through Kafka and the
    # real worker (strategy agent included) give the same outputs on all three output topics
    replayed = cli.invoke(app, ["replay", "--source", namespace, "--target", f"{namespace}r"])
    assert replayed.exit_code == 0, replayed.output
    assert "strategy.journal.v1" in replayed.output and "parity: identical" in replayed.output
