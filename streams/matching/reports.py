"""Output events about one virtual order, with their deterministic ids."""

from __future__ import annotations

from schemas.events import MAX_UNITS, OrderDone, OrderFilled, OrderOpened
from streams.matching.orders import VirtualOrder
from streams.money import fee_for, notional


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
