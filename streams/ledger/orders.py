"""Decide order requests (the pre-trade check and the hold) and cancel requests (pure reads).

Range (``MAX_UNITS``, the wire's): a size, price or hold above it is ``amount_out_of_range``;
an order whose settlement would take a balance of its wallet set past it is
``balance_out_of_range`` — a buy by its size in the base, a sell by its value at its limit in
the quote (a sell filled above its limit may still bring more: settlement records what the
venue did and never refuses it).
"""

from __future__ import annotations

from schemas.events import (
    MAX_UNITS,
    CancelRejected,
    CancelRequested,
    Event,
    FundsHeld,
    OrderAccepted,
    OrderRejected,
    OrderRequested,
    OrderType,
    Side,
)
from streams.ledger.markets import MarketRules
from streams.ledger.reasons import CancelReason, OrderReason
from streams.ledger.state import LedgerState
from streams.money import fee_for, notional
from streams.money import to_decimal_str as fmt

ORDER_TYPES = frozenset(OrderType)
BUY = Side.BUY.value
SELL = Side.SELL.value
MARKET = OrderType.MARKET.value


def hold_for(is_buy: bool, size: int, price: int, max_bps: int) -> int:
    """What an order reserves: a buy its worst-case quote cost plus the highest fee, a sell its size."""
    if not is_buy:
        return size
    value = notional(price, size)
    return value + fee_for(value, max_bps)


def _reject(req: OrderRequested, reason: OrderReason, detail: str) -> list[Event]:
    return [OrderRejected(event_id=f"{req.event_id}:rejected", order_id=req.order_id,
                          account=req.account, run_id=req.run_id, wallet_set_id=req.wallet_set_id,
                          venue=req.venue, pair=req.pair, reason=reason.value, detail=detail, ts=req.ts)]


def _rule_problem(req: OrderRequested, m: MarketRules) -> tuple[OrderReason, str] | None:
    """The first market rule the order breaks, checked in a fixed order."""
    size, price = req.size, req.price
    if size <= 0:
        return OrderReason.NON_POSITIVE_SIZE, f"size must be positive, got {fmt(size)}"
    if size > MAX_UNITS:
        return OrderReason.AMOUNT_OUT_OF_RANGE, f"size {fmt(size)} is above the largest, {fmt(MAX_UNITS)}"
    if m.size_increment > 0 and size % m.size_increment:
        return OrderReason.SIZE_STEP, (
            f"size {fmt(size)} is not a multiple of {req.pair}'s size increment "
            f"{fmt(m.size_increment)}")
    if price is None:
        if req.order_type == MARKET:
            return OrderReason.MISSING_PROTECTION_PRICE, "a market order needs a protection price"
        return OrderReason.MISSING_PRICE, f"a {req.order_type} order needs a limit price"
    if price <= 0:
        return OrderReason.NON_POSITIVE_PRICE, f"price must be positive, got {fmt(price)}"
    if price > MAX_UNITS:
        return OrderReason.AMOUNT_OUT_OF_RANGE, f"price {fmt(price)} is above the largest, {fmt(MAX_UNITS)}"
    if m.price_increment > 0 and price % m.price_increment:
        return OrderReason.PRICE_PRECISION, (
            f"price {fmt(price)} is not a multiple of {req.pair}'s price increment "
            f"{fmt(m.price_increment)}")
    if size < m.min_size:
        return OrderReason.BELOW_MIN_SIZE, f"size {fmt(size)} is below the minimum {fmt(m.min_size)}"
    if m.max_size is not None and size > m.max_size:
        return OrderReason.ABOVE_MAX_SIZE, f"size {fmt(size)} is above the maximum {fmt(m.max_size)}"
    if m.min_notional is not None and notional(price, size) < m.min_notional:
        return OrderReason.BELOW_MIN_NOTIONAL, (
            f"value {fmt(notional(price, size))} {m.quote} is below the minimum "
            f"{fmt(m.min_notional)}")
    return None


