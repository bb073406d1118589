"""Restart time as the inbox grows: from snapshots vs replaying the inbox from offset 0.

For each history size (10k, 100k, 1M inbox events of the synthetic market, three books over the
partitions of ``venue.journal`` on the real broker), the matching agent's shell first processes the
whole inbox as a worker would, snapshotting every ``--every`` inputs of a partition to the namespace's
snapshot topic (untimed). Then a restart at the end of the inbox, timed, two ways:

  replay     a new shell rebuilds each partition's engine from its inbox, from offset 0 (no snapshots:
             how every restart went before);
  snapshot   a new snapshot store reads the topic (part of the restart) and a new shell resumes each
             partition from its latest snapshot and the inbox after it.

Both must end with the same engines (``export_state`` compared) before anything is reported. The
arms are interleaved (A B / B A) over ``--rounds`` rounds; min and median seconds. A worker's restart
adds the consumer group's join, the same with or without snapshots.

Run: ``KAFKA_BOOTSTRAP_SERVERS=… .venv/bin/python bench/restart.py [--sizes 10000,100000,1000000]``
"""

from __future__ import annotations

import argparse
import itertools
import logging
import time
import uuid
from collections.abc import Iterator

from interleave import conditions, interleaved, min_median

from floor.kafka import create_topics, delete_topics, end_offsets, namespace_topics, read_partition
from floor.settings import get_settings
from producers.publish import publish
from producers.scenario import Message
from producers.synthetic import SyntheticConfig, SyntheticFeed
from schemas.topics import VENUE_JOURNAL, all_topics, qualified, venue_key
from strategies.topology import MATCHING, Configs
from streams.runtime.inbox import InboxProcessor
from streams.runtime.kafka_snapshots import KafkaSnapshots
from streams.runtime.shell import processor


def market(n: int) -> Iterator[Message]:
    feed = SyntheticFeed(SyntheticConfig(bases=("BTC", "ETH", "LTC"), levels=25))
    for listing in feed.listings():
        yield Message(VENUE_JOURNAL, venue_key(listing.venue, listing.pair), listing)
    for e in itertools.islice(feed.events(10**9), n - 3):
        yield Message(VENUE_JOURNAL, venue_key(e.venue, e.pair), e)  # type: ignore[attr-defined]


def live(bootstrap: str, ns: str, ends: dict[int, int], every: int) -> tuple[int, int, float]:
    """The worker's pass: every input processed, snapshots saved as it goes; (snapshots, their bytes, the
    share of the processing time spent taking them)."""
    store = KafkaSnapshots(bootstrap, ns)
    shell = processor(MATCHING, Configs(), bootstrap, ns)
    shell.snapshots, shell.snapshot_every = store, every
    size = 0
    for part, end in ends.items():
        for r in read_partition(bootstrap, qualified(VENUE_JOURNAL, ns), part, 0, end):
            shell.process(part, r.offset, r.key, r.value)
            if r.offset % 1000 == 999:
                taken = shell.take_snapshots()
                size += sum(len(s.state) for _, s in taken)
                shell.save_snapshots(taken)
    assert store.flush() == 0 and store.failed is None
    c = shell.counters
    return store.saved, size, c.snapshot_seconds / c.timings.total


def restart(bootstrap: str, ns: str, ends: dict[int, int], snapshots: bool) -> InboxProcessor:
    shell = processor(MATCHING, Configs(), bootstrap, ns)
    if snapshots:
        shell.snapshots = KafkaSnapshots(bootstrap, ns)
    for part, end in ends.items():
        if end:
            shell.engine(part, end)
    return shell


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--every", type=int, default=10_000, help="inputs of a partition between snapshots "
                    "(the workers' SNAPSHOT_EVERY)")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    bootstrap = get_settings().bootstrap
    logging.basicConfig(level=logging.ERROR)  # each resume logs a warning
    print(conditions("start"))
    print(f"{'inbox events':>12} {'tail':>7} {'snapshots':>15} {'cost':>6} {'replay s (min/med)':>19} "
          f"{'snapshot s (min/med)':>21} {'x faster (min/med)':>19}")
    for n in (int(s) for s in args.sizes.split(",")):
        ns = f"benchrestart{uuid.uuid4().hex[:8]}"
        create_topics(bootstrap, all_topics(ns))
        try:
            publish(bootstrap, market(n), ns)
            ends = {p: e for p, e in end_offsets(bootstrap, qualified(VENUE_JOURNAL, ns)).items() if e}
            taken, size, cost = live(bootstrap, ns, ends, args.every)
            tail = sum(e % args.every for e in ends.values())  # inputs after each partition's last snapshot
            shells: dict[str, InboxProcessor] = {}

            def arm(name: str, snapshots: bool, ns: str = ns, ends: dict[int, int] = ends,
                    shells: dict[str, InboxProcessor] = shells) -> float:
                started = time.perf_counter()
                shells[name] = restart(bootstrap, ns, ends, snapshots)
                return time.perf_counter() - started

            times = interleaved(args.rounds, [("replay", lambda: arm("replay", False)),
                                              ("snapshot", lambda: arm("snapshot", True))])
            a, b = shells["replay"], shells["snapshot"]
            for part in ends:
                assert a.engines[part].export_state() == b.engines[part].export_state(), part  # type: ignore[union-attr]
            assert b.counters.snapshots_loaded == sum(1 for e in ends.values() if e >= args.every)
            (rmin, rmed), (smin, smed) = min_median(times["replay"]), min_median(times["snapshot"])
            each = size / taken / 1e3 if taken else 0.0
            print(f"{sum(ends.values()):>12,} {tail:>7,} {taken:>5} ({each:>4.0f} kB)"
                  f" {cost:>5.1%} {rmin:>9.2f} / {rmed:<7.2f} {smin:>10.2f} / {smed:<8.2f} "
                  f"{rmin / smin:>8.1f} / {rmed / smed:<8.1f}")
        finally:
            delete_topics(bootstrap, namespace_topics(bootstrap, ns))
    print(conditions("end"))


if __name__ == "__main__":
    main()
