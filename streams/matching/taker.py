"""An accepted order meets the book: it takes what it may, then rests or ends."""

from __future__ import annotations

from schemas.events import DoneReason, Event, Liquidity, OrderAccepted, OrderType, Side
from streams.matching.book import L2Book
from streams.matching.market import Market, order_side
from streams.matching.orders import VirtualOrder
from streams.matching.reports import fill, opened

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
