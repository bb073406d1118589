"""A deterministic discrete-event scheduler: market events merged with scheduled deliveries.

Everything the backtest delivers goes through one queue ordered by
``(time, priority, sequence)`` — never by chance:

1. **time**: the delivery time in event-time microseconds. A market event's
   time is when it was received (``replay.sources.received``), clamped to be
   non-decreasing: an event received earlier than the one before it keeps the
   source's order and is delivered at the previous one's time. A scheduled delivery's time is given by whoever
   schedules it, never earlier than the current time.
2. **priority**, at equal times (``Priority``): the market moves first, then
   what reaches the venue, the ledger, the strategies, and last the timer
   ticks — so an order arriving at the venue at ``t`` meets the book as of ``t``,
   and a timer due at ``t`` sees everything else that happened at ``t``.
3. **sequence**: at equal time and priority, first scheduled first delivered
   (FIFO); market events keep the source's order.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from enum import IntEnum
from typing import Generic, TypeVar

T = TypeVar("T")


class Priority(IntEnum):
    """Order among deliveries at the same event time (lower first)."""

    MARKET = 0  # book snapshots, deltas and public trades, as the source gives them
    VENUE = 1  # accepted orders, cancels and clock ticks reaching the matching engine
    LEDGER = 2  # order requests, cancels and venue reports reaching the ledger
    STRATEGY = 3  # reports, ledger events and control messages reaching a run
    TIMER = 4  # clock ticks reaching a run


_MARKET = Priority.MARKET


class Scheduler(Generic[T]):
    """Yields ``(time, priority, item)`` in (time, priority, sequence) order.

    ``market`` is an iterable of ``(ts, item)`` in source order, read lazily (a
    long archive never sits in memory); ``schedule`` adds a delivery.
    """

    __slots__ = ("_heap", "_market", "_next_market", "_seq", "now")

    def __init__(self, market: Iterable[tuple[int, T]]) -> None:
        self._market: Iterator[tuple[int, T]] = iter(market)
        self._heap: list[tuple[int, int, int, T]] = []
        self._seq = 0
        self.now = -(1 << 62)
        self._next_market: tuple[int, T] | None = None
        self._pull()

    def _pull(self) -> None:
        nxt = next(self._market, None)
        if nxt is not None and self._next_market is not None and nxt[0] < self._next_market[0]:
            nxt = (self._next_market[0], nxt[1])  # clamp: keep source order, never go back in time
        self._next_market = nxt

    def schedule(self, time: int, priority: Priority, item: T) -> None:
        """Deliver ``item`` at ``time`` (not before now) with ``priority``."""
        if time < self.now:
            raise ValueError(f"cannot schedule at {time}, before the current time {self.now}")
        self._seq += 1
        heapq.heappush(self._heap, (time, priority, self._seq, item))

    def close_market(self) -> None:
        """No more market events: only what is scheduled is delivered from now on."""
        self._next_market = None
        self._market = iter(())

    def pending(self) -> int:
        """Scheduled deliveries not yet made (market events not counted)."""
        return len(self._heap)

    def __iter__(self) -> Iterator[tuple[int, int, T]]:
        """The deliveries in order, as a generator (resuming it costs less per item than a call of
        ``__next__``); its state is the scheduler's, so a new iteration goes on where the last one stopped."""
        heap = self._heap
        while True:
            market = self._next_market
            if market is not None and (not heap or market[0] <= heap[0][0]):
                # MARKET is the lowest priority value: at equal times the market goes first. The next market
                # item is pulled here, with ``_pull``'s clamp, rather than by calling it (a call per event)
                now = market[0]
                nxt = next(self._market, None)
                if nxt is not None and nxt[0] < now:
                    nxt = (now, nxt[1])
                self._next_market = nxt
                self.now = now
                yield now, _MARKET, market[1]
            elif heap:
                time, priority, _seq, item = heapq.heappop(heap)
                self.now = time
                yield time, priority, item
            else:
                return

    def __next__(self) -> tuple[int, int, T]:
        return next(iter(self))
