"""SSE fan-out: N clients on ``/streams/events`` against a raw consumer of the same topic (issue #14).

In one run, on one broker, in a fresh namespace with ``cryptick api`` running (no worker: the events are
produced straight to ``venue.events``, as the matching agent would):
  producer  OrderFilled events at a steady rate (bursts every 10 ms), each stamped with its produce
            time (``ts``, microseconds);
  raw       the peer at its best: one confluent-kafka consumer assigned at the partitions' ends, in this
            process; an event's delay is the time it holds it minus ``ts``;
  sse       N clients on ``/streams/events?kinds=fills`` in one Node.js process (bench/sse_clients.js:
            native HTTP parsing, so the load generator takes little of the 2 cores the API is measured
            on), reading every byte; an event's delay is its arrival minus ``ts``.
Both see the same events in the same seconds, so their delays compare directly: the figure is the SSE
p99 minus the raw p99 (the issue's aim: at most 100 ms at 200 clients and 1,000 events/s). Each round
also counts events every client received (none may be missing) and the API's CPU. Rounds repeat; the
summary is min and median over rounds.
Every request carries an admin key of the run's own auth store, with the rate limit lifted
(bench/admin_key.py); bench/auth.py measures what that costs a request.

Usage: .venv/bin/python bench/sse.py [--clients 200] [--rate 1000] [--seconds 10] [--rounds 3] [--quick]
(needs a broker: `cryptick infra up`)
"""

from __future__ import annotations

import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from admin_key import AdminKey, admin_key
from confluent_kafka import Consumer, Producer, TopicPartition

from cryptick.flows import ApiProcess
from floor.kafka import create_topics, delete_topics, producer
from floor.settings import get_settings
from schemas.codec import default_codec, encode
from schemas.events import OrderFilled
from schemas.topics import VENUE_EVENTS, all_topics, qualified

PAIRS = ("BTC-USD", "ETH-USD", "LTC-USD", "BCH-USD", "ZEC-USD")


def arg(argv: Sequence[str], name: str, default: float) -> float:
    return float(argv[argv.index(name) + 1]) if name in argv else default


def pct(xs: Sequence[float], q: float) -> float:
    return xs[max(0, math.ceil(q * len(xs)) - 1)] if xs else math.nan


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


# --- the raw peer and the producer ---------------------------------------------------------------


class RawConsumer:
    """The peer: one consumer at the partitions' ends, holding each event as soon as it can."""

    def __init__(self, bootstrap: str, topic: str, expected: int) -> None:
        self.consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-sse-{uuid.uuid4().hex}",
                                  "enable.auto.commit": False, "fetch.wait.max.ms": 10})
        parts = self.consumer.list_topics(topic, timeout=10).topics[topic].partitions
        ends = [self.consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in parts]
        self.consumer.assign([TopicPartition(topic, p, o) for p, o in zip(parts, ends, strict=True)])
        self.expected = expected
        self.delays: list[float] = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        codec = default_codec()
        deadline = time.time() + 120
        while len(self.delays) < self.expected and time.time() < deadline:
            # its fast path: wait for the first message only, then take what is there (a batch-sized
            # consume would wait out its timeout whenever fewer have arrived)
            first = self.consumer.poll(0.05)
            for m in [] if first is None else [first, *self.consumer.consume(499, timeout=0)]:
                if m.error() is None:
                    now_us = time.time() * 1e6
                    self.delays.append((now_us - codec.decode(m.value() or b"").ts) / 1e6)
        self.consumer.close()


def warm_producer(bootstrap: str, topic: str) -> Producer:
    """One producer for every round, connected and with its producer id before the first round: a new
    idempotent producer holds its first messages until then, which once cost a round 400 ms at p99 for
    the raw peer and the API alike (a stall of the bench, not of either)."""
    prod = producer(bootstrap)
    prod.produce(topic, key=b"warm-up", value=b"not an event: skipped by both")
    prod.flush(30)
    return prod


def produce(prod: Producer, topic: str, rate: float, seconds: float) -> int:
    n, start = 0, time.monotonic()
    total = int(rate * seconds)
    while n < total:
        due = min(total, int((time.monotonic() - start) * rate) + 1)
        while n < due:
            pair = PAIRS[n % len(PAIRS)]
            ts = time.time_ns() // 1000
            e = OrderFilled(f"b{n}:fill", f"b{n}", "bench", "r1", "ws1", "synthetic", pair, "buy",
                            900_000_000_000, 10_000_000, 180_000_000, "USD", "taker", 900_000_000_000, 1, ts)
            prod.produce(topic, key=f"synthetic:{pair}".encode(), value=encode(e))
            n += 1
        prod.poll(0)
        time.sleep(0.01)
    prod.flush(30)
    return n


# --- the run ----------------------------------------------------------------------------------------


