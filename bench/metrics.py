"""What the agents' metrics cost: the agent shell (decode, engine, encode) with its counters against the
same shell without them, on the matching and the ledger inboxes.

The shell a worker runs per message (``InboxProcessor.process``) counts each message in and its outputs
per partition, keeps the message's broker time for the lag, observes its processing time in a
fixed-bucket histogram, and calls the agent's observer (matching's tally of orders by type and
outcome). The baseline is the same processor doing the same work with those lines taken out and no
observer (``Uncounted.process``: the shell as it was before the metrics). Both run the same encoded inbox
(bench/matching.py's order-and-book stream; bench/ledger.py's orders, fills and done), interleaved
(A, B, B, A) over several rounds; the figures are µs per message, min and median, and the cost as a share
of the baseline. In a worker the shell's share of a message's time is smaller still (the consumer, the
producer and, on Faust, its asyncio machinery come on top), so this is the upper bound of the overhead.

Run: ``.venv/bin/python bench/metrics.py [--rounds N] [--messages N]``.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from collections.abc import Callable, Sequence

from cryptick.worker import shell
from schemas.codec import encode
from schemas.events import Event
from strategies.topology import LEDGER, MATCHING
from streams.runtime.inbox import InboxProcessor, Outgoing


class Uncounted(InboxProcessor):
    """The shell without its metrics: the same steps, no counters, no clock."""

    def process(self, partition: int, offset: int, key: bytes | None, value: bytes | None,
                timestamp_ms: int = 0) -> list[Outgoing]:
        engine = self.engine(partition, offset)
        if offset < self.next_offset[partition]:
            return []
        self.next_offset[partition] = offset + 1
        self.processed += 1
        return self._process(engine, partition, offset, key, value or b"", timestamp_ms)


def uncounted(p: InboxProcessor) -> Uncounted:
    return Uncounted(inbox=p.inbox, engine_factory=p.engine_factory, accepts=p.accepts,
                     output_topic=p.output_topic, key_of=p.key_of, keyed=p.keyed)


def timed(make: Callable[[], InboxProcessor], inbox: Sequence[tuple[bytes, bytes]]) -> float:
    """Seconds for a fresh processor to take the whole inbox (one partition, offsets in order)."""
    p = make()
    gc.collect()
    process = p.process
    start = time.perf_counter()
    for offset, (key, value) in enumerate(inbox):
        process(0, offset, key, value, 1_700_000_000_000)
    return time.perf_counter() - start


def compare(label: str, make: Callable[[], InboxProcessor], events: Sequence[Event], rounds: int) -> None:
    inbox = [(b"k", encode(e)) for e in events]
    counted: list[float] = []
    bare: list[float] = []
    for _ in range(rounds):  # A, B, B, A: drifts of the machine fall on both alike
        counted.append(timed(make, inbox))
        bare.append(timed(lambda: uncounted(make()), inbox))
        bare.append(timed(lambda: uncounted(make()), inbox))
        counted.append(timed(make, inbox))
    per = 1e6 / len(inbox)
    c_min, c_med = min(counted) * per, statistics.median(counted) * per
    b_min, b_med = min(bare) * per, statistics.median(bare) * per
    print(f"{label:<9} {len(inbox):>9,} | {b_min:>8.2f} {b_med:>8.2f} | {c_min:>8.2f} {c_med:>8.2f} | "
          f"{(c_min / b_min - 1) * 100:>+6.1f}% {(c_med / b_med - 1) * 100:>+6.1f}%")


def main(argv: list[str]) -> None:
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
    from ledger import stream as ledger_stream
    from matching import make_stream

    rounds = int(argv[argv.index("--rounds") + 1]) if "--rounds" in argv else 3
    messages = int(argv[argv.index("--messages") + 1]) if "--messages" in argv else 100_000
    print(f"agent shell per message, without metrics vs with them ({rounds} interleaved rounds of A,B,B,A)")
    print(f"{'inbox':<9} {'messages':>9} | {'bare µs':>8} {'median':>8} | {'metrics':>8} {'median':>8} | "
          f"{'cost min':>7} {'median':>7}")
    # as a worker builds them: with their observers (matching's order tally, the ledger's discrepancy log)
    compare("matching", lambda: shell(MATCHING), make_stream(messages), rounds)
    ledger = ledger_stream(max(1, messages // 4))[:messages]
    compare("ledger", lambda: shell(LEDGER), ledger, rounds)


if __name__ == "__main__":
    main(sys.argv)