def decide_order(state: LedgerState, req: OrderRequested, max_bps: int) -> list[Event]:
    """Accept (FundsHeld, OrderAccepted) or reject; a reused order id yields nothing."""
    acct = state.accounts.get(req.account)
    if acct is not None and (req.order_id in acct.orders or req.order_id in acct.closed):
        return []
    ws = acct.wallet_sets.get(req.wallet_set_id) if acct is not None else None
    if ws is None:
        return _reject(req, OrderReason.UNKNOWN_WALLET_SET, f"no wallet set {req.wallet_set_id!r}")
    if not ws.active:
        return _reject(req, OrderReason.INACTIVE_WALLET_SET,
                       f"wallet set {req.wallet_set_id!r} is deactivated")
    if ws.run_id != req.run_id:
        return _reject(req, OrderReason.RUN_MISMATCH,
                       f"wallet set {req.wallet_set_id!r} belongs to another run")
    market = state.markets.get((req.venue, req.pair))
    if market is None:
        return _reject(req, OrderReason.UNKNOWN_PAIR, f"{req.pair} is not listed on {req.venue}")
    side = req.side
    if side != BUY and side != SELL:
        return _reject(req, OrderReason.BAD_SIDE, f"side must be buy or sell, got {side!r}")
    if req.order_type not in ORDER_TYPES:
        return _reject(req, OrderReason.BAD_ORDER_TYPE, f"unknown order type {req.order_type!r}")
    problem = _rule_problem(req, market)
    if problem is not None:
        return _reject(req, *problem)
    price = req.price
    assert price is not None  # checked by _rule_problem
    is_buy = side == BUY
    currency = market.quote if is_buy else market.base
    amount = hold_for(is_buy, req.size, price, max_bps)
    if amount > MAX_UNITS:
        return _reject(req, OrderReason.AMOUNT_OUT_OF_RANGE,
                       f"the order would hold {fmt(amount)} {currency} (its value at {fmt(price)} plus "
                       f"the highest fee), above the largest amount the ledger takes, {fmt(MAX_UNITS)}; "
                       f"order a smaller size")
    balances = ws.balances
    bal = balances.get((req.venue, currency))
    available = bal.available if bal is not None else 0
    if available < amount:
        return _reject(req, OrderReason.INSUFFICIENT_FUNDS,
                       f"the order needs {fmt(amount)} {currency} on {req.venue}, "
                       f"the wallet set has {fmt(available)} available")
    # what settlement brings in must fit the balance it lands in (checked now: a fill is never refused)
    incoming, into = (req.size, market.base) if is_buy else (notional(price, req.size), market.quote)
    got = balances.get((req.venue, into))
    now = got.available + got.hold if got is not None else 0
    if now + incoming > MAX_UNITS:
        return _reject(req, OrderReason.BALANCE_OUT_OF_RANGE,
                       f"the order would bring {fmt(incoming)} {into} into a balance of {fmt(now)}, "
                       f"past the largest the ledger keeps, {fmt(MAX_UNITS)}")
    # Positional, in the records' field order: keywords cost a quarter of this function, and with
    # settlement.decide_fill's 6-7% of the ledger's per-order path (tests/unit/test_event_keywords.py).
    return [
        FundsHeld(f"{req.event_id}:hold", req.account, req.order_id, req.wallet_set_id, req.venue,
                  currency, amount, req.ts, ws.run_id),
        OrderAccepted(f"{req.event_id}:accepted", req.order_id, req.account, req.run_id,
                      req.wallet_set_id, req.venue, req.pair, side, req.order_type, req.size, price,
                      req.post_only, req.cancel_after_s, currency, amount, req.ts),
    ]


def decide_cancel(state: LedgerState, req: CancelRequested) -> list[Event]:
    """Forward the request unchanged to the venue if the order is live and the run's; else refuse."""
    acct = state.accounts.get(req.account)
    order = acct.orders.get(req.order_id) if acct is not None else None
    reason: CancelReason | None = None
    if order is None:
        closed = acct is not None and req.order_id in acct.closed
        reason = CancelReason.ORDER_CLOSED if closed else CancelReason.UNKNOWN_ORDER
    elif order.run_id != req.run_id:
        reason = CancelReason.RUN_MISMATCH
    elif order.venue != req.venue or order.pair != req.pair:
        reason = CancelReason.ORDER_MISMATCH
    if reason is None:
        return [req]
    return [CancelRejected(event_id=f"{req.event_id}:rejected", order_id=req.order_id,
                           account=req.account, run_id=req.run_id, venue=req.venue,
                           pair=req.pair, reason=reason.value, ts=req.ts)]
