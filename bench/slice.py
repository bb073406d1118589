"""End-to-end throughput of the slice: inbox events per second through the agents.

In one run, on the same broker and the same data (the demo scenario: a synthetic
market with orders woven in):
  baseline  raw confluent-kafka consume + Avro decode of the venue inbox (the ceiling
            for any Python consumer),
  agents    the worker (matching + ledger + routers) on each runtime, from its first
            progress to caught up, over every inbox event (market data, orders,
            routed order events).
Usage: python bench/slice.py [steps]   (needs a broker: `cryptick infra up`)
"""

from __future__ import annotations

import sys
import uuid

from agent_path import agent_rate, raw_rate

from floor.kafka import create_topics, end_offsets
from floor.settings import get_settings
from producers.publish import publish
from producers.scenario import Scenario, demo_messages
from schemas.topics import INBOXES, VENUE_JOURNAL, all_topics, qualified


def main(steps: int = 20_000) -> None:
    bootstrap = get_settings().bootstrap
    messages = list(demo_messages(Scenario(steps=steps)))
    print(f"inbox events published      {len(messages):>10,}")
    raw = 0.0
    rates: dict[str, float] = {}
    for runtime in ("faust", "direct"):
        ns = f"bench{uuid.uuid4().hex[:8]}"
        create_topics(bootstrap, all_topics(ns))
        publish(bootstrap, messages, ns)
        venue = qualified(VENUE_JOURNAL, ns)
        raw = max(raw, raw_rate(bootstrap, venue, sum(end_offsets(bootstrap, venue).values())))
        total = sum(sum(end_offsets(bootstrap, qualified(t, ns)).values()) for t in INBOXES)
        rates[runtime] = agent_rate(bootstrap, ns, ("matching", "ledger", "routers"), total, runtime)
    print(f"raw consume+decode          {raw:>10,.0f} events/s  (baseline)")
    for runtime, rate in rates.items():
        print(f"agents on {runtime:<8}           {rate:>10,.0f} events/s  ratio to raw {rate / raw:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
