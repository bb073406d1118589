"""``cryptick paper --for`` on a synthetic feed at ``--speed 5``: the feed's clock runs ahead of the wall
clock, and the run's duration counts on the feed's clock from the first market event the run sees. So the
run trades, then stops on its own after that much event time (a fifth of it on the wall clock), instead of
stopping on its first event because an end set from the wall clock is already behind the market."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cryptick.flows import WorkerProcess
from cryptick.worker import ROLES
from floor.kafka import create_topics
from producers.feed_runner import run_synthetic
from schemas.topics import all_topics

pytestmark = pytest.mark.integration
SPEED = 5.0
FOR_S = 15  # of event time: 3 s on the wall clock at SPEED
LEAD_S = 30.0  # how far the feed's clock is ahead of the wall clock when the run starts, at least


def test_a_paper_run_on_a_fast_feed_trades_for_its_duration_of_event_time(
        kafka_bootstrap: str, namespace: str, tmp_path: Path) -> None:
    create_topics(kafka_bootstrap, all_topics(namespace))
    worker = WorkerProcess(kafka_bootstrap, namespace, ROLES, log_path=tmp_path / "worker.log").start()
    started = time.time()
    failed: list[BaseException] = []

    def feed() -> None:  # 130 s of event time from now: 26 s on the wall clock
        try:
            run_synthetic(kafka_bootstrap, namespace, steps=520, speed=SPEED, seed=5,
                          start_ts=int(started) * 1_000_000)
        except BaseException as exc:
            failed.append(exc)

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    time.sleep(LEAD_S / (SPEED - 1))  # the feed is LEAD_S ahead of the wall clock now, and more later
    env = dict(os.environ, KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap, PYTHONUNBUFFERED="1")
    cli = subprocess.Popen(
        [sys.executable, "-m", "cryptick.cli", "paper", "hodl", "--balance", "synthetic:USD=5000",
         "--param", "bases=BTC", "--namespace", namespace, "--for", f"{FOR_S}s", "--no-history"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = cli.communicate(timeout=45)
    finally:
        if cli.poll() is None:
            cli.kill()
            cli.wait(10)
        feeder.join(40)
        worker.stop()
    assert not failed, failed
    lines = out.splitlines()
    assert cli.returncode == 0, (lines, err)
    stopped = next(i for i, line in enumerate(lines) if " run stopped: " in line)
    assert lines[stopped].endswith("run stopped: end of the run reached"), lines
    fills = [line for line in lines[:stopped] if " fill " in line and "buy" in line and "BTC-USD" in line]
    assert fills, lines  # it traded before it stopped
    assert not any("wall clock" in line for line in lines), lines
    # the run's span in the feed's event time, as the CLI printed it (HH:MM:SS): about FOR_S
    first = next(line for line in lines if " order " in line)
    span = _seconds(lines[stopped]) - _seconds(first)
    assert FOR_S - 2 <= span % 86_400 <= FOR_S + 2, lines


def _seconds(line: str) -> int:
    h, m, s = (int(x) for x in line.split()[0].split(":"))
    return h * 3600 + m * 60 + s
