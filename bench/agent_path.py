"""An agent's throughput on the real broker, as a ratio to the raw ceiling.

In one run, on the same topic: (1) a raw confluent-kafka consume + Avro decode
of the inbox (the most any Python consumer can do), (2) the Faust worker with
the given roles processing that inbox, timed from its first commit to caught up.
"""

from __future__ import annotations

import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from confluent_kafka import Consumer

from cryptick.flows import WorkerProcess
from floor.kafka import create_topics, end_offsets
from producers.publish import publish
from producers.scenario import Message
from schemas.codec import Codec, default_codec
from schemas.events import Event
from schemas.topics import all_topics, qualified
from streams.runtime.lag import group_lag


@dataclass(frozen=True, slots=True)
class AgentFigures:
    messages: int
    raw_per_s: float
    agent_per_s: dict[str, float]  # runtime -> messages per second

    def lines(self, label: str) -> list[str]:
        out = [
            f"{label} inbox messages           {self.messages:>12,}",
            f"raw consume + decode             {self.raw_per_s:>12,.0f} msg/s  (ceiling)",
        ]
        for runtime, rate in self.agent_per_s.items():
            out.append(f"{label} agent on {runtime:<8}       {rate:>12,.0f} msg/s  "
                       f"ratio to raw {rate / self.raw_per_s:.2f}")
        return out


def raw_rate(bootstrap: str, topic: str, total: int, codec: Codec | None = None) -> float:
    """Messages per second of a bare consume + decode of ``topic`` from its start (by the contract's
    codec, or ``codec``)."""
    codec = codec or default_codec()
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-{uuid.uuid4().hex}",
                  "auto.offset.reset": "earliest", "enable.auto.commit": False,
                  "fetch.max.bytes": 52428800})
    c.subscribe([topic])
    n, t0 = 0, None
    while n < total:
        for m in c.consume(num_messages=min(5000, total - n), timeout=0.05):
            if m.error() is None:
                t0 = t0 or time.perf_counter()
                codec.decode(m.value() or b"")
                n += 1
    elapsed = time.perf_counter() - (t0 or time.perf_counter())
    c.close()
    return n / elapsed


def agent_rate(bootstrap: str, namespace: str, roles: Sequence[str], total: int, runtime: str,
               metrics_port: int | None = None, scrape_every_s: float = 1.0) -> float:
    """Messages per second of the worker on pre-published inboxes, from first progress to none left.
    With ``metrics_port`` the worker serves /metrics and it is scraped every ``scrape_every_s`` meanwhile
    (Prometheus's default is every 15 s: this is the pessimistic case)."""
    worker = WorkerProcess(bootstrap, namespace, roles, metrics_port=metrics_port,
                           log_path=Path(tempfile.gettempdir()) / f"{namespace}.log", runtime=runtime)
    topics = worker.consumed_topics()
    worker.start()
    stop = threading.Event()
    scrapes = [0]

    def scrape() -> None:
        while not stop.wait(scrape_every_s):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).read()
                scrapes[0] += 1
            except OSError:
                pass  # not serving yet

    scraper = threading.Thread(target=scrape, daemon=True)
    if metrics_port is not None:
        scraper.start()
    t0: float | None = None
    before = time.perf_counter()  # the last poll that saw no progress yet
    try:
        while True:
            lag = group_lag(bootstrap, worker.group_id, topics)
            now = time.perf_counter()
            if t0 is None and lag < total:
                t0 = before  # progress began since the last poll (a short inbox may be done already)
            before = now
            if t0 is not None and lag == 0:
                if metrics_port is not None and not scrapes[0]:
                    raise RuntimeError("the worker's /metrics was never scraped: the figure would flatter")
                return total / (now - t0)
            if not worker.alive():
                raise RuntimeError(f"worker died; see {worker.log_path}")
            time.sleep(0.02)
    finally:
        stop.set()
        worker.stop()


def measure(bootstrap: str, inbox: str, events: Sequence[Event], key_of: Callable[[Event], str],
            roles: Sequence[str], runtimes: Sequence[str] = ("faust", "direct")) -> AgentFigures:
    """Raw ceiling and each runtime's rate, each runtime on its own copy of the same inbox."""
    messages = [Message(inbox, key_of(e), e) for e in events]
    rates: dict[str, float] = {}
    raw = 0.0
    total = 0
    for runtime in runtimes:
        namespace = f"bench{uuid.uuid4().hex[:8]}"
        create_topics(bootstrap, all_topics(namespace))
        publish(bootstrap, messages, namespace)
        topic = qualified(inbox, namespace)
        total = sum(end_offsets(bootstrap, topic).values())
        raw = max(raw, raw_rate(bootstrap, topic, total))
        rates[runtime] = agent_rate(bootstrap, namespace, roles, total, runtime)
    return AgentFigures(total, raw, rates)
