"""Read-only views: wallet sets, allocated, unallocated and total funds of an account."""

from __future__ import annotations

from streams.ledger.projections import WalletBalance, WalletSetView, by_currency
from tests.unit.ledger.kit import (
    ACCOUNT,
    RUN,
    VENUE,
    WS,
    alloc,
    create,
    deactivate,
    deposit,
    funded,
    given,
    listed,
    order,
    u,
)


def test_a_wallet_set_view_shows_balance_available_and_hold() -> None:
    ledger = funded(usd="10000", btc="2")
    ledger.handle(order("o1", "buy", "0.1", "50000"))
    assert ledger.wallet_set(ACCOUNT, WS) == WalletSetView(
        wallet_set_id=WS, run_id=RUN, active=True, open_orders=1, balances={
            (VENUE, "BTC"): WalletBalance(balance=u("2"), available=u("2"), hold=0),
            (VENUE, "USD"): WalletBalance(balance=u("10000"), available=u("4970"), hold=u("5030")),
        })


def test_unknown_sets_and_accounts_have_empty_views() -> None:
    ledger = funded()
    assert ledger.wallet_set(ACCOUNT, "nope") is None
    assert ledger.wallet_set("nobody", WS) is None
    assert ledger.wallet_sets("nobody") == []
    assert ledger.allocated("nobody") == ledger.unallocated("nobody") == ledger.total("nobody") == {}


def test_allocated_unallocated_and_total() -> None:
    ledger = given(
        listed(), listed(venue="bitfinex"),
        deposit("d1", "USD", "1000"), deposit("d2", "USD", "500", venue="bitfinex"),
        create("c1", alloc("USD", "300"), alloc("USD", "100", venue="bitfinex")),
        create("c2", alloc("USD", "200"), ws="ws-2", run="run-2"),
    )
    assert ledger.allocated(ACCOUNT) == {("bitfinex", "USD"): u("100"), (VENUE, "USD"): u("500")}
    assert ledger.unallocated(ACCOUNT) == {("bitfinex", "USD"): u("400"), (VENUE, "USD"): u("500")}
    assert ledger.unallocated(ACCOUNT, venue="bitfinex") == {("bitfinex", "USD"): u("400")}
    assert ledger.total(ACCOUNT) == {("bitfinex", "USD"): u("500"), (VENUE, "USD"): u("1000")}
    assert by_currency(ledger.total(ACCOUNT)) == {"USD": u("1500")}
    assert [v.wallet_set_id for v in ledger.wallet_sets(ACCOUNT)] == [WS, "ws-2"]


def test_a_deactivated_set_is_listed_but_no_longer_allocated() -> None:
    ledger = given(listed(), deposit("d1", "USD", "1000"), create("c1", alloc("USD", "300")))
    ledger.handle(deactivate("x1"))
    [view] = ledger.wallet_sets(ACCOUNT)
    assert not view.active
    assert view.balances == {(VENUE, "USD"): WalletBalance(0, 0, 0)}
    assert ledger.allocated(ACCOUNT) == {}
    assert ledger.total(ACCOUNT) == {(VENUE, "USD"): u("1000")}


def test_views_are_copies() -> None:
    ledger = funded()
    view = ledger.wallet_set(ACCOUNT, WS)
    assert view is not None
    view.balances.clear()
    assert ledger.wallet_set(ACCOUNT, WS) != view
