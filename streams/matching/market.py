"""One (venue, pair): the real book, our resting orders, pending trades and timers."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from schemas.events import DoneReason, Event, Side
from streams.matching.book import ASK, BID, L2Book
from streams.matching.config import MatchingConfig
from streams.matching.idwindow import IdWindow
from streams.matching.orders import RestingSide, VirtualOrder
from streams.matching.reports import done

BUY = Side.BUY.value  # a plain string: comparing to the enum member costs a slow class attribute lookup


def order_side(side: str) -> int:
    """Book side an order of ``side`` rests on (a buy rests among the bids)."""
    return BID if side == BUY else ASK


REMEMBERED_IDS = 1_000_000
"""Finished order ids and cancel request ids remembered, each (oldest forgotten first)."""


@dataclass(slots=True)
class Registry:
    """Every order the engine has seen: the resting ones, and the ids of the finished ones."""

    open: dict[str, VirtualOrder] = field(default_factory=dict)
    # Bounded: a cancel for an order finished long ago gets 'unknown_order' instead of
    # 'order_already_done', and state stays flat however long the engine runs.
    done: IdWindow = field(default_factory=lambda: IdWindow(REMEMBERED_IDS))
    cancels_seen: IdWindow = field(default_factory=lambda: IdWindow(REMEMBERED_IDS))
    next_seq: int = 1

    def knows(self, order_id: str) -> bool:
        return order_id in self.open or order_id in self.done


class Market:
    """The matching state of one book key."""

    __slots__ = ("book", "check_cross", "clock", "expiries", "fees", "pair", "pending", "queue_model",
                 "registry", "resting", "venue", "watch")

    def __init__(self, venue: str, pair: str, config: MatchingConfig, registry: Registry) -> None:
        self.venue = venue
        self.pair = pair
        self.book = L2Book(venue, pair, config.max_levels)
        self.resting = (RestingSide(1), RestingSide(-1))  # our buys (bid side), our sells
        self.watch = (self.resting[BID].by_price, self.resting[ASK].by_price)
        # Whether the real book may cross our orders, so the next delta must check (see the engine's
        # handle): set when an order rests or ends, when the book turns fresh, and while it crosses.
        self.check_cross = True
        # Printed trade size at a price where we rest, not yet seen as a shrink of that level.
        self.pending: tuple[dict[int, int], dict[int, int]] = ({}, {})
        self.expiries: list[tuple[int, int, str]] = []  # (deadline, seq, order_id) heap
        self.fees = config.fee_schedule(venue)
        self.queue_model = config.queue_model(venue)
        self.registry = registry
        # The latest event time of the book's market events and clock ticks: the time of an order or a
        # cancel that comes without one (sent over HTTP, ts 0), so it opens, fills and expires on the
        # market's clock.
        self.clock = 0

    def rest(self, order: VirtualOrder) -> None:
        self.resting[order_side(order.side)].add(order)
        self.check_cross = True
        self.registry.open[order.order_id] = order
        if order.deadline is not None:
            heapq.heappush(self.expiries, (order.deadline, order.seq, order.order_id))

    def finish(self, order: VirtualOrder, reason: str, ts: int, out: list[Event]) -> None:
        """End ``order`` (resting or not) with ``reason``."""
        if self.registry.open.pop(order.order_id, None) is not None:
            self.resting[order_side(order.side)].remove(order)
            self.check_cross = True
            pending = self.pending[order_side(order.side)]
            if order.price in pending and order.price not in self.watch[order_side(order.side)]:
                del pending[order.price]
        self.registry.done.add(order.order_id)
        out.append(done(order, reason, ts))

    def due(self, ts: int) -> list[tuple[int, int, str]]:
        """Pop the timers due at ``ts`` (deadline <= ts), earliest first."""
        heap, due = self.expiries, []
        while heap and heap[0][0] <= ts:
            due.append(heapq.heappop(heap))
        return due

    def expire(self, due: list[tuple[int, int, str]], ts: int, out: list[Event]) -> None:
        for _, seq, order_id in due:
            order = self.registry.open.get(order_id)
            if order is not None and order.seq == seq:
                self.finish(order, DoneReason.EXPIRED, ts, out)
