"""Fold events into the ledger state: the decided outputs, and the facts among the inputs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from schemas.events import (
    Event,
    FundsHeld,
    HoldReleased,
    MarketListed,
    MovementKind,
    OrderAccepted,
    OrderDone,
    OrderFilled,
    OrderOpened,
    OrderRejected,
    WalletMovement,
    WalletSetCreated,
    WalletSetDeactivated,
)
from streams.ledger.errors import LedgerInvariantError
from streams.ledger.markets import MarketRules
from streams.ledger.state import EXTERNAL, HOLD, POOL, Balance, LedgerState, Order, WalletSet

_DEPOSIT = MovementKind.DEPOSIT.value


def _movement(state: LedgerState, m: WalletMovement) -> None:
    """Apply a posting's legs; all are checked first, so a bad posting changes nothing."""
    acct = state.account(m.account)
    pool, sets, legs = acct.pool, acct.wallet_sets, m.legs
    for leg in legs:  # only a debit can take a figure below zero; the outside is unbounded
        wallet, amount = leg.wallet, leg.amount
        if wallet == EXTERNAL:
            continue
        if wallet == POOL:
            now = pool.get((leg.venue, leg.currency), 0) if amount < 0 else 0
        else:
            ws = sets.get(wallet)
            if ws is None:
                raise LedgerInvariantError(f"posting {m.event_id}: no wallet set {wallet!r}")
            if amount >= 0:
                continue
            bal = ws.balances.get((leg.venue, leg.currency))
            now = 0 if bal is None else bal.hold if leg.bucket == HOLD else bal.available
        if now + amount < 0:
            raise LedgerInvariantError(
                f"posting {m.event_id} would make {wallet} {leg.venue} {leg.currency} negative")
    external = acct.external
    for leg in legs:
        key = (leg.venue, leg.currency)
        wallet = leg.wallet
        if wallet == EXTERNAL:
            external[key] = external.get(key, 0) + leg.amount
        elif wallet == POOL:
            pool[key] = pool.get(key, 0) + leg.amount
        else:
            balances = sets[wallet].balances
            bal = balances.get(key)
            if bal is None:
                bal = balances[key] = Balance()
            if leg.bucket == HOLD:
                bal.hold += leg.amount
            else:
                bal.available += leg.amount
    if m.kind == _DEPOSIT:
        for leg in legs:
            state.known.add((leg.venue, leg.currency))


def _balance(state: LedgerState, account: str, wallet_set_id: str, venue: str, currency: str
             ) -> Balance:
    ws = state.account(account).wallet_sets.get(wallet_set_id)
    if ws is None:
        raise LedgerInvariantError(f"no wallet set {wallet_set_id!r} in account {account!r}")
    bal = ws.balances.get((venue, currency))
    if bal is None:
        bal = ws.balances[(venue, currency)] = Balance()
    return bal


def _held(state: LedgerState, e: FundsHeld) -> None:
    bal = _balance(state, e.account, e.wallet_set_id, e.venue, e.currency)
    if not 0 <= e.amount <= bal.available:
        raise LedgerInvariantError(f"hold {e.event_id}: {e.amount} of {bal.available} available")
    bal.available -= e.amount
    bal.hold += e.amount


def _released(state: LedgerState, e: HoldReleased) -> None:
    bal = _balance(state, e.account, e.wallet_set_id, e.venue, e.currency)
    if not 0 <= e.amount <= bal.hold:
        raise LedgerInvariantError(f"release {e.event_id}: {e.amount} of {bal.hold} held")
    bal.hold -= e.amount
    bal.available += e.amount


def _accepted(state: LedgerState, e: OrderAccepted) -> None:
    market = state.markets[(e.venue, e.pair)]
    assert e.price is not None  # the pre-trade check requires one
    state.account(e.account).orders[e.order_id] = Order(  # positional: this is the hot path
        e.order_id, e.run_id, e.wallet_set_id, e.venue, e.pair, e.side == "buy", e.order_type,
        market.base, market.quote, e.size, e.price, e.hold_currency, e.hold_amount)


def _rejected(state: LedgerState, e: OrderRejected) -> None:
    state.account(e.account).closed.add(e.order_id, 0)


def _created(state: LedgerState, e: WalletSetCreated) -> None:
    state.account(e.account).wallet_sets[e.wallet_set_id] = WalletSet(e.wallet_set_id, e.run_id)


def _deactivated(state: LedgerState, e: WalletSetDeactivated) -> None:
    state.account(e.account).wallet_sets[e.wallet_set_id].active = False


def _listed(state: LedgerState, e: MarketListed) -> None:
    state.add_market(MarketRules.from_listing(e))


def _live(state: LedgerState, account: str, order_id: str) -> Order | None:
    acct = state.accounts.get(account)
    return acct.orders.get(order_id) if acct is not None else None


def _opened(state: LedgerState, e: OrderOpened) -> None:
    order = _live(state, e.account, e.order_id)
    if order is not None:
        order.opened = True


def _filled(state: LedgerState, e: OrderFilled) -> None:
    order = _live(state, e.account, e.order_id)
    if order is None or e.fill_seq in order.fill_seqs:
        return  # a late copy: decide emitted nothing for it
    order.filled += e.size
    order.hold_left -= order.hold_used(e)
    order.fill_seqs.add(e.fill_seq)


def _done(state: LedgerState, e: OrderDone) -> None:
    acct = state.account(e.account)
    order = acct.orders.pop(e.order_id, None)
    if order is not None:
        acct.closed.add(e.order_id, max(order.fill_seqs, default=0))


EVOLVERS: dict[type, Callable[[LedgerState, Any], None]] = {
    WalletMovement: _movement,
    FundsHeld: _held,
    HoldReleased: _released,
    OrderAccepted: _accepted,
    OrderRejected: _rejected,
    WalletSetCreated: _created,
    WalletSetDeactivated: _deactivated,
    MarketListed: _listed,
    OrderOpened: _opened,
    OrderFilled: _filled,
    OrderDone: _done,
}
"""Events that change the state; every other event (rejections, forwarded cancels) changes none."""


def evolve(state: LedgerState, event: Event) -> None:
    """Fold one event into ``state`` (in place)."""
    fn = EVOLVERS.get(type(event))
    if fn is not None:
        fn(state, event)
