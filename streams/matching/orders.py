"""Virtual orders, the resting ones of one book side in price-time priority, and the output events about
one order with their deterministic ids (described here; ``VirtualOrder.record`` applies a fill)."""

from __future__ import annotations

from bisect import bisect_left, insort
from dataclasses import asdict, dataclass
from typing import Any

from schemas.events import MAX_UNITS, OrderAccepted, OrderDone, OrderFilled, OrderOpened
from streams.money import fee_for, notional


@dataclass(slots=True, eq=False)
class VirtualOrder:
    """An accepted virtual order and what has happened to it so far."""

    order_id: str
    account: str
    run_id: str
    wallet_set_id: str
    venue: str
    pair: str
    side: str  # Side
    order_type: str  # OrderType
    price: int | None
    size: int
    post_only: bool
    seq: int  # acceptance order in this engine: the time in price-time priority
    accepted_ts: int
    deadline: int | None  # event time at which cancel_after expires it
    remaining: int
    queue_ahead: int = 0  # displayed real size ahead of it at its price
    queue_unknown: bool = False  # rested on a stale book: queue set by the next snapshot
    filled: int = 0
    value: int = 0  # sum of price * size over fills (unscaled), for the average price
    fees: int = 0
    fills: int = 0

    def record(self, fill: OrderFilled) -> None:
        """Apply one of its fills (``fill`` below describes it)."""
        self.fills = fill.fill_seq
        self.remaining -= fill.size
        self.filled += fill.size
        self.value += fill.price * fill.size
        self.fees += fill.fee

    @classmethod
    def accepted(cls, ev: OrderAccepted, seq: int) -> VirtualOrder:
        deadline = None
        if ev.cancel_after_s is not None:
            deadline = ev.ts + ev.cancel_after_s * 1_000_000
        return cls(
            order_id=ev.order_id,
            account=ev.account,
            run_id=ev.run_id,
            wallet_set_id=ev.wallet_set_id,
            venue=ev.venue,
            pair=ev.pair,
            side=ev.side,
            order_type=ev.order_type,
            price=ev.price,
            size=ev.size,
            post_only=ev.post_only,
            seq=seq,
            accepted_ts=ev.ts,
            deadline=deadline,
            remaining=ev.size,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VirtualOrder:
        return cls(**data)


class RestingSide:
    """Resting orders of one side: sorted price keys (best last) and a FIFO per price."""

    __slots__ = ("by_price", "keys", "sign")

    def __init__(self, sign: int) -> None:
        self.sign = sign  # 1 for buys (bid side), -1 for sells (ask side)
        self.keys: list[int] = []
        self.by_price: dict[int, list[VirtualOrder]] = {}

    def add(self, order: VirtualOrder) -> None:
        assert order.price is not None
        queue = self.by_price.get(order.price)
        if queue is None:
            self.by_price[order.price] = [order]
            insort(self.keys, order.price * self.sign)
        else:
            queue.append(order)

    def remove(self, order: VirtualOrder) -> None:
        assert order.price is not None
        queue = self.by_price[order.price]
        queue.remove(order)
        if not queue:
            del self.by_price[order.price]
            keys = self.keys
            del keys[bisect_left(keys, order.price * self.sign)]

    def best_price(self) -> int | None:
        return self.keys[-1] * self.sign if self.keys else None

    def prices(self) -> list[int]:
        """Prices from the best outwards (a copy: safe while removing)."""
        sign = self.sign
        return [k * sign for k in reversed(self.keys)]

    def orders(self) -> list[VirtualOrder]:
        """All resting orders in priority order."""
        return [o for p in self.prices() for o in self.by_price[p]]


# --- output events about one order -------------------------------------------------

def quote_currency(pair: str) -> str:
    """The quote of a 'BASE-QUOTE' pair (fees are charged in it)."""
    return pair.rpartition("-")[2]


def fill(
    order: VirtualOrder, price: int, size: int, level_price: int, liquidity: str, bps: int, ts: int
) -> OrderFilled | None:
    """The order's next fill, described (the order is not changed: ``VirtualOrder.record`` applies it);
    None if the fill's value, its fee or the order's fees would pass ``MAX_UNITS`` (the caller ends the
    order)."""
    value = notional(price, size)
    fee = fee_for(value, bps)
    if value > MAX_UNITS or order.fees + fee > MAX_UNITS:
        return None
    seq = order.fills + 1
    return OrderFilled(
        event_id=f"{order.order_id}:fill:{seq}",
        order_id=order.order_id,
        account=order.account,
        run_id=order.run_id,
        wallet_set_id=order.wallet_set_id,
        venue=order.venue,
        pair=order.pair,
        side=order.side,
        price=price,
        size=size,
        fee=fee,
        fee_currency=quote_currency(order.pair),
        liquidity=str(liquidity),
        level_price=level_price,
        fill_seq=seq,
        ts=ts,
    )


def opened(order: VirtualOrder, ts: int) -> OrderOpened:
    assert order.price is not None
    return OrderOpened(
        event_id=f"{order.order_id}:opened",
        order_id=order.order_id,
        account=order.account,
        run_id=order.run_id,
        wallet_set_id=order.wallet_set_id,
        venue=order.venue,
        pair=order.pair,
        side=order.side,
        price=order.price,
        size=order.size,
        remaining=order.remaining,
        queue_ahead=order.queue_ahead,
        ts=ts,
    )


def done(order: VirtualOrder, reason: str, ts: int) -> OrderDone:
    return OrderDone(
        event_id=f"{order.order_id}:done",
        order_id=order.order_id,
        account=order.account,
        run_id=order.run_id,
        wallet_set_id=order.wallet_set_id,
        venue=order.venue,
        pair=order.pair,
        side=order.side,
        reason=str(reason),
        filled_size=order.filled,
        avg_price=order.value // order.filled if order.filled else None,
        fees=order.fees,
        ts=ts,
    )
