"""What metrics cost a worker on the real broker: the matching and ledger agents' throughput with their
``/metrics`` served and scraped every second (15 times Prometheus's default rate) against the same worker
without a metrics port, per runtime (Faust and direct).

Each measurement is a fresh namespace holding the same pre-published inbox and a fresh worker, timed from
its first progress to none left (``bench/agent_path.py``); pairs are interleaved (off, on, on, off) over
several rounds, and the figures are messages per second, min and median, and the cost as a share. The
counters the agent shell keeps per message run in both (they are part of the shell); what they cost the
shell alone is ``bench/metrics.py``'s figure, printed here as a share of the worker's time per message.

Run with a broker up: ``.venv/bin/python bench/worker_metrics.py [--rounds N] [--messages N]
[--runtimes faust,direct]``.
"""

from __future__ import annotations

import os
import socket
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from agent_path import agent_rate
from ledger import ACCOUNTS
from ledger import stream as ledger_stream
from matching import make_stream

from floor.kafka import create_topics, delete_topics, end_offsets
from producers.publish import publish
from producers.scenario import Message
from schemas.events import Event, MarketListed
from schemas.topics import LEDGER_JOURNAL, VENUE_JOURNAL, all_topics, qualified, venue_key


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def one(bootstrap: str, messages: list[Message], roles: Sequence[str], runtime: str, served: bool) -> float:
    namespace = f"benchm{uuid.uuid4().hex[:8]}"
    create_topics(bootstrap, all_topics(namespace))
    try:
        publish(bootstrap, messages, namespace)
        inbox = qualified(messages[0].topic, namespace)
        total = sum(end_offsets(bootstrap, inbox).values())
        return agent_rate(bootstrap, namespace, roles, total, runtime,
                          metrics_port=free_port() if served else None)
    finally:
        delete_topics(bootstrap, [t.name for t in all_topics(namespace)])


def compare(bootstrap: str, label: str, events: Sequence[Event], key_of: Callable[[Event], str], inbox: str,
            roles: Sequence[str], runtime: str, rounds: int) -> None:
    messages = [Message(inbox, key_of(e), e) for e in events]
    on: list[float] = []
    off: list[float] = []
    for _ in range(rounds):  # off, on, on, off: drifts of the machine fall on both alike
        off.append(one(bootstrap, messages, roles, runtime, False))
        on.append(one(bootstrap, messages, roles, runtime, True))
        on.append(one(bootstrap, messages, roles, runtime, True))
        off.append(one(bootstrap, messages, roles, runtime, False))
    best_off, best_on = max(off), max(on)
    med_off, med_on = statistics.median(off), statistics.median(on)
    print(f"{label:<9} {runtime:<7} {len(messages):>8,} | {best_off:>9,.0f} {med_off:>9,.0f} | "
          f"{best_on:>9,.0f} {med_on:>9,.0f} | {(1 - best_on / best_off) * 100:>+6.1f}% "
          f"{(1 - med_on / med_off) * 100:>+6.1f}% | {1e6 / med_off:>7.1f} µs", flush=True)


def main(argv: list[str]) -> None:
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    rounds = int(argv[argv.index("--rounds") + 1]) if "--rounds" in argv else 3
    n = int(argv[argv.index("--messages") + 1]) if "--messages" in argv else 200_000
    n_faust = n // 4  # Faust is ~7x slower: a quarter of the messages runs as long
    runtimes = (argv[argv.index("--runtimes") + 1] if "--runtimes" in argv else "faust,direct").split(",")
    print(time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), f"load average {os.getloadavg()[0]:.2f}")
    print(f"worker throughput without /metrics vs served and scraped each second ({rounds} rounds of "
          f"off,on,on,off; msg/s, higher is better; cost = throughput lost)")
    print(f"{'inbox':<9} {'runtime':<7} {'messages':>8} | {'off best':>9} {'median':>9} | {'on best':>9} "
          f"{'median':>9} | {'cost':>6} {'median':>7} | per msg")
    for runtime in runtimes:
        size = n if runtime == "direct" else n_faust
        book = make_stream(size)
        # as bench/ledger.py sends it: every account's inbox partition gets the market listing
        ledger: list[Event] = []
        for e in ledger_stream(max(1, size // 4)):
            ledger += [e] if not isinstance(e, MarketListed) else [e] * ACCOUNTS
        listings = iter([f"acct-{a}" for a in range(ACCOUNTS)] * 1_000)
        compare(bootstrap, "matching", book, lambda e: venue_key(e.venue, e.pair),  # type: ignore[attr-defined]
                VENUE_JOURNAL, ("matching",), runtime, rounds)
        key_of = lambda e, keys=listings: getattr(e, "account", None) or next(keys)  # noqa: E731
        compare(bootstrap, "ledger", ledger, key_of, LEDGER_JOURNAL, ("ledger",), runtime, rounds)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main(sys.argv)