@dataclass
class Round:
    raw: list[float]  # sorted delays of the raw consumer
    sse_p50: float
    sse_p99: float
    missing: int
    api_cpu: float

    @property
    def raw_p99(self) -> float:
        return pct(self.raw, .99)

    def line(self, i: int, clients: int) -> str:
        r50, r99 = pct(self.raw, .5), self.raw_p99
        return (f"  round {i}: raw p50 {r50 * 1e3:6.1f} ms p99 {r99 * 1e3:6.1f} ms | {clients} SSE clients "
                f"p50 {self.sse_p50 * 1e3:6.1f} ms p99 {self.sse_p99 * 1e3:7.1f} ms | p99 behind raw "
                f"{(self.sse_p99 - r99) * 1e3:7.1f} ms | missing {self.missing} | API cpu {self.api_cpu:.2f}")


Result = tuple[list[int], dict[str, float]]  # events per client; n, p50 and p99 of the delays (s)


def node_clients(base: str, key: AdminKey, clients: int, expected: int, seconds: float
                 ) -> Callable[[], Result]:
    """The clients in one Node.js process (native HTTP parsing: the load generator stays light), each
    sending the key (given in the environment, not on the command line)."""
    script = Path(__file__).with_name("sse_clients.js")
    proc = subprocess.Popen(["node", str(script), f"{base}/streams/events?kinds=fills", str(clients),
                             str(expected), str(60 + seconds * 3)], stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ, BENCH_API_KEY=key.key))
    assert proc.stdout is not None
    if proc.stdout.readline().strip() != "ready":
        raise RuntimeError("the SSE clients did not all get ready")

    def result() -> Result:
        assert proc.stdout is not None
        body = json.loads(proc.stdout.readline())
        proc.wait(30)
        return body["counts"], body["delays"]

    return result


def one_round(base: str, key: AdminKey, api_pid: int, bootstrap: str, prod: Producer, topic: str,
              clients: int, rate: float, seconds: float) -> Round:
    expected = int(rate * seconds)
    result = node_clients(base, key, clients, expected, seconds)
    raw = RawConsumer(bootstrap, topic, expected)
    cpu0, t0 = cpu_seconds(api_pid), time.monotonic()
    produce(prod, topic, rate, seconds)
    counts, delays = result()
    api_cpu = (cpu_seconds(api_pid) - cpu0) / (time.monotonic() - t0)
    raw.thread.join(30)
    return Round(sorted(raw.delays), delays["p50"], delays["p99"], sum(expected - c for c in counts), api_cpu)


def main(argv: Sequence[str]) -> None:
    quick = "--quick" in argv
    clients = int(arg(argv, "--clients", 20 if quick else 200))
    rate = arg(argv, "--rate", 200 if quick else 1000)
    seconds = arg(argv, "--seconds", 3 if quick else 10)
    rounds = int(arg(argv, "--rounds", 1 if quick else 3))
    if shutil.which("node") is None:
        sys.exit("bench/sse.py needs Node.js (node) for its clients: a light load generator")
    bootstrap = get_settings().bootstrap
    ns = f"benchsse{uuid.uuid4().hex[:8]}"
    create_topics(bootstrap, all_topics(ns))
    topic = qualified(VENUE_EVENTS, ns)
    folder = Path(tempfile.mkdtemp(prefix="bench-sse-"))
    key = admin_key(folder)  # the API's own auth store and admin key, in the run's folder
    api = ApiProcess(bootstrap, ns, env=key.env, log_path=folder / "api.log").start()
    assert api.proc is not None
    print(f"{clients} SSE clients (Node.js), {rate:g} events/s for {seconds:g} s, {rounds} rounds; "
          f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    results = []
    prod = warm_producer(bootstrap, topic)
    try:
        for i in range(1, rounds + 1):
            r = one_round(api.base, key, api.proc.pid, bootstrap, prod, topic, clients, rate, seconds)
            print(r.line(i, clients), flush=True)
            results.append(r)
    finally:
        api.stop()
        delete_topics(bootstrap, [t.name for t in all_topics(ns)])

    def min_med(xs: list[float]) -> str:
        return f"min {min(xs) * 1e3:7.1f} ms, median {statistics.median(xs) * 1e3:7.1f} ms"

    print("summary over rounds:")
    print(f"  raw p99                {min_med([r.raw_p99 for r in results])}")
    print(f"  SSE p99                {min_med([r.sse_p99 for r in results])}")
    print(f"  SSE p99 behind raw     {min_med([r.sse_p99 - r.raw_p99 for r in results])}"
          f"  (aim: at most 100 ms)")
    sent = int(rate * seconds) * clients * rounds
    print(f"  events missing         {sum(r.missing for r in results)} of {sent}")


if __name__ == "__main__":
    main(sys.argv[1:])
