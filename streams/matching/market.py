"""One (venue, pair): the real book, our resting orders, pending trades and timers; and how an accepted
order meets it (``accept``): it takes what it may, then rests or ends."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from schemas.events import DoneReason, Event, Liquidity, OrderAccepted, OrderType, Side
from streams.core import IdWindow
from streams.matching.book import ASK, BID, L2Book
from streams.matching.config import MatchingConfig
from streams.matching.orders import RestingSide, VirtualOrder, done, fill, opened

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


# --- a new order meets the book ---------------------------------------------------

TAKER_ONLY = frozenset({OrderType.MARKET.value, OrderType.IOC.value, OrderType.FOK.value})
ORDER_TYPES = frozenset(t.value for t in OrderType)
SIDES = frozenset(s.value for s in Side)
REMAINDER_REASON = {
    OrderType.MARKET.value: DoneReason.MARKET_REMAINDER_CANCELLED,
    OrderType.IOC.value: DoneReason.IOC_REMAINDER_CANCELLED,
}


def beyond(buy: bool, level_price: int, limit: int | None) -> bool:
    """Whether a level on the opposite side lies beyond the order's worst price."""
    if limit is None:
        return False
    return level_price > limit if buy else level_price < limit


def available_within(book: L2Book, side: int, buy: bool, limit: int | None, want: int) -> int:
    """Available size on ``side`` up to ``limit``, counted until ``want`` is reached."""
    total = 0
    for price, available in book.levels(side):
        if beyond(buy, price, limit) or total >= want:
            break
        total += max(available, 0)
    return total


def valid(order: VirtualOrder) -> bool:
    if order.side not in SIDES or order.order_type not in ORDER_TYPES or order.size <= 0:
        return False
    if order.price is None:
        return order.order_type == OrderType.MARKET
    return order.price > 0


def consumed_within(book: L2Book, side: int, buy: bool, limit: int | None) -> bool:
    """Whether virtual orders have consumed displayed size on ``side`` at a price within ``limit``."""
    return any(size > 0 and not beyond(buy, price, limit) for price, size in book.consumed[side].items())


def accept(m: Market, ev: OrderAccepted, out: list[Event]) -> bool:
    """Decide and apply what happens to a newly accepted order. True when it did not fill whole while
    displayed size within its limit had been consumed by earlier virtual orders (a consumed-liquidity
    refusal: the double-trade protection kept it from taking that size)."""
    registry = m.registry
    order = VirtualOrder.accepted(ev, registry.next_seq)
    registry.next_seq += 1
    ts = ev.ts
    if not valid(order):
        m.finish(order, DoneReason.CANCELLED, ts, out)
        return False
    book = m.book
    own = order_side(order.side)
    opposite = 1 - own
    buy = order.side == Side.BUY
    limit = order.price
    if book.stale:
        if order.order_type in TAKER_ONLY:
            m.finish(order, DoneReason.BOOK_STALE, ts, out)
        else:
            _rest(m, order, own, ts, out, queue_unknown=True)
        return False
    if order.post_only and available_within(book, opposite, buy, limit, 1) > 0:
        m.finish(order, DoneReason.POST_ONLY_REJECTED, ts, out)
        return False
    # before this order consumes anything itself (usually nothing is consumed: no scan)
    earlier = bool(book.consumed[opposite]) and consumed_within(book, opposite, buy, limit)
    if (
        order.order_type == OrderType.FOK
        and available_within(book, opposite, buy, limit, order.size) < order.size
    ):
        m.finish(order, DoneReason.KILLED, ts, out)
        return earlier
    bps = m.fees.taker_bps
    for price, available in book.levels(opposite):
        if beyond(buy, price, limit):
            break
        if available <= 0:
            continue
        size = min(available, order.remaining)
        filled = fill(order, price, size, price, Liquidity.TAKER, bps, ts)
        if filled is None:
            m.finish(order, DoneReason.VALUE_OUT_OF_RANGE, ts, out)
            return False
        order.record(filled)
        book.consume(opposite, price, size)
        out.append(filled)
        if not order.remaining:
            break
    if not order.remaining:
        m.finish(order, DoneReason.FILLED, ts, out)
        return False
    if order.order_type == OrderType.LIMIT:
        _rest(m, order, own, ts, out, queue_unknown=False)
    else:
        m.finish(order, REMAINDER_REASON.get(order.order_type, DoneReason.KILLED), ts, out)
    return earlier


def _rest(
    m: Market, order: VirtualOrder, own: int, ts: int, out: list[Event], *, queue_unknown: bool
) -> None:
    """Rest a limit order behind the displayed size at its price (if the queue model is on)."""
    assert order.price is not None
    if m.queue_model:
        order.queue_ahead = m.book.displayed(own, order.price)
        order.queue_unknown = queue_unknown
    m.rest(order)
    out.append(opened(order, ts))
