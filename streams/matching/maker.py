"""Resting virtual orders fill as makers: on public trades and when the real book crosses them.

Trade fills (the printed volume is shared, never reused):
- A trade fills resting orders on the side its taker hit (bids for a
  ``sell`` taker, asks for a ``buy`` taker, both sides when the venue does not
  say, buys first). One budget, the printed size, is handed out in price-time
  priority: every unit of printed volume fills at most one virtual order.
- Orders strictly better than the trade price were traded *through*: they
  fill from the budget regardless of queue, and their queue ahead drops to 0
  (the real orders at their price must have gone first).
- Orders at the trade price, queue model on: the real queue ahead of each one
  shrinks by the whole printed size; the order fills with what of the budget
  gets past its queue and the virtual orders before it:
  ``fill = min(remaining, budget - queue_ahead_before - filled_before_it_at_this_price)``.
  A virtual order never fills while an earlier one at its price still rests.
  The printed size is remembered as *pending* at that level, so the book
  update that follows (the level shrinking by the traded size) is not counted
  a second time as cancellations. Queue model off: they fill in time order.
- Trade fills price at the order's own price, level_price is that price, and
  they do not consume displayed liquidity (they took none from the book).

Book-cross fills: after a snapshot or delta, a resting buy whose price is at
or above an ask with available size (or a sell at or below a bid) fills
against it, in price-time priority, at the order's own price as maker,
regardless of queue. These do consume the crossed level (``level_price``), so
the same displayed size cannot fill another virtual order.

Level changes: a level shrinking by ``c`` first absorbs the pending traded
size there; the rest counts as cancellations spread evenly over the level, so
each order's queue ahead drops by ``queue_ahead * cancelled // size_before``
(rounded so the queue shrinks no faster than the level). Queue ahead never
exceeds the displayed size. Consumed size is worked off by every shrink and
cleared when the level disappears.
"""

from __future__ import annotations

from schemas.events import DoneReason, Event, Liquidity, PublicTrade, Side
from streams.matching.book import ASK, BID, SIGN, Touched
from streams.matching.market import BUY, Market
from streams.matching.orders import fill

SELL = Side.SELL.value  # a plain string, like market.BUY


def on_level_changes(m: Market, touched: list[Touched]) -> None:
    """Work off consumed size and move queue positions for changed levels."""
    for side, price, old, new in touched:
        consumed = m.book.consumed[side]
        used = consumed.get(price)
        if used is not None:
            if new < old:
                used = min(used - (old - new), new)
            if used > 0:
                consumed[price] = used
            else:
                del consumed[price]
        orders = m.resting[side].by_price.get(price)
        if orders is None or not m.queue_model:
            continue
        traded = m.pending[side].pop(price, 0)
        if new >= old:
            continue
        shrink = old - new
        absorbed = min(shrink, traded)
        cancelled = shrink - absorbed
        before = old - absorbed
        for order in orders:
            if order.queue_unknown:
                continue
            queue = order.queue_ahead
            if cancelled and queue:
                queue -= queue * cancelled // before
            order.queue_ahead = min(queue, new)


def requeue_unknown(m: Market) -> None:
    """Orders that rested on a stale book join behind the displayed size of the new snapshot."""
    for side in (BID, ASK):
        for order in m.resting[side].orders():
            if order.queue_unknown:
                assert order.price is not None
                order.queue_ahead = m.book.displayed(side, order.price)
                order.queue_unknown = False


def on_trade(m: Market, ev: PublicTrade, out: list[Event]) -> None:
    """Fill resting orders that a printed trade reached (see the module docstring)."""
    price = ev.price
    if ev.size <= 0 or price <= 0:
        return  # a malformed print must not fill every resting buy
    # A sell taker hits our buys, a buy taker our sells, one the venue does not name both (buys first).
    # Most prints reach none of our orders: that is seen from the best one, before any call.
    taker = ev.taker_side
    budget = ev.size
    if taker != BUY:
        buys = m.resting[BID].keys
        if buys and buys[-1] >= price:
            budget = _trade_side(m, BID, price, ev.size, budget, ev.ts, out)
    if taker != SELL:
        sells = m.resting[ASK].keys
        if sells and -sells[-1] <= price:
            _trade_side(m, ASK, price, ev.size, budget, ev.ts, out)


def _trade_side(m: Market, side: int, price: int, size: int, budget: int, ts: int, out: list[Event]) -> int:
    resting = m.resting[side]
    if not resting.keys:
        return budget
    sign = SIGN[side]
    trade_key = price * sign
    bps = m.fees.maker_bps
    for level in resting.prices():
        key = level * sign
        if key < trade_key:
            break
        orders = list(resting.by_price[level])
        if key > trade_key or not m.queue_model:
            for order in orders:
                if key > trade_key:
                    order.queue_ahead = 0
                if budget <= 0:
                    continue
                n = min(order.remaining, budget)
                filled = fill(order, level, n, level, Liquidity.MAKER, bps, ts)
                if filled is None:
                    m.finish(order, DoneReason.VALUE_OUT_OF_RANGE, ts, out)
                    continue
                order.record(filled)
                budget -= n
                out.append(filled)
                if not order.remaining:
                    m.finish(order, DoneReason.FILLED, ts, out)
            continue
        used = 0
        blocked = False
        for order in orders:
            reach = 0 if blocked else budget - order.queue_ahead - used
            order.queue_ahead = max(order.queue_ahead - size, 0)
            if reach > 0:
                n = min(order.remaining, reach)
                filled = fill(order, level, n, level, Liquidity.MAKER, bps, ts)
                if filled is None:  # ended: it takes nothing and holds no one back
                    m.finish(order, DoneReason.VALUE_OUT_OF_RANGE, ts, out)
                    continue
                order.record(filled)
                used += n
                out.append(filled)
            if order.remaining:
                blocked = True
            else:
                m.finish(order, DoneReason.FILLED, ts, out)
        budget -= used
        if level in resting.by_price:
            pending = m.pending[side]
            pending[level] = pending.get(level, 0) + size
    return budget


def cross(m: Market, ts: int, out: list[Event]) -> None:
    """Fill resting orders that the real book now crosses (buys first, then sells)."""
    book = m.book
    for side in (BID, ASK):
        resting = m.resting[side]
        opposite = 1 - side
        book_keys = book.keys[opposite]
        if not resting.keys or not book_keys:
            continue
        # Keys of the opposite side negated are keys of our side: it crosses if not worse.
        if -book_keys[-1] > resting.keys[-1]:
            continue
        _cross_side(m, side, ts, out)


def _cross_side(m: Market, side: int, ts: int, out: list[Event]) -> None:
    book = m.book
    resting = m.resting[side]
    opposite = 1 - side
    sign = SIGN[side]
    bps = m.fees.maker_bps
    for price in resting.prices():
        for order in list(resting.by_price[price]):
            ended = False
            for level, available in book.levels(opposite):
                if level * sign > price * sign:
                    break
                if available <= 0:
                    continue
                n = min(available, order.remaining)
                filled = fill(order, price, n, level, Liquidity.MAKER, bps, ts)
                if filled is None:
                    m.finish(order, DoneReason.VALUE_OUT_OF_RANGE, ts, out)
                    ended = True
                    break
                order.record(filled)
                book.consume(opposite, level, n)
                order.queue_ahead = 0
                out.append(filled)
                if not order.remaining:
                    break
            if ended:
                continue
            if order.remaining:
                return  # the crossing liquidity is used up for this and every later order
            m.finish(order, DoneReason.FILLED, ts, out)
