"""Live mode: the exchange's balance is compared with pool + wallet sets, never copied over it."""

from __future__ import annotations

from schemas.events import BalanceDiscrepancy
from tests.unit.ledger.kit import ACCOUNT, TS, VENUE, fill, funded, order, pool, reported, u


def test_a_matching_report_says_nothing() -> None:
    ledger = funded(usd="10000")  # 50000 USD on coinbase, 10000 of it in ws-1
    assert ledger.handle(reported("r1", "USD", "50000")) == []


def test_holds_count_as_held_on_the_exchange() -> None:
    ledger = funded(usd="10000")
    ledger.handle(order("o1", "buy", "0.1", "50000"))
    assert ledger.handle(reported("r1", "USD", "50000")) == []
    ledger.handle(fill("o1", 1, "buy", "0.1", "50000", "30"))
    assert ledger.handle(reported("r2", "USD", "44970")) == []
    assert ledger.handle(reported("r3", "BTC", "10.1")) == []


def test_a_difference_is_reported_and_nothing_overwritten() -> None:
    ledger = funded(usd="10000")
    before = ledger.total(ACCOUNT)
    out = ledger.handle(reported("r1", "USD", "49999.5"))
    assert out == [BalanceDiscrepancy(event_id="r1:discrepancy", account=ACCOUNT, venue=VENUE,
                                      currency="USD", ledger_amount=u("50000"),
                                      reported_amount=u("49999.5"), ts=TS)]
    assert ledger.total(ACCOUNT) == before
    assert pool(ledger, "USD") == u("40000")


def test_a_currency_the_ledger_never_saw_is_a_discrepancy_from_zero() -> None:
    ledger = funded()
    [diff] = ledger.handle(reported("r1", "ETH", "1"))
    assert isinstance(diff, BalanceDiscrepancy)
    assert (diff.ledger_amount, diff.reported_amount) == (0, u("1"))
