"""End-to-end flows wired from the parts: the demo slice and replay with parity."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from floor.settings import Settings
from schemas.codec import default_codec
from schemas.events import Event
from schemas.topics import (
    INBOXES,
    LEDGER_EVENTS,
    OUTPUTS,
    STRATEGY_EVENTS,
    STRATEGY_JOURNAL,
    VENUE_EVENTS,
    all_topics,
    qualified,
)
from streams.money import to_decimal_str

if TYPE_CHECKING:
    from infra.kafka.local import LocalKafka

Echo = Callable[[str], None]


@dataclass(slots=True)
class WorkerProcess:
    """``cryptick worker`` in a child process (so it can be killed and restarted)."""

    bootstrap: str
    namespace: str
    roles: Sequence[str] = ("matching", "ledger", "routers")
    log_path: Path | None = None
    runtime: str = field(default_factory=lambda: os.environ.get("CRYPTICK_RUNTIME", "faust"))
    proc: subprocess.Popen[bytes] | None = field(default=None)
    metrics_port: int | None = None  # serve Prometheus's /metrics on it
    env: dict[str, str] = field(default_factory=dict)  # settings, e.g. SNAPSHOT_EVERY

    @property
    def group_id(self) -> str:
        return f"cryptick-{self.namespace or 'live'}"

    def start(self) -> WorkerProcess:
        env = dict(os.environ, KAFKA_BOOTSTRAP_SERVERS=self.bootstrap, **self.env)
        out = self.log_path.open("ab") if self.log_path else subprocess.DEVNULL
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cryptick.cli", "worker", "--namespace", self.namespace,
             "--roles", ",".join(self.roles), "--runtime", self.runtime,
             *(["--metrics-port", str(self.metrics_port)] if self.metrics_port is not None else [])],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
        return self

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, no final commit (a crash)."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self, timeout: float = 20.0) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def consumed_topics(self) -> list[str]:
        names = [*INBOXES] + ([STRATEGY_JOURNAL] if "strategies" in self.roles else [])
        names += [*OUTPUTS, STRATEGY_EVENTS] if "routers" in self.roles else []
        return [qualified(n, self.namespace) for n in names]

    def wait_caught_up(self, idle: float = 2.0, timeout: float = 180.0) -> float:
        from streams.runtime.lag import wait_caught_up

        if not self.alive():
            raise RuntimeError(f"worker for {self.namespace!r} exited; see {self.log_path}")
        try:
            return wait_caught_up(self.bootstrap, self.group_id, self.consumed_topics(), idle, timeout,
                                  alive=self.alive)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}; see {self.log_path}") from None


@dataclass
class ApiProcess:
    """``cryptick api`` in a child process on a free port; ``start`` returns once /health answers."""

    bootstrap: str
    namespace: str
    env: dict[str, str] = field(default_factory=dict)  # settings, e.g. SSE_MAX_PENDING
    log_path: Path | None = None
    args: Sequence[str] = ()  # more options of ``cryptick api``, e.g. --archive
    port: int = 0  # 0: a free one
    host: str = "127.0.0.1"
    proc: subprocess.Popen[bytes] | None = field(default=None)
    base: str = ""

    def start(self, timeout: float = 30.0) -> ApiProcess:
        import socket

        import httpx

        port = self.port
        if not port:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = int(s.getsockname()[1])
        out = self.log_path.open("ab") if self.log_path else None
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cryptick.cli", "api", "--namespace", self.namespace, "--host", self.host,
             "--port", str(port), *self.args],
            env=dict(os.environ, KAFKA_BOOTSTRAP_SERVERS=self.bootstrap, **self.env),
            stdout=out, stderr=subprocess.STDOUT if out else None, start_new_session=True,
        )
        self.base = f"http://{'127.0.0.1' if self.host in ('0.0.0.0', '::') else self.host}:{port}"
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{self.base}/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError(f"the API did not start; see {self.log_path or 'its output'}")
            time.sleep(0.2)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)


def local_kafka(settings: Settings) -> LocalKafka:
    """The local broker the settings describe (``cryptick infra up``)."""
    from infra.kafka.local import LocalKafka

    return LocalKafka(cache=settings.cryptick_cache, port=settings.cryptick_kafka_port,
                      controller_port=settings.cryptick_kafka_port + 1, home_dir=settings.cryptick_kafka_home)


def ensure_kafka(settings: Settings, echo: Echo) -> bool:
    """Start the local broker unless one is configured; True if this call started it."""
    if settings.kafka_bootstrap_servers:
        return False
    kafka = local_kafka(settings)
    if kafka.healthy():  # ours, or one another cache (CI's, say) started on the same port: use it
        return False
    echo(f"starting Kafka on {kafka.bootstrap} (first time: fetching it with Maven)...")
    kafka.start()
    return True


def read_events(bootstrap: str, topic: str) -> list[Event]:
    from floor.kafka import read_topic

    codec = default_codec()
    return [codec.decode(r.value) for r in read_topic(bootstrap, topic)]


def print_outcome(bootstrap: str, namespace: str, echo: Echo) -> None:
    from replay.projections import balances, done, fills

    venue = read_events(bootstrap, qualified(VENUE_EVENTS, namespace))
    ledger = read_events(bootstrap, qualified(LEDGER_EVENTS, namespace))
    echo("\nFills:")
    for f in fills(venue):
        echo(f"  {f.order_id:<14} {f.side:<4} {to_decimal_str(f.size):>10} {f.pair} @ "
             f"{to_decimal_str(f.price):>12}  fee {to_decimal_str(f.fee)} {f.fee_currency} "
             f"({f.liquidity})")
    echo("Orders done:")
    for d in done(venue):
        echo(f"  {d.order_id:<14} {d.reason:<26} filled {to_decimal_str(d.filled_size)}")
    from schemas.events import CommandRejected, OrderRejected

    for e in ledger:
        if isinstance(e, OrderRejected | CommandRejected):
            echo(f"  rejected {e.event_id}: {e.reason} ({e.detail})")
    echo("Balances (wallet, venue, currency, bucket):")
    for (wallet, v, cur, bucket), amount in balances(ledger).items():
        if wallet != "external":
            echo(f"  {wallet:<10} {v:<10} {cur:<4} {bucket:<9} {to_decimal_str(amount):>16}")


def replay_and_compare(settings: Settings, source: str, target: str, run_agents: bool,
                       echo: Echo, log_dir: Path | None = None) -> bool:
    """Re-publish ``source``'s archived inboxes into ``target``, rerun the agents, compare.

    A namespace where runs were hosted (paper runs, backtests) has its ``strategy.journal`` re-published
    too, and the strategy agent's outputs compared with the others'."""
    from cryptick.worker import REPLAY_ROLES
    from replay.paper_runs import has_hosted_runs
    from replay.parity import archived_outputs, kafka_outputs
    from replay.republish import republish
    from schemas.topics import INBOXES, RUN_INBOXES, RUN_OUTPUTS
    from streams.archive.clickhouse import get_client

    client = get_client(settings.dsn)
    hosted = has_hosted_runs(client, source)
    inboxes, outputs = (RUN_INBOXES, RUN_OUTPUTS) if hosted else (INBOXES, OUTPUTS)
    counts = republish(client, settings.bootstrap, source, target, inboxes)
    echo(f"replayed into namespace {target!r}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    if not run_agents:
        return True
    w = WorkerProcess(settings.bootstrap, target, REPLAY_ROLES,
                      log_path=(log_dir / f"worker-{target}.log") if log_dir else None).start()
    try:
        w.wait_caught_up()
    finally:
        w.stop()
    original = archived_outputs(client, source, outputs)
    replayed = kafka_outputs(settings.bootstrap, target, outputs)
    echo(f"outputs  original {original.sha256[:16]} ({original.total} events)")
    echo(f"         replayed {replayed.sha256[:16]} ({replayed.total} events)")
    same = original.sha256 == replayed.sha256 and original.total > 0
    echo("parity: identical" if same else "parity: DIFFERENT")
    return same


def run_demo(settings: Settings, steps: int, speed: float, echo: Echo, keep_kafka: bool = True) -> bool:
    """Market + orders through the live agents, then the archive, then a replay with parity."""
    from cryptick.principal import cli_principal
    from floor.dsn import redact_dsn
    from floor.kafka import create_topics
    from producers.publish import publish
    from producers.scenario import Scenario, demo_messages
    from streams.archive.clickhouse import get_client
    from streams.archive.sink import ArchiveSink

    started = ensure_kafka(settings, echo)
    namespace = f"demo{int(time.time())}"
    log_dir = settings.cryptick_cache / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    try:
        create_topics(settings.bootstrap, all_topics(namespace))
        worker = WorkerProcess(settings.bootstrap, namespace,
                               log_path=log_dir / f"worker-{namespace}.log").start()
        try:
            t0 = time.monotonic()
            scenario = Scenario(steps=steps, principal=cli_principal())
            n = publish(settings.bootstrap, demo_messages(scenario), namespace, speed)
            echo(f"published {n} inbox events in namespace {namespace!r} "
                 f"in {time.monotonic() - t0:.1f}s")
            worker.wait_caught_up()
        finally:
            worker.stop()
        print_outcome(settings.bootstrap, namespace, echo)
        sink = ArchiveSink(get_client(settings.dsn), settings.bootstrap,
                           [t.name for t in all_topics(namespace)], group_id=f"archive-{namespace}")
        try:
            archived = sink.drain()
        finally:
            sink.close()
        echo(f"\narchived {archived} messages to ClickHouse ({redact_dsn(settings.dsn)})")
        return replay_and_compare(settings, namespace, f"{namespace}-replay", True, echo, log_dir)
    finally:
        if started and not keep_kafka:
            local_kafka(settings).stop()
