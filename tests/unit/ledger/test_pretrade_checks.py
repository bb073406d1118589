"""The pre-trade check: every rule an order request can break has its own reason."""

from __future__ import annotations

import pytest

from schemas.events import OrderRejected, OrderRequested
from streams.ledger.engine import LedgerConfig
from streams.ledger.markets import MarketRules
from tests.unit.ledger.kit import (
    ACCOUNT,
    RUN,
    TS,
    VENUE,
    WS,
    alloc,
    balance,
    create,
    deactivate,
    deposit,
    funded,
    given,
    listed,
    order,
    u,
)


def _reject_reason(req: OrderRequested) -> str:
    ledger = funded(usd="10000", btc="2")
    ledger.handle(listed(pair="ETH-USD", base="ETH", min_notional=None, max_size=None))
    ledger.handle(create("c2", alloc("USD", "10"), ws="ws-other", run="run-2"))
    out = ledger.handle(req)
    [rejected] = out
    assert isinstance(rejected, OrderRejected)
    assert (rejected.event_id, rejected.order_id) == (f"{req.event_id}:rejected", req.order_id)
    assert balance(ledger, "USD") == (u("10000"), u("10000"), 0)  # nothing held
    return rejected.reason


@pytest.mark.parametrize(("req", "reason"), [
    (order("o1", "buy", "0.1", "100", ws="nope"), "unknown_wallet_set"),
    (order("o1", "buy", "0.1", "100", ws="ws-other"), "run_mismatch"),
    (order("o1", "buy", "0.1", "100", pair="DOGE-USD"), "unknown_pair"),
    (order("o1", "buy", "0.1", "100", venue="bitfinex"), "unknown_pair"),
    (order("o1", "hold", "0.1", "100"), "bad_side"),
    (order("o1", "buy", "0.1", "100", order_type="stop"), "bad_order_type"),
    (order("o1", "buy", "0", "100"), "non_positive_size"),
    (order("o1", "sell", "-1", "100"), "non_positive_size"),
    (order("o1", "buy", "0.1005", "100"), "size_step"),
    (order("o1", "buy", "0.1", None, order_type="market"), "missing_protection_price"),
    (order("o1", "buy", "0.1", None), "missing_price"),
    (order("o1", "buy", "0.1", "0"), "non_positive_price"),
    (order("o1", "buy", "0.1", "100.005"), "price_precision"),
    (order("o1", "buy", "0.1", "100.005", order_type="market"), "price_precision"),
    (order("o1", "buy", "101", "1"), "above_max_size"),
    (order("o1", "buy", "0.1", "99.99"), "below_min_notional"),
    (order("o1", "buy", "0.2", "50000"), "insufficient_funds"),
    (order("o1", "sell", "2.001", "50000"), "insufficient_funds"),
])
def test_each_broken_rule_has_its_reason(req: OrderRequested, reason: str) -> None:
    assert _reject_reason(req) == reason


def test_below_min_size() -> None:
    ledger = funded()
    ledger.handle(listed(pair="LTC-USD", base="LTC", size_increment="0.01", min_size="0.1",
                         min_notional=None))
    [rejected] = ledger.handle(order("o1", "buy", "0.09", "100", pair="LTC-USD"))
    assert isinstance(rejected, OrderRejected) and rejected.reason == "below_min_size"


def test_an_inactive_wallet_set_is_checked_before_the_market() -> None:
    ledger = funded()
    ledger.handle(deactivate("x1"))
    [rejected] = ledger.handle(order("o1", "buy", "0.1", "100", pair="DOGE-USD"))
    assert isinstance(rejected, OrderRejected) and rejected.reason == "inactive_wallet_set"


def test_a_rejection_says_what_to_fix() -> None:
    ledger = funded(usd="10000")
    out = ledger.handle(order("o1", "buy", "0.2", "50000"))
    assert out == [OrderRejected(
        event_id="req:o1:rejected", order_id="o1", account=ACCOUNT, run_id=RUN, wallet_set_id=WS,
        venue=VENUE, pair="BTC-USD", reason="insufficient_funds",
        detail="the order needs 10060 USD on coinbase, the wallet set has 10000 available", ts=TS)]


def test_exactly_enough_is_enough() -> None:
    ledger = funded(usd="10060")  # 0.2 * 50000 = 10000, plus 60 bps = 60
    out = ledger.handle(order("o1", "buy", "0.2", "50000"))
    assert [type(e).__name__ for e in out] == ["FundsHeld", "OrderAccepted"]
    assert balance(ledger, "USD") == (u("10060"), 0, u("10060"))


def test_static_market_rules_from_the_config() -> None:
    rules = MarketRules(venue=VENUE, pair="BTC-USD", base="BTC", quote="USD",
                        price_increment=u("0.01"), size_increment=u("0.01"), min_size=u("0.01"))
    ledger = given(deposit("d1", "USD", "1000"), create("c1", alloc("USD", "1000")),
                   config=LedgerConfig(markets=(rules,)))
    [rejected] = ledger.handle(order("o1", "buy", "0.001", "100"))
    assert isinstance(rejected, OrderRejected) and rejected.reason == "size_step"
    assert [type(e).__name__ for e in ledger.handle(order("o2", "buy", "0.01", "100"))] == [
        "FundsHeld", "OrderAccepted"]
