"""A paper run's lookback comes from the archive as it starts: the efficient frontier is computed at
once from archived candles (recorded OHLCV), not after waiting for live ones — and the history is in
the run's inbox, so replaying the inbox computes the same frontier."""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cryptick.cli import app
from cryptick.flows import WorkerProcess, read_events
from cryptick.worker import ROLES
from floor.kafka import create_topics
from producers.feed_runner import synthetic_messages
from producers.publish import publish
from replay.history import ArchiveHistory
from replay.inprocess import replay_from_kafka
from replay.parity import kafka_outputs
from schemas.events import HistoryLoaded, StrategyLogged
from schemas.topics import RUN_INBOXES, RUN_OUTPUTS, STRATEGY_EVENTS, STRATEGY_JOURNAL, all_topics, qualified
from schemas.units import US
from streams.archive.clickhouse import get_client

pytestmark = pytest.mark.integration
MINUTE = 60


def write_bars(path: Path, now_s: int, base_price: float, phase: float) -> None:
    """Thirty 1-minute bars ending before ``now_s``, a wavy random-looking walk."""
    first = (now_s // MINUTE - 30) * MINUTE
    rows = ["timestamp,open,high,low,close,volume"]
    price = base_price
    for k in range(30):
        nxt = price * (1 + 0.004 * math.sin(k * 1.7 + phase) + 0.002 * math.cos(k * 0.9))
        rows.append(f"{first + k * MINUTE},{price:.2f},{max(price, nxt) * 1.001:.2f},"
                    f"{min(price, nxt) * 0.999:.2f},{nxt:.2f},1.5")
        price = nxt
    path.write_text("\n".join(rows) + "\n")


def test_the_frontier_is_computed_at_start_from_archived_candles(
        kafka_bootstrap: str, clickhouse_dsn: str, namespace: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", kafka_bootstrap)
    now_s = int(time.time())
    cli = CliRunner()
    for pair, price, phase in (("BTC-USD", 9000.0, 0.0), ("ETH-USD", 700.0, 2.0)):
        bars = tmp_path / f"{pair}.csv"
        write_bars(bars, now_s, price, phase)
        done = cli.invoke(app, ["market", "import", str(bars), "--venue", "synthetic", "--pair", pair,
                                "--interval", "1m"])
        assert done.exit_code == 0, done.output
    archived = ArchiveHistory(get_client(clickhouse_dsn)).candles("synthetic", "BTC-USD", 60, now_s * US, 50)
    assert len(archived) == 30 and archived[-1].end_ts <= now_s * US

    create_topics(kafka_bootstrap, all_topics(namespace))
    worker = WorkerProcess(kafka_bootstrap, namespace, ROLES, log_path=tmp_path / "worker.log").start()
    try:
        listings, events = synthetic_messages(steps=200, seed=4, start_ts=now_s * US)
        publish(kafka_bootstrap, [*listings, *(next(events) for _ in range(120))], namespace)
        started = cli.invoke(app, [
            "paper", "efficient_frontier", "--balance", "synthetic:USD=10000", "--param", "bases=BTC,ETH",
            "--param", "candle_interval_s=60", "--param", "lookback=25", "--param", "min_candles=10",
            "--namespace", namespace, "--detach"])
        assert started.exit_code == 0, started.output
        run_id = started.output.split()[1].rstrip(":")
        publish(kafka_bootstrap, events, namespace)
        worker.wait_caught_up()
        cli.invoke(app, ["stop", run_id, "--namespace", namespace])
        worker.wait_caught_up()
    finally:
        worker.stop()

    inbox = [e for e in read_events(kafka_bootstrap, qualified(STRATEGY_JOURNAL, namespace))
             if isinstance(e, HistoryLoaded)]
    # the lookback is the 25 one-minute buckets before the start: a start in the minute after the last
    # bar (a slow machine crossing a minute boundary) finds one bucket empty
    late = inbox[0].ts // (MINUTE * US) - now_s // MINUTE
    assert late in (0, 1), (inbox[0].ts, now_s)
    want = 25 - late
    assert {(h.pair, len(h.candles)) for h in inbox} == {("BTC-USD", want), ("ETH-USD", want)}
    logs = [e.message for e in read_events(kafka_bootstrap, qualified(STRATEGY_EVENTS, namespace))
            if isinstance(e, StrategyLogged)]
    assert any(f"frontier computed from {want} candles of 60 s" in m for m in logs), logs
    live = kafka_outputs(kafka_bootstrap, namespace, RUN_OUTPUTS)
    assert replay_from_kafka(kafka_bootstrap, namespace, RUN_INBOXES).sha256 == live.sha256
