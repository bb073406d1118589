"""Throughput of the matching core on a long, real-shaped L2 stream, against the floor of book maintenance.

The stream is a seeded random walk over a book of 150+ levels a side: mostly
size changes near the touch, some levels added or removed, some public trades
(each followed by the delta that shrinks the traded level), and a few resting
virtual orders near the touch, each cancelled after 10 s of event time if it
has not filled. Events are made before timing.

The floor (``SortedBook``) is a plain sorted book that only maintains levels:
bisect-kept sorted keys and a dict of sizes per side, the same snapshots and
deltas applied, the best bid and ask known after each event. It is fed the
very same events (it skips the trades and the orders); the ratio core / floor
is the cost of matching over book maintenance. What the floor does not do is
printed with the figures. As context, the core also runs the stream without
its virtual orders. The arms are interleaved (A B C, C B A, ...), ``rounds``
of them (default 5), and each prints its min and median.

Run: ``.venv/bin/python bench/matching.py [n_events] [rounds] [--agent]``.
"""

from __future__ import annotations

import gc
import random
import sys
import time
from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Callable, Sequence

from interleave import conditions, interleaved, min_median, ratios

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


class SortedBook:
    """The floor: book maintenance only, as plainly as it is done well.

    Per side, the keys kept sorted by bisection (``price`` for bids, ``-price`` for asks: the best is
    the last) and a dict of sizes; snapshots replace both sides, deltas set or remove levels, and the
    best bid and ask are known after every event. It does not check sequence numbers, staleness or
    repeated event ids, cap the depth, keep the size virtual orders consumed, look at trades, or accept,
    queue, fill or expire orders: all of which the core does on the same events.
    """

    def __init__(self) -> None:
        self.keys: tuple[list[int], list[int]] = ([], [])
        self.sizes: tuple[dict[int, int], dict[int, int]] = ({}, {})
        self.top: tuple[int | None, int | None] = (None, None)

    def handle(self, event: Event) -> list[Event]:
        kind = type(event)
        if kind is BookDelta:
            for ch in event.changes:  # type: ignore[union-attr]
                price = ch.price
                if ch.side == "bid":
                    keys, sizes, key = self.keys[0], self.sizes[0], price
                else:
                    keys, sizes, key = self.keys[1], self.sizes[1], -price
                if ch.size:
                    if price not in sizes:
                        insort(keys, key)
                    sizes[price] = ch.size
                elif sizes.pop(price, None) is not None:
                    del keys[bisect_left(keys, key)]
        elif kind is BookSnapshot:
            for s, sign, levels in ((0, 1, event.bids), (1, -1, event.asks)):  # type: ignore[union-attr]
                sizes = self.sizes[s]
                sizes.clear()
                sizes.update((lv.price, lv.size) for lv in levels if lv.size)
                self.keys[s][:] = sorted(p * sign for p in sizes)
        else:
            return []
        bids, asks = self.keys
        self.top = (bids[-1] if bids else None, -asks[-1] if asks else None)
        return []


def timed(handle: Callable[[Event], list[Event]], events: Sequence[Event]) -> tuple[float, int]:
    """Seconds to push ``events`` through ``handle``, and how many outputs came out."""
    gc.collect()
    outputs = 0
    start = time.perf_counter()
    for ev in events:
        outputs += len(handle(ev))
    return time.perf_counter() - start, outputs


def main(argv: list[str]) -> None:
    args = [a for a in argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 500_000
    rounds = int(args[1]) if len(args) > 1 else 5
    print(conditions("before"))
    events = make_stream(n)
    without_orders = [ev for ev in events if not isinstance(ev, OrderAccepted)]
    counts = Counter(type(ev).__name__ for ev in events)
    core, floor = MatchingEngine(), SortedBook()
    _, outputs = timed(core.handle, events)
    timed(floor.handle, events)
    book = core.book(VENUE, PAIR)
    if floor.sizes != book.sizes or floor.top != (book.keys[0][-1], -book.keys[1][-1]):
        raise SystemExit("the floor's book differs from the core's after the same events")
    print(f"stream: {n:,} events ({', '.join(f'{k} {v:,}' for k, v in sorted(counts.items()))}); "
          f"the core's outputs: {outputs:,}")
    arms = (
        ("core", lambda: timed(MatchingEngine().handle, events)[0]),
        ("core, same stream without the orders", lambda: timed(MatchingEngine().handle, without_orders)[0]),
        ("floor: sorted book, levels only", lambda: timed(SortedBook().handle, events)[0]),
    )
    times = interleaved(rounds, arms)
    print(f"\n{rounds} rounds, interleaved (the arms in this order, then reversed, ...); "
          f"events/s = the stream's {n:,} events over the time")
    print(f"{'':38} {'min s':>8} {'median s':>9} {'events/s (median)':>18}")
    for name, ts in times.items():
        low, mid = min_median(ts)
        count = len(without_orders) if "without" in name else n
        print(f"{name:38} {low:8.3f} {mid:9.3f} {count / mid:18,.0f}")
    by_min, by_median = ratios(times["floor: sorted book, levels only"], times["core"])
    print(f"\nthe core against the floor (core events/s / floor events/s): {by_min:.2f}x of the mins, "
          f"{by_median:.2f}x of the medians: the cost of matching over book maintenance")
    print("the floor does not check sequence, staleness or repeated ids, cap depth, keep consumed size,\n"
          "look at trades, or accept, queue, fill and expire the stream's virtual orders; the core does")
    print(conditions("after"))
    if "--agent" in argv:
        agent_part(min(n, 100_000))


def agent_part(n: int) -> None:
    """(b) the same kind of stream through the matching agent on the real broker."""
    from agent_path import measure

    from floor.settings import get_settings
    from schemas.topics import VENUE_JOURNAL, venue_key

    figures = measure(get_settings().bootstrap, VENUE_JOURNAL, make_stream(n),
                      lambda e: venue_key(e.venue, e.pair), ("matching",))  # type: ignore[union-attr]
    print("\n".join(figures.lines("matching")))


if __name__ == "__main__":
    main(sys.argv)
