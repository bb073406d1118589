"""Throughput of the matching core on a long, real-shaped L2 stream, against a naive book.

Part (a), the pure core: ``core_throughput(n_events)``. The stream is a seeded
random walk over a book of 150+ levels a side: mostly size changes near the
touch, some levels added or removed, some public trades (each followed by
the delta that shrinks the traded level), and a few resting virtual orders
near the touch, each cancelled after 10 s of event time if it has not
filled. The baseline runs the same stream through a dict book that sorts its
prices on every event.

Run: ``.venv/bin/python bench/matching.py [n_events]``.
"""

from __future__ import annotations

import gc
import random
import sys
import time
from bisect import bisect_left, insort
from collections.abc import Callable, Sequence

from schemas.events import (
    SCALE,
    BookDelta,
    BookSnapshot,
    Event,
    Level,
    LevelChange,
    OrderAccepted,
    PublicTrade,
)
from streams.matching.engine import MatchingEngine

VENUE = "coinbase"
PAIR = "BTC-USD"
TICK = SCALE // 100
LOT = SCALE // 1000
T0 = 1_600_000_000_000_000


# --- the stream -------------------------------------------------------------------


class _Side:
    """The generator's own view of one side: sorted ticks (best last) and sizes in lots."""

    def __init__(self, sign: int) -> None:
        self.sign = sign
        self.keys: list[int] = []
        self.lots: dict[int, int] = {}

    def set(self, tick: int, lots: int) -> None:
        if lots <= 0:
            if tick in self.lots:
                del self.lots[tick]
                del self.keys[bisect_left(self.keys, tick * self.sign)]
        else:
            if tick not in self.lots:
                insort(self.keys, tick * self.sign)
            self.lots[tick] = lots

    def nth(self, i: int) -> int:
        return self.keys[-1 - min(i, len(self.keys) - 1)] * self.sign

    def best(self) -> int:
        return self.keys[-1] * self.sign


def make_stream(n_events: int, seed: int = 7, levels: int = 150) -> list[Event]:
    """A deterministic stream of ``n_events`` inbox events (snapshot first)."""
    rng = random.Random(seed)
    mid = 900_000  # in ticks: 9,000.00
    bids, asks = _Side(1), _Side(-1)
    for i in range(1, levels + 1):
        bids.set(mid - i, rng.randint(1, 200))
        asks.set(mid + i, rng.randint(1, 200))
    seq = 0
    events: list[Event] = [_snapshot(bids, asks, seq)]
    orders = 0
    while len(events) < n_events:
        ts = T0 + len(events) * 1000
        if len(events) % 1_000 == 1:  # a few virtual orders rest near the touch (10 s each)
            orders += 1
            buy = orders % 2 == 0
            away = rng.randint(0, 12)
            tick = bids.best() - away if buy else asks.best() + away
            events.append(_order(orders, buy, tick, ts))
            continue
        side, other = (bids, asks) if rng.random() < 0.5 else (asks, bids)
        name = "bid" if side is bids else "ask"
        r = rng.random()
        if r < 0.10:  # a trade at the touch, then the delta that shows it
            tick = side.best()
            size = rng.randint(1, side.lots[tick])
            taker = "sell" if side is bids else "buy"
            events.append(
                PublicTrade(f"t{seq}", VENUE, PAIR, ts, ts, f"{seq}", tick * TICK, size * LOT, taker)
            )
            side.set(tick, side.lots[tick] - size)
        elif r < 0.20 or len(side.keys) < levels:  # a level appears or goes
            if rng.random() < 0.5 and len(side.keys) > levels:
                tick = side.nth(int(rng.expovariate(0.3)))
                side.set(tick, 0)
            else:
                gap = other.best() - side.best()
                tick = side.best() + side.sign * rng.randint(-20, max(abs(gap) - 1, 0))
                if tick in side.lots:
                    continue
                side.set(tick, rng.randint(1, 200))
        else:  # most updates: a size change near the touch
            tick = side.nth(int(rng.expovariate(0.25)))
            side.set(tick, max(1, int(side.lots[tick] * rng.uniform(0.5, 1.6))))
        seq += 1
        change = LevelChange(name, tick * TICK, side.lots.get(tick, 0) * LOT)
        events.append(BookDelta(f"d{seq}", VENUE, PAIR, ts, ts, seq, [change]))
    return events


