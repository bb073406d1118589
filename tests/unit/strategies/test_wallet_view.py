"""The run's wallet view folds the ledger's events and agrees with the ledger's own projection."""

from __future__ import annotations

from schemas.events import CreateWalletSet, DepositFunds, OrderDone, OrderFilled, OrderRequested
from strategies.wallet import WalletProjection
from streams.ledger.engine import Ledger
from streams.ledger.projections import WalletBalance
from tests.unit.strategies.kit import T0, VENUE, P, listing, run_spec


def test_projection_equals_the_ledgers_projection_through_an_order_life() -> None:
    run = run_spec(usd=10_000)
    ledger = Ledger()
    proj = WalletProjection(run.wallet_set_id)
    ws, acct = run.wallet_set_id, run.account

    def feed(event: object) -> None:
        for out in ledger.handle(event):  # type: ignore[arg-type]
            proj.apply(out)

    feed(listing())
    feed(DepositFunds("d", acct, VENUE, "USD", 10_000 * P, T0))
    feed(CreateWalletSet("c", acct, ws, run.run_id, list(run.allocations), T0))
    feed(OrderRequested("o1", "o1", acct, run.run_id, ws, VENUE, "BTC-USD", "buy", "limit", P // 2,
                        9000 * P, False, None, T0))
    mid = proj.view()
    assert mid.balances[(VENUE, "USD")] == WalletBalance(10_000 * P, 10_000 * P - 4509 * P, 4509 * P)
    feed(OrderFilled("o1:fill:1", "o1", acct, run.run_id, ws, VENUE, "BTC-USD", "buy", 9000 * P, P // 4,
                     450_000_000, "USD", "maker", 9000 * P, 1, T0))
    feed(OrderDone("o1:done", "o1", acct, run.run_id, ws, VENUE, "BTC-USD", "buy", "cancelled", P // 4,
                   9000 * P, 450_000_000, T0))
    view = proj.view()
    ledger_view = ledger.wallet_set(acct, ws)
    assert ledger_view is not None and view.balances == ledger_view.balances
    assert view.available("USD") == 10_000 * P - 2250 * P - 450_000_000
    assert view.balance("BTC", VENUE) == P // 4 and view.hold("USD") == 0
    assert view.active and view.currencies() == ["BTC", "USD"]


def test_events_of_another_wallet_set_are_ignored() -> None:
    proj = WalletProjection("mine")
    ledger = Ledger()
    ledger.handle(listing())
    ledger.handle(DepositFunds("d", "a", VENUE, "USD", 100 * P, T0))
    outs = ledger.handle(CreateWalletSet("c", "a", "theirs", "r", [], T0))
    assert [proj.apply(o) for o in outs] == [False]
    assert proj.view().balances == {}
