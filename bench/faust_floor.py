"""Where Faust's floor lies: an agent that does nothing on Faust, against the raw ceiling and our agents.

Issue #20 asked the matching and ledger agents on Faust for ≥ ⅓ of the raw consume + decode ceiling, or a
profile showing exactly where Faust's floor is. On one topic of the synthetic market (``venue.journal``,
pre-published, read by a new consumer group per arm), in the same run, interleaved rounds:

  raw          confluent-kafka consume + Avro decode (the most any Python consumer can do);
  faust noop   a Faust agent on our app's settings that takes every event and acks it, nothing else: the
               most any agent on Faust can do (the floor of Faust's per-message machinery);
  faust agent  our matching agent on Faust (``cryptick worker --runtime faust --roles matching``);
  direct agent the same agent on the direct runtime.

Rates are messages per second from the group's first progress to caught up (committed offsets). With
``--profile`` the Faust no-op and the Faust agent each run once more under cProfile, and the top of each
profile is printed (cumulative time by function; the agent's own work is ``InboxProcessor.process``).

Run: ``KAFKA_BOOTSTRAP_SERVERS=… .venv/bin/python bench/faust_floor.py [--messages N] [--rounds R]``
"""

from __future__ import annotations

import argparse
import itertools
import os
import pstats
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from agent_path import raw_rate
from interleave import conditions

from cryptick.flows import WorkerProcess
from floor.kafka import create_topics, delete_topics, end_offsets, group_id, namespace_topics
from floor.settings import get_settings
from producers.publish import publish
from producers.scenario import Message
from producers.synthetic import SyntheticConfig, SyntheticFeed
from schemas.topics import VENUE_JOURNAL, all_topics, qualified, venue_key
from streams.runtime.lag import group_lag

HERE = Path(__file__).resolve().parent


def noop_main(bootstrap: str, namespace: str, app_id: str) -> None:
    """The no-op agent's worker (run in a process of its own: ``faust_floor.py noop …``)."""
    import faust

    from streams.runtime.app import create_app

    app = create_app(bootstrap, namespace, app_id=app_id)
    topic = app.topic(qualified(VENUE_JOURNAL, namespace), key_type=bytes, value_type=bytes,
                      key_serializer="raw", value_serializer="raw")

    @app.agent(topic, name="noop")  # type: ignore[untyped-decorator]
    async def noop(stream: faust.StreamT) -> None:
        manual = stream.noack()
        async for event in manual.events():
            await manual.ack(event)

    faust.Worker(app, loglevel="warning", quiet=True).execute_from_commandline()


def market(n: int) -> list[Message]:
    feed = SyntheticFeed(SyntheticConfig(bases=("BTC", "ETH", "LTC", "BCH"), levels=25))
    out = [Message(VENUE_JOURNAL, venue_key(x.venue, x.pair), x) for x in feed.listings()]
    out += [Message(VENUE_JOURNAL, venue_key(e.venue, e.pair), e)  # type: ignore[attr-defined]
            for e in itertools.islice(feed.events(10**9), n - len(out))]
    return out


def until_caught_up(bootstrap: str, group: str, topic: str, total: int, proc: subprocess.Popen[bytes] | None
                    ) -> float:
    """Messages per second of ``group`` on ``topic``, from its first progress to none left."""
    t0: float | None = None
    before = time.perf_counter()
    while True:
        lag = group_lag(bootstrap, group, [topic])
        now = time.perf_counter()
        if t0 is None and lag < total:
            t0 = before
        before = now
        if t0 is not None and lag == 0:
            return total / (now - t0)
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the worker exited ({proc.returncode})")
        time.sleep(0.02)


