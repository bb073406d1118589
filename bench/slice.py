"""End-to-end throughput of the slice: events per second through the Faust agents.

In one run, on the same broker and the same data:
  baseline  raw confluent-kafka consume + Avro decode of the venue inbox (the ceiling
            for any Python consumer),
  agents    the live worker (matching + ledger + routers) processing that inbox and
            the orders woven into it, from first message to caught up.
Usage: python bench/slice.py [steps]   (needs a broker: `cryptick infra up`)
"""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from pathlib import Path

from confluent_kafka import Consumer

from cryptick.flows import WorkerProcess
from cryptick.settings import get_settings
from producers.publish import publish
from producers.scenario import Scenario, demo_messages
from schemas.codec import default_codec
from schemas.topics import INBOXES, VENUE_JOURNAL, all_topics, qualified
from streams.runtime.kafka import create_topics, end_offsets
from streams.runtime.lag import group_lag


def raw_consume_decode(bootstrap: str, topic: str, total: int) -> float:
    """Seconds to consume and decode ``total`` messages of ``topic`` from the start."""
    codec = default_codec()
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-{uuid.uuid4().hex}",
                  "auto.offset.reset": "earliest", "enable.auto.commit": False,
                  "fetch.max.bytes": 52428800})
    c.subscribe([topic])
    n = 0
    t0 = None
    while n < total:
        for m in c.consume(num_messages=min(5000, total - n), timeout=0.05):
            if m.error() is None:
                if t0 is None:
                    t0 = time.perf_counter()
                codec.decode(m.value() or b"")
                n += 1
    elapsed = time.perf_counter() - (t0 or time.perf_counter())
    c.close()
    return elapsed


def main(steps: int = 20_000) -> None:
    bootstrap = get_settings().bootstrap
    ns = f"bench{uuid.uuid4().hex[:8]}"
    create_topics(bootstrap, all_topics(ns))
    sent = publish(bootstrap, demo_messages(Scenario(steps=steps)), ns)
    venue_total = sum(end_offsets(bootstrap, qualified(VENUE_JOURNAL, ns)).values())
    raw = raw_consume_decode(bootstrap, qualified(VENUE_JOURNAL, ns), venue_total)

    log = Path(tempfile.gettempdir()) / f"{ns}.log"
    worker = WorkerProcess(bootstrap, ns, log_path=log)
    topics = worker.consumed_topics()
    worker.start()
    t0 = None
    try:
        while True:
            lag = group_lag(bootstrap, worker.group_id, topics)
            now = time.perf_counter()
            if t0 is None and lag < sent:
                t0 = now  # the worker has started consuming
            if t0 is not None and lag == 0:
                break
            time.sleep(0.05)
    finally:
        worker.stop()
    agents = time.perf_counter() - (t0 or 0)
    processed = sum(sum(end_offsets(bootstrap, qualified(t, ns)).values()) for t in INBOXES)
    raw_rate = venue_total / raw
    agent_rate = processed / agents
    print(f"inbox events published      {sent:>10,}")
    print(f"raw consume+decode          {raw_rate:>10,.0f} events/s  (baseline)")
    print(f"agents (matching+ledger)    {agent_rate:>10,.0f} events/s  "
          f"({processed:,} inbox events in {agents:.2f}s)")
    print(f"ratio agents / raw          {agent_rate / raw_rate:>10.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
