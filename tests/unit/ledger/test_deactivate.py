"""Deactivation returns every fund to the pool; it is refused while the set has open orders.

Policy: an open order's hold is live money the venue may still trade, so the
ledger does not cancel on the user's behalf: cancel the orders (or let them
finish), then deactivate.
"""

from __future__ import annotations

from schemas.events import CommandRejected, OrderRejected, PostingLeg, WalletMovement, WalletSetDeactivated
from tests.unit.ledger.kit import (
    ACCOUNT,
    RUN,
    TS,
    VENUE,
    WS,
    deactivate,
    done,
    fill,
    funded,
    order,
    pool,
    u,
)


def test_deactivation_returns_all_funds_to_the_pool() -> None:
    ledger = funded(usd="10000", btc="2")
    out = ledger.handle(deactivate("x1"))
    assert out == [
        WalletMovement(event_id="x1:deallocation", account=ACCOUNT, kind="deallocation", cause_id="x1",
                       legs=[PostingLeg(WS, "available", VENUE, "BTC", -u("2")),
                             PostingLeg("pool", "pool", VENUE, "BTC", u("2")),
                             PostingLeg(WS, "available", VENUE, "USD", -u("10000")),
                             PostingLeg("pool", "pool", VENUE, "USD", u("10000"))], ts=TS, run_id=RUN),
        WalletSetDeactivated(event_id="x1:deactivated", account=ACCOUNT, wallet_set_id=WS, ts=TS, run_id=RUN),
    ]
    assert (pool(ledger, "USD"), pool(ledger, "BTC")) == (u("50000"), u("10"))
    view = ledger.wallet_set(ACCOUNT, WS)
    assert view is not None and not view.active
    assert ledger.allocated(ACCOUNT) == {}


def test_deactivation_is_refused_while_an_order_is_open() -> None:
    ledger = funded()
    ledger.handle(order("o1", "buy", "0.1", "50000"))
    out = ledger.handle(deactivate("x1"))
    assert out == [CommandRejected(event_id="x1:rejected", command_id="x1", account=ACCOUNT,
                                   reason="open_orders", detail="1 open order(s) must be done first: o1",
                                   ts=TS, run_id=RUN)]
    view = ledger.wallet_set(ACCOUNT, WS)
    assert view is not None and view.active and view.open_orders == 1


def test_deactivation_succeeds_once_the_orders_are_done() -> None:
    ledger = funded(usd="10000", btc="2")
    ledger.handle(order("o1", "buy", "0.1", "50000"))
    ledger.handle(fill("o1", 1, "buy", "0.1", "50000", "30"))
    ledger.handle(done("o1", "buy", "0.1"))
    out = ledger.handle(deactivate("x1"))
    assert isinstance(out[-1], WalletSetDeactivated)
    assert pool(ledger, "USD") == u("40000") + u("10000") - u("5030")
    assert pool(ledger, "BTC") == u("8") + u("2.1")


def test_an_unknown_or_already_inactive_set_is_rejected() -> None:
    ledger = funded()
    [unknown] = ledger.handle(deactivate("x1", ws="nope"))
    assert isinstance(unknown, CommandRejected) and unknown.reason == "unknown_wallet_set"
    ledger.handle(deactivate("x2"))
    [again] = ledger.handle(deactivate("x3"))
    assert isinstance(again, CommandRejected) and again.reason == "inactive_wallet_set"


def test_an_inactive_set_takes_no_orders() -> None:
    ledger = funded()
    ledger.handle(deactivate("x1"))
    [rejected] = ledger.handle(order("o1", "buy", "0.1", "50000"))
    assert isinstance(rejected, OrderRejected) and rejected.reason == "inactive_wallet_set"