def stop(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def noop_rate(bootstrap: str, namespace: str, total: int, profile: Path | None = None) -> float:
    app_id = f"noop{uuid.uuid4().hex[:6]}"
    cmd = [sys.executable, *(["-m", "cProfile", "-o", str(profile)] if profile else []),
           str(HERE / "faust_floor.py"), "noop", namespace, app_id]
    env = dict(os.environ, KAFKA_BOOTSTRAP_SERVERS=bootstrap, PYTHONPATH=str(HERE))
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        return until_caught_up(bootstrap, f"{app_id}-{namespace}", qualified(VENUE_JOURNAL, namespace), total,
                               proc)
    finally:
        stop(proc)


def agent_rate(bootstrap: str, source_ns: str, total: int, runtime: str, profile: Path | None = None
               ) -> float:
    """Our matching agent on ``runtime``, on a copy of the inbox in a namespace of its own (its own group)."""
    ns = f"{source_ns}{runtime[0]}{uuid.uuid4().hex[:4]}"
    create_topics(bootstrap, all_topics(ns))
    copy(bootstrap, qualified(VENUE_JOURNAL, source_ns), qualified(VENUE_JOURNAL, ns))
    worker = WorkerProcess(bootstrap, ns, ("matching",), runtime=runtime,
                           log_path=Path(tempfile.gettempdir()) / f"{ns}.log", env={"SNAPSHOT_EVERY": "0"})
    if profile is not None:
        _profiled(worker, profile)
    else:
        worker.start()
    try:
        return until_caught_up(bootstrap, group_id(ns), qualified(VENUE_JOURNAL, ns), total, worker.proc)
    finally:
        worker.stop(60)
        delete_topics(bootstrap, namespace_topics(bootstrap, ns))


def _profiled(worker: WorkerProcess, out: Path) -> WorkerProcess:
    env = dict(os.environ, KAFKA_BOOTSTRAP_SERVERS=worker.bootstrap, **worker.env)
    worker.proc = subprocess.Popen(
        [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "cryptick.cli", "worker", "--namespace",
         worker.namespace, "--roles", "matching", "--runtime", worker.runtime],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    return worker


def copy(bootstrap: str, source: str, target: str) -> None:
    """The messages of ``source`` into ``target``, partition for partition (untimed)."""
    from confluent_kafka import Consumer, TopicPartition

    from floor.kafka import produce, producer

    ends = end_offsets(bootstrap, source)
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-copy", "enable.auto.commit": False})
    c.assign([TopicPartition(source, p, 0) for p in ends])
    prod = producer(bootstrap)
    left = sum(ends.values())
    while left:
        for m in c.consume(5000, timeout=0.5):
            if m.error() is None:
                produce(prod, target, m.value(), m.key(), m.partition() or 0)
                left -= 1
        prod.poll(0)
    prod.flush(60)
    c.close()


def best_median(rates: list[float]) -> tuple[float, float]:
    return max(rates), statistics.median(rates)


def top(profile: Path, n: int = 14) -> None:
    stats = pstats.Stats(str(profile))
    stats.sort_stats("cumulative").print_stats(n)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "noop":
        noop_main(get_settings().bootstrap, sys.argv[2], sys.argv[3])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--messages", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    bootstrap = get_settings().bootstrap
    print(conditions("start"))
    ns = f"benchfloor{uuid.uuid4().hex[:6]}"
    create_topics(bootstrap, all_topics(ns))
    try:
        publish(bootstrap, market(args.messages), ns)
        topic = qualified(VENUE_JOURNAL, ns)
        total = sum(end_offsets(bootstrap, topic).values())
        arms = {"raw": lambda: raw_rate(bootstrap, topic, total),
                "faust noop": lambda: noop_rate(bootstrap, ns, total),
                "faust agent": lambda: agent_rate(bootstrap, ns, total, "faust"),
                "direct agent": lambda: agent_rate(bootstrap, ns, total, "direct")}
        rates: dict[str, list[float]] = {name: [] for name in arms}
        order = list(arms)
        for r in range(args.rounds):
            for name in order if r % 2 == 0 else order[::-1]:
                rates[name].append(arms[name]())
        if not args.rounds:
            rates = {}
        raw_best, raw_med = best_median(rates["raw"]) if rates else (1.0, 1.0)
        print(f"{total:,} messages of venue.journal, {args.rounds} rounds: msg/s best and median, and their "
              f"ratio to raw's")
        for name, xs in rates.items():
            best, med = best_median(xs)
            print(f"  {name:<13} {best:>10,.0f} {med:>10,.0f}   {best / raw_best:.3f} {med / raw_med:.3f}")
        if args.profile:
            out = Path(tempfile.mkdtemp())
            noop_rate(bootstrap, ns, total, out / "noop.prof")
            agent_rate(bootstrap, ns, total, "faust", out / "agent.prof")
            for name in ("noop", "agent"):
                print(f"--- profile: faust {name} ({out / name}.prof)")
                top(out / f"{name}.prof")
    finally:
        delete_topics(bootstrap, namespace_topics(bootstrap, ns))
    print(conditions("end"))


if __name__ == "__main__":
    main()
