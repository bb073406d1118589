"""``cryptick paper --for`` ends by itself when the market's event time does not get to the run's end: a
run on a market no feed runs for, and a run on a feed stamped 2018 (``--for`` counts event time, so neither
would reach its end). The CLI stops each once the duration has passed on the wall clock and exits when the
run says it stopped; of the feed on another clock, it warns once."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cryptick.commands.paper import WALL_CLOCK_STOP
from cryptick.flows import WorkerProcess
from cryptick.paper import STOP_GRACE_S
from cryptick.worker import ROLES
from floor.kafka import create_topics
from producers.feed_runner import synthetic_messages
from producers.publish import publish
from schemas.topics import all_topics

pytestmark = pytest.mark.integration


@dataclass
class PaperCli:
    """``cryptick paper hodl … --for 1s`` in a child process, its output read as it comes."""

    bootstrap: str
    namespace: str
    venue: str
    release: bool = False
    out: list[str] = field(default_factory=list)
    running: threading.Event = field(default_factory=threading.Event)

    def start(self) -> PaperCli:
        env = dict(os.environ, KAFKA_BOOTSTRAP_SERVERS=self.bootstrap, PYTHONUNBUFFERED="1")
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cryptick.cli", "paper", "hodl", "--balance", f"{self.venue}:USD=5000",
             "--param", "bases=BTC", "--namespace", self.namespace, "--for", "1s", "--no-history",
             *(["--release"] if self.release else [])],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        return self

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.out.append(line.rstrip("\n"))
            if " running: " in line:
                self.running.set()

    def wait(self, timeout_s: float) -> tuple[int | None, float, str]:
        """Exit code (None if it had not exited, then killed), seconds it ran, stderr."""
        try:
            self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
            return None, time.monotonic() - self.started, ""
        self.reader.join(10)
        assert self.proc.stderr is not None
        return self.proc.returncode, time.monotonic() - self.started, self.proc.stderr.read()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def test_runs_for_a_duration_the_market_does_not_reach_are_stopped_on_the_wall_clock(
        kafka_bootstrap: str, namespace: str, tmp_path: Path) -> None:
    create_topics(kafka_bootstrap, all_topics(namespace))
    worker = WorkerProcess(kafka_bootstrap, namespace, ROLES, log_path=tmp_path / "worker.log").start()
    listings, events = synthetic_messages(steps=400, seed=3)  # event time 2018-01-01
    publish(kafka_bootstrap, [*listings, *(next(events) for _ in range(100))], namespace)
    quiet = PaperCli(kafka_bootstrap, namespace, "quiet").start()  # a venue no feed runs for
    stale = PaperCli(kafka_bootstrap, namespace, "synthetic", release=True).start()
    try:
        assert stale.running.wait(120), stale.out
        publish(kafka_bootstrap, events, namespace)  # the run gets the feed's 2018 events
        deadline = time.monotonic() + 90
        results = {c.venue: (c, *c.wait(max(0.0, deadline - time.monotonic()))) for c in (quiet, stale)}
    finally:
        quiet.kill()
        stale.kill()
        worker.stop()

    for venue, (cli, code, elapsed, err) in results.items():
        assert code == 0, (venue, cli.out, err)
        run_id = cli.out[0].split()[1].rstrip(":")
        assert "stopping: 1 s have passed on the wall clock, not in the market feed's event time" in cli.out
        assert any(line.endswith(f"run stopped: {WALL_CLOCK_STOP}") for line in cli.out), cli.out
        last = cli.out[-2:] if cli.release else cli.out[-1:]
        wallet = f"wallet {run_id}:ws: synthetic:BTC" if cli.release else f"wallet {run_id}:"
        assert last[0].startswith(wallet), cli.out
        if cli.release:  # the run's wallet as it ended is printed, then given back to the pool
            assert last[1] == f"run {run_id}: wallet set released: its funds are back in the account's pool"
        assert 1 + STOP_GRACE_S <= elapsed < 1 + STOP_GRACE_S + 60
    _, _, _, quiet_err = results["quiet"]
    _, _, _, stale_err = results["synthetic"]
    assert "warning: the market feed's clock" not in quiet_err
    assert stale_err.count("warning: the market feed's clock is") == 1, stale_err
    assert "years behind the wall clock (its events are stamped 2018-01-01" in stale_err
