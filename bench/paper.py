"""What paper trading costs: the market fan-out and the strategy agent, in cores and on the broker.

In one run, on the same synthetic market:
  cores   market events/s through the MarketFanOut (with 0, 1 and 6 subscribed runs) and through
          a StrategyHost hosting one Echo run, against the MatchingEngine on the same events
          (the baseline: it keeps the same books);
  agents  the worker on the real broker, from first progress to caught up, over the same
          venue.journal: without the strategies role (matching, ledger, routers) as the baseline,
          then with it and two paper runs subscribed to every book (Echo and Demo), so every market
          event is also forwarded to two runs and handled by their strategies.
Usage: python bench/paper.py [steps] [--runtime faust|direct]   (needs a broker: `cryptick infra up`)
"""

from __future__ import annotations

import argparse
import json
import time
import uuid

from cryptick import paper
from cryptick.flows import WorkerProcess
from floor.kafka import create_topics
from floor.settings import get_settings
from producers.feed_runner import synthetic_messages
from producers.publish import publish
from producers.scenario import Message
from schemas.codec import default_codec
from schemas.events import SCALE, Allocation, MarketSubscription, StartRun
from schemas.topics import VENUE_JOURNAL, all_topics, run_wallet_set
from strategies.host import StrategyHost
from streams.matching.engine import MatchingEngine
from streams.routing.fanout import MarketFanOut

US = 1_000_000
PAIRS = ("BTC-USD", "ETH-USD", "LTC-USD", "BCH-USD", "ZEC-USD", "XMR-USD")


def _rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


def cores(messages: list[Message]) -> None:
    encode = default_codec().encode
    items = [(m.key, m.event, encode(m.event)) for m in messages if m.topic == VENUE_JOURNAL]
    engine = MatchingEngine()
    t0 = time.perf_counter()
    for _key, event, _value in items:
        engine.handle(event)
    base = _rate(len(items), time.perf_counter() - t0)
    print(f"market events                    {len(items):>12,}")
    print(f"matching core (baseline)         {base:>12,.0f} ev/s")
    for runs in (0, 1, 6):
        fan = MarketFanOut()
        for i in range(runs):
            for pair in PAIRS:
                fan.handle_keyed(f"synthetic:{pair}", MarketSubscription(
                    f"r{i}:sub:{pair}", f"r{i}", "paper", "synthetic", pair, True, 0), b"")
        t0 = time.perf_counter()
        forwarded = 0
        for key, event, value in items:
            forwarded += len(fan.handle_keyed(key, event, value))
        rate = _rate(len(items), time.perf_counter() - t0)
        print(f"fan-out, {runs} run(s) subscribed     {rate:>12,.0f} ev/s  "
              f"ratio to matching {rate / base:.2f}  ({forwarded:,} forwarded)")
    host = StrategyHost()
    params = {"pairs": ",".join(PAIRS), "venue": "synthetic", "book_every": "0", "trade_every": "0"}
    start = StartRun("e:start", "e", "echo", json.dumps(params), "paper", run_wallet_set("e"), "paper", 0,
                     None, [], 0)
    host.handle_keyed("e", start)
    host.runs["e"].state = "running"  # no ledger here: the run is taken as funded
    t0 = time.perf_counter()
    for _key, event, _value in items:
        host.handle_keyed("e", event)
    rate = _rate(len(items), time.perf_counter() - t0)
    print(f"strategy host, one Echo run      {rate:>12,.0f} ev/s  ratio to matching {rate / base:.2f}")


def agents(bootstrap: str, steps: int, runtime: str) -> None:
    """Each worker warm and caught up first; then the market is published and timed from the first
    message out to the worker caught up (publishing overlaps processing, the same for both)."""
    rates: dict[str, float] = {}
    total = 0
    for label, roles in (("without runs", ("matching", "ledger", "routers")),
                         ("with 2 runs", ("matching", "fanout", "ledger", "routers", "strategies"))):
        ns = f"bench{uuid.uuid4().hex[:8]}"
        create_topics(bootstrap, all_topics(ns))
        now = int(time.time()) * US
        listings, events = synthetic_messages(steps, seed=9, start_ts=now)
        publish(bootstrap, [*listings, *(next(events) for _ in range(60))], ns)
        worker = WorkerProcess(bootstrap, ns, roles, runtime=runtime).start()
        try:
            if "strategies" in roles:  # two runs subscribed to every book before the market flows
                usd = [Allocation("synthetic", "USD", 100_000 * SCALE)]
                runs = [paper.start(bootstrap, ns, "echo", {"pairs": ",".join(PAIRS)}, usd),
                        paper.start(bootstrap, ns, "demo", {"interval_s": "5"}, usd)]
                for run in runs:
                    state = paper.wait_for_state(bootstrap, ns, run.run_id, ("running",), 120)
                    assert state is not None and state.state == "running", state
            worker.wait_caught_up()
            market = list(events)
            t0 = time.perf_counter()
            publish(bootstrap, market, ns)
            worker.wait_caught_up(idle=0.0)
            rates[label] = _rate(len(market), time.perf_counter() - t0)
            total = len(market)
        finally:
            worker.stop()
    base = rates["without runs"]
    print(f"market messages published        {total:>12,}   ({runtime} runtime)")
    for label, rate in rates.items():
        print(f"worker {label:<14}          {rate:>12,.0f} msg/s  ratio {rate / base:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("steps", nargs="?", type=int, default=5000)
    parser.add_argument("--runtime", default="direct", choices=("faust", "direct"))
    args = parser.parse_args()
    listings, events = synthetic_messages(args.steps, seed=9)
    cores([*listings, *events])
    agents(get_settings().bootstrap, args.steps, args.runtime)


if __name__ == "__main__":
    main()
