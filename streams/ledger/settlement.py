"""Decide the venue's order events: fills settle against the hold, done releases the rest."""

from __future__ import annotations

from schemas.events import (
    MAX_UNITS,
    Event,
    HoldReleased,
    MovementKind,
    OrderDone,
    OrderFilled,
    OrderOpened,
    PostingLeg,
    WalletMovement,
)
from streams.ledger.errors import LedgerInvariantError
from streams.ledger.state import AVAILABLE, EXTERNAL, HOLD, Account, LedgerState, Order
from streams.money import notional

_TRADE = MovementKind.TRADE.value
_FEE = MovementKind.FEE.value


def _live_order(state: LedgerState, event: OrderFilled | OrderDone | OrderOpened
                ) -> tuple[Account, Order] | None:
    """The event's live order; None for a late copy about a closed order; raise if never seen."""
    acct = state.accounts.get(event.account)
    order = acct.orders.get(event.order_id) if acct is not None else None
    if acct is not None and order is not None:
        if order.wallet_set_id != event.wallet_set_id or order.venue != event.venue \
                or order.pair != event.pair:
            raise LedgerInvariantError(
                f"{type(event).__name__} {event.event_id} does not match order {event.order_id}")
        return acct, order
    last = acct.closed.get(event.order_id) if acct is not None else None
    if last is not None and (not isinstance(event, OrderFilled) or event.fill_seq <= last):
        return None
    raise LedgerInvariantError(
        f"{type(event).__name__} {event.event_id} for unknown order {event.order_id!r} "
        f"of account {event.account!r}")


def _check_fill(acct: Account, order: Order, fill: OrderFilled) -> int:
    """The hold the fill uses, after checking it keeps every figure whole; raise otherwise."""
    size, price, fee = fill.size, fill.price, fill.fee
    if size <= 0 or price <= 0 or fee < 0:
        raise LedgerInvariantError(f"fill {fill.event_id}: size, price must be > 0 and fee >= 0")
    if (fill.side == "buy") != order.is_buy:
        raise LedgerInvariantError(f"fill {fill.event_id}: side {fill.side} differs from the order's")
    if fill.fee_currency != order.quote:
        raise LedgerInvariantError(
            f"fill {fill.event_id}: fee in {fill.fee_currency}, the ledger settles fees in "
            f"the quote currency {order.quote}")
    if order.filled + size > order.size:
        raise LedgerInvariantError(
            f"fill {fill.event_id}: {order.filled} + {size} exceeds the order size {order.size}")
    if price > order.price if order.is_buy else price < order.price:
        raise LedgerInvariantError(f"fill {fill.event_id}: price {price} beyond the order's {order.price}")
    used = order.hold_used(fill)  # a buy's value and fee fit in its hold, so within MAX_UNITS
    if used > order.hold_left:
        raise LedgerInvariantError(
            f"fill {fill.event_id} would overdraw the hold of {order.order_id}: "
            f"needs {used}, {order.hold_left} left")
    if not order.is_buy:
        value = notional(price, size)
        if value > MAX_UNITS or fee > MAX_UNITS:  # matching ends such an order instead
            raise LedgerInvariantError(f"fill {fill.event_id}: its value or fee is above MAX_UNITS")
        bal = acct.wallet_sets[order.wallet_set_id].balances.get((order.venue, order.quote))
        if (bal.available if bal is not None else 0) + value < fee:
            raise LedgerInvariantError(f"fill {fill.event_id}: fee {fee} exceeds what the sale brings")
    return used


def decide_fill(state: LedgerState, fill: OrderFilled) -> list[Event]:
    """Settle one fill: a trade posting (hold -> outside, outside -> available) and a fee posting."""
    found = _live_order(state, fill)
    if found is None:
        return []
    acct, order = found
    if fill.fill_seq in order.fill_seqs:
        return []
    _check_fill(acct, order, fill)
    ws, v, base, quote = order.wallet_set_id, order.venue, order.base, order.quote
    size, value, fee = fill.size, notional(fill.price, fill.size), fill.fee
    if order.is_buy:
        legs = [PostingLeg(ws, HOLD, v, quote, -value), PostingLeg(EXTERNAL, EXTERNAL, v, quote, value),
                PostingLeg(EXTERNAL, EXTERNAL, v, base, -size), PostingLeg(ws, AVAILABLE, v, base, size)]
        fee_from = HOLD
    else:
        legs = [PostingLeg(ws, HOLD, v, base, -size), PostingLeg(EXTERNAL, EXTERNAL, v, base, size),
                PostingLeg(EXTERNAL, EXTERNAL, v, quote, -value),
                PostingLeg(ws, AVAILABLE, v, quote, value)]
        fee_from = AVAILABLE
    fid, account, ts = fill.event_id, fill.account, fill.ts
    # positional (event_id, account, kind, cause_id, legs, ts, run_id): keywords cost a tenth of this function
    run = order.run_id  # the wallet set's: an order is accepted only for its wallet set's run
    out: list[Event] = [WalletMovement(f"{fid}:settle", account, _TRADE, fid, legs, ts, run)]
    if fee:
        fee_legs = [PostingLeg(ws, fee_from, v, quote, -fee), PostingLeg(EXTERNAL, EXTERNAL, v, quote, fee)]
        out.append(WalletMovement(f"{fid}:fee", account, _FEE, fid, fee_legs, ts, run))
    return out


def decide_done(state: LedgerState, done: OrderDone) -> list[Event]:
    """Release what is left of the hold (nothing to emit if the fills used all of it)."""
    found = _live_order(state, done)
    if found is None:
        return []
    _acct, order = found
    if done.filled_size != order.filled:
        raise LedgerInvariantError(
            f"done {done.event_id}: venue filled {done.filled_size}, the ledger settled {order.filled}")
    if not order.hold_left:
        return []
    return [HoldReleased(event_id=f"{done.event_id}:release", account=done.account,
                         order_id=order.order_id, wallet_set_id=order.wallet_set_id,
                         venue=order.venue, currency=order.hold_currency, amount=order.hold_left,
                         reason=done.reason, ts=done.ts, run_id=order.run_id)]


def decide_opened(state: LedgerState, opened: OrderOpened) -> list[Event]:
    """Resting is news to the strategy, not to the ledger: only checks the order is known."""
    _live_order(state, opened)
    return []
