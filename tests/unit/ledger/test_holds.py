"""An accepted order holds its worst case: a buy its quote cost plus the highest fee, a sell its size."""

from __future__ import annotations

from schemas.events import FundsHeld, OrderAccepted, OrderRejected
from streams.ledger.engine import LedgerConfig
from streams.money import FeeSchedule
from tests.unit.ledger.kit import (
    ACCOUNT,
    RUN,
    TS,
    VENUE,
    WS,
    alloc,
    balance,
    create,
    deposit,
    funded,
    given,
    listed,
    order,
    u,
)


def test_a_buy_holds_notional_plus_the_highest_fee_in_quote() -> None:
    ledger = funded(usd="10000")
    out = ledger.handle(order("o1", "buy", "0.1", "50000"))
    hold = u("5000") + u("30")  # coinbase: max(40, 60) bps of 5000
    assert out == [
        FundsHeld(event_id="req:o1:hold", account=ACCOUNT, order_id="o1", wallet_set_id=WS,
                  venue=VENUE, currency="USD", amount=hold, ts=TS, run_id=RUN),
        OrderAccepted(event_id="req:o1:accepted", order_id="o1", account=ACCOUNT, run_id=RUN,
                      wallet_set_id=WS, venue=VENUE, pair="BTC-USD", side="buy", order_type="limit",
                      size=u("0.1"), price=u("50000"), post_only=False, cancel_after_s=None,
                      hold_currency="USD", hold_amount=hold, ts=TS),
    ]
    assert balance(ledger, "USD") == (u("10000"), u("10000") - hold, hold)


def test_a_sell_holds_its_size_in_base() -> None:
    ledger = funded(btc="2")
    out = ledger.handle(order("o1", "sell", "0.75", "50000"))
    held = out[0]
    assert isinstance(held, FundsHeld)
    assert (held.currency, held.amount) == ("BTC", u("0.75"))
    assert balance(ledger, "BTC") == (u("2"), u("1.25"), u("0.75"))
    assert balance(ledger, "USD") == (u("10000"), u("10000"), 0)


def test_a_market_buy_holds_at_its_protection_price() -> None:
    ledger = funded(usd="10000")
    out = ledger.handle(order("o1", "buy", "0.1", "51000", order_type="market"))
    accepted = out[1]
    assert isinstance(accepted, OrderAccepted)
    assert accepted.hold_amount == u("5100") + u("30.6")


def test_the_hold_rounds_down_to_the_unit() -> None:
    ledger = funded(usd="10000")
    out = ledger.handle(order("o1", "buy", "0.001", "12345.67"))
    held = out[0]
    assert isinstance(held, FundsHeld)
    # 0.001 * 12345.67 = 12.34567; 60 bps of it = 0.074074020 -> 0.07407402
    assert held.amount == u("12.34567") + u("0.07407402")


def test_the_fee_schedule_comes_from_the_config() -> None:
    config = LedgerConfig(fees={VENUE: FeeSchedule(maker_bps=0, taker_bps=100)})
    ledger = given(listed(), deposit("d1", "USD", "1000"), create("c1", alloc("USD", "1000")),
                   config=config)
    held = ledger.handle(order("o1", "buy", "0.01", "10000"))[0]
    assert isinstance(held, FundsHeld) and held.amount == u("100") + u("1")


def test_holds_add_up_until_funds_run_out() -> None:
    ledger = funded(usd="10000")
    ledger.handle(order("o1", "buy", "0.1", "50000"))  # 5030
    ledger.handle(order("o2", "buy", "0.09", "50000"))  # 4527
    [rejected] = ledger.handle(order("o3", "buy", "0.01", "50000"))  # 503 > 443 left
    assert isinstance(rejected, OrderRejected) and rejected.reason == "insufficient_funds"
    assert balance(ledger, "USD") == (u("10000"), u("443"), u("9557"))


def test_a_reused_order_id_yields_nothing() -> None:
    ledger = funded(usd="10000")
    ledger.handle(order("o1", "buy", "0.1", "50000"))
    assert ledger.handle(order("o1", "buy", "0.01", "50000", event_id="another")) == []
    assert balance(ledger, "USD")[2] == u("5030")


def test_a_rejected_order_id_is_not_rejected_twice() -> None:
    ledger = funded(usd="10000")
    [rejected] = ledger.handle(order("o1", "buy", "1", "50000"))
    assert isinstance(rejected, OrderRejected)
    assert ledger.handle(order("o1", "buy", "0.01", "50000", event_id="retry")) == []
    assert balance(ledger, "USD") == (u("10000"), u("10000"), 0)


def test_a_venue_without_a_schedule_pays_the_fallback_fee() -> None:
    ledger = given(listed(venue="newex"), deposit("d1", "USD", "1000", venue="newex"),
                   create("c1", alloc("USD", "1000", venue="newex")))
    held = ledger.handle(order("o1", "buy", "0.01", "10000", venue="newex"))[0]
    assert isinstance(held, FundsHeld) and held.amount == u("100") + u("0.25")  # 25 bps