def _snapshot(bids: _Side, asks: _Side, seq: int) -> BookSnapshot:
    def levels(side: _Side) -> list[Level]:
        return [Level(k * side.sign * TICK, side.lots[k * side.sign] * LOT) for k in side.keys[::-1]]

    return BookSnapshot("s0", VENUE, PAIR, T0, T0, seq, levels(bids), levels(asks))


def _order(n: int, buy: bool, tick: int, ts: int) -> OrderAccepted:
    return OrderAccepted(
        f"a{n}", f"o{n}", "acct", "bench", "ws", VENUE, PAIR, "buy" if buy else "sell",
        "limit", 50 * LOT, tick * TICK, False, 10, "USD", 0, ts,
    )  # fmt: skip


# --- the runs ---------------------------------------------------------------------


class NaiveBook:
    """Baseline: dict sides, best prices by sorting all of them on every event."""

    def __init__(self) -> None:
        self.bids: dict[int, int] = {}
        self.asks: dict[int, int] = {}
        self.top: tuple[int | None, int | None] = (None, None)

    def handle(self, event: Event) -> list[Event]:
        if isinstance(event, BookSnapshot):
            self.bids = {lv.price: lv.size for lv in event.bids}
            self.asks = {lv.price: lv.size for lv in event.asks}
        elif isinstance(event, BookDelta):
            for ch in event.changes:
                side = self.bids if ch.side == "bid" else self.asks
                if ch.size:
                    side[ch.price] = ch.size
                else:
                    side.pop(ch.price, None)
        bids = sorted(self.bids, reverse=True)
        asks = sorted(self.asks)
        self.top = (bids[0] if bids else None, asks[0] if asks else None)
        return []


def timed(handle: Callable[[Event], list[Event]], events: Sequence[Event]) -> tuple[float, int]:
    """Seconds to push ``events`` through ``handle``, and how many outputs came out."""
    gc.collect()
    outputs = 0
    start = time.perf_counter()
    for ev in events:
        outputs += len(handle(ev))
    return time.perf_counter() - start, outputs


def core_throughput(n_events: int) -> float:
    """Events per second of ``MatchingEngine.handle`` on the generated stream."""
    events = make_stream(n_events)
    seconds, _ = timed(MatchingEngine().handle, events)
    return n_events / seconds


def naive_throughput(n_events: int) -> float:
    """Events per second of the naive baseline on the same stream."""
    events = make_stream(n_events)
    seconds, _ = timed(NaiveBook().handle, events)
    return n_events / seconds


def main(argv: list[str]) -> None:
    args = [a for a in argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 500_000
    events = make_stream(n)
    book_events = sum(isinstance(ev, BookDelta | BookSnapshot | PublicTrade) for ev in events)
    core_runs, naive_runs = [], []
    for _ in range(3):  # interleaved, best of three: the machine is shared and noisy
        core_runs.append(timed(MatchingEngine().handle, events))
        naive_runs.append(timed(NaiveBook().handle, events))
    core_s, outputs = min(core_runs)
    naive_s, _ = min(naive_runs)
    print(f"stream: {n:,} events ({book_events:,} book/trade events), {outputs:,} outputs")
    print(f"core:   {n / core_s:12,.0f} events/s")
    print(f"naive:  {n / naive_s:12,.0f} events/s (dict book sorting on every event)")
    print(f"ratio:  {naive_s / core_s:12.1f}x")
    if "--agent" in argv:
        agent_part(min(n, 100_000))


def agent_part(n: int) -> None:
    """(b) the same kind of stream through the matching agent on the real broker."""
    from agent_path import measure

    from cryptick.settings import get_settings
    from schemas.topics import VENUE_JOURNAL, venue_key

    figures = measure(get_settings().bootstrap, VENUE_JOURNAL, make_stream(n),
                      lambda e: venue_key(e.venue, e.pair), ("matching",))  # type: ignore[union-attr]
    print("\n".join(figures.lines("matching")))


if __name__ == "__main__":
    main(sys.argv)
