"""Fills settle against the order's hold; done releases whatever the fills did not use."""

from __future__ import annotations

import pytest

from schemas.events import HoldReleased, OrderFilled, PostingLeg, WalletMovement
from streams.ledger.errors import LedgerInvariantError
from tests.unit.ledger.kit import (
    ACCOUNT,
    RUN,
    TS,
    VENUE,
    WS,
    balance,
    done,
    fill,
    funded,
    opened,
    order,
    u,
)


def test_a_buy_fill_pays_quote_and_fee_from_the_hold_and_credits_base() -> None:
    ledger = funded(usd="10000", btc="0")
    ledger.handle(order("o1", "buy", "0.1", "50000"))  # holds 5030
    out = ledger.handle(fill("o1", 1, "buy", "0.04", "49900", "7.984", liquidity="maker"))
    assert out == [
        WalletMovement(event_id="o1:1:settle", account=ACCOUNT, kind="trade", cause_id="o1:1", legs=[
            PostingLeg(WS, "hold", VENUE, "USD", -u("1996")),
            PostingLeg("external", "external", VENUE, "USD", u("1996")),
            PostingLeg("external", "external", VENUE, "BTC", -u("0.04")),
            PostingLeg(WS, "available", VENUE, "BTC", u("0.04")),
        ], ts=TS, run_id=RUN),
        WalletMovement(event_id="o1:1:fee", account=ACCOUNT, kind="fee", cause_id="o1:1", legs=[
            PostingLeg(WS, "hold", VENUE, "USD", -u("7.984")),
            PostingLeg("external", "external", VENUE, "USD", u("7.984")),
        ], ts=TS, run_id=RUN),
    ]
    assert balance(ledger, "USD") == (u("10000") - u("2003.984"), u("4970"), u("5030") - u("2003.984"))
    assert balance(ledger, "BTC") == (u("0.04"), u("0.04"), 0)


def test_partial_buy_fills_then_done_releases_the_rest() -> None:
    ledger = funded(usd="10000", btc="0")
    ledger.handle(order("o1", "buy", "0.1", "50000"))
    ledger.handle(opened("o1", "buy", "0.1", "50000"))
    ledger.handle(fill("o1", 1, "buy", "0.04", "49900", "7.984", liquidity="maker"))
    ledger.handle(fill("o1", 2, "buy", "0.06", "50000", "18"))
    out = ledger.handle(done("o1", "buy", "0.1"))
    left = u("5030") - u("1996") - u("7.984") - u("3000") - u("18")
    assert left == u("8.016")
    assert out == [HoldReleased(event_id="o1:done:release", account=ACCOUNT, order_id="o1",
                                wallet_set_id=WS, venue=VENUE, currency="USD", amount=left,
                                reason="filled", ts=TS, run_id=RUN)]
    assert balance(ledger, "USD") == (u("10000") - u("5021.984"),) * 2 + (0,)
    assert balance(ledger, "BTC") == (u("0.1"), u("0.1"), 0)
    view = ledger.wallet_set(ACCOUNT, WS)
    assert view is not None and view.open_orders == 0


def test_a_sell_fill_gives_base_from_the_hold_and_credits_quote_less_fee() -> None:
    ledger = funded(usd="0", btc="2")
    ledger.handle(order("o2", "sell", "0.5", "50000"))
    out = ledger.handle(fill("o2", 1, "sell", "0.2", "50100", "60.12"))
    assert out == [
        WalletMovement(event_id="o2:1:settle", account=ACCOUNT, kind="trade", cause_id="o2:1", legs=[
            PostingLeg(WS, "hold", VENUE, "BTC", -u("0.2")),
            PostingLeg("external", "external", VENUE, "BTC", u("0.2")),
            PostingLeg("external", "external", VENUE, "USD", -u("10020")),
            PostingLeg(WS, "available", VENUE, "USD", u("10020")),
        ], ts=TS, run_id=RUN),
        WalletMovement(event_id="o2:1:fee", account=ACCOUNT, kind="fee", cause_id="o2:1", legs=[
            PostingLeg(WS, "available", VENUE, "USD", -u("60.12")),
            PostingLeg("external", "external", VENUE, "USD", u("60.12")),
        ], ts=TS, run_id=RUN),
    ]
    assert balance(ledger, "USD") == (u("9959.88"), u("9959.88"), 0)
    assert balance(ledger, "BTC") == (u("1.8"), u("1.5"), u("0.3"))
    [released] = ledger.handle(done("o2", "sell", "0.2", reason="cancelled"))
    assert isinstance(released, HoldReleased)
    assert (released.currency, released.amount, released.reason) == ("BTC", u("0.3"), "cancelled")
    assert balance(ledger, "BTC") == (u("1.8"), u("1.8"), 0)


def test_a_fill_without_fee_posts_no_fee() -> None:
    ledger = funded(btc="1")
    ledger.handle(order("o1", "sell", "1", "100"))
    out = ledger.handle(fill("o1", 1, "sell", "1", "100", "0"))
    assert [m.event_id for m in out] == ["o1:1:settle"]


def test_done_after_the_hold_is_used_up_releases_nothing() -> None:
    ledger = funded(btc="1")
    ledger.handle(order("o1", "sell", "1", "100"))
    ledger.handle(fill("o1", 1, "sell", "1", "100", "0.6"))
    assert ledger.handle(done("o1", "sell", "1")) == []
    assert balance(ledger, "BTC") == (0, 0, 0)


def test_done_without_fills_releases_the_whole_hold() -> None:
    ledger = funded(usd="10000")
    ledger.handle(order("o1", "buy", "0.1", "50000"))
    [released] = ledger.handle(done("o1", "buy", "0", reason="expired"))
    assert isinstance(released, HoldReleased) and released.amount == u("5030")
    assert balance(ledger, "USD") == (u("10000"), u("10000"), 0)


def test_fees_never_overdraw_a_buy_hold_at_the_worst_price() -> None:
    ledger = funded(usd="10000", btc="0")
    ledger.handle(order("o1", "buy", "0.1", "33333.33"))
    hold = u("3333.333") + u("19.999998")
    assert balance(ledger, "USD")[2] == hold
    for seq in range(1, 11):  # ten fills of 0.01 at the limit, each charged 60 bps rounded down
        ledger.handle(fill("o1", seq, "buy", "0.01", "33333.33", "1.9999998"))
    assert balance(ledger, "USD")[2] == hold - 10 * (u("333.3333") + u("1.9999998"))
    assert balance(ledger, "USD")[2] >= 0


@pytest.mark.parametrize("bad", [
    fill("o1", 1, "buy", "0.11", "50000", "0"),  # more than the order
    fill("o1", 1, "buy", "0.1", "50000.01", "0"),  # beyond the limit
    fill("o1", 1, "buy", "0.1", "50000", "30.01"),  # fee beyond the hold
    fill("o1", 1, "sell", "0.1", "50000", "0"),  # wrong side
    fill("nope", 1, "buy", "0.1", "50000", "0"),  # unknown order
    fill("o1", 1, "buy", "0.1", "50000", "30", ws="ws-2"),  # wrong wallet set
])
def test_a_fill_that_would_break_an_invariant_raises_and_changes_nothing(bad: OrderFilled) -> None:
    ledger = funded(usd="10000")
    ledger.handle(order("o1", "buy", "0.1", "50000"))
    before = ledger.export_state()
    with pytest.raises(LedgerInvariantError):
        ledger.handle(bad)
    assert ledger.export_state() == before


def test_done_that_disagrees_with_the_settled_fills_raises() -> None:
    ledger = funded(usd="10000")
    ledger.handle(order("o1", "buy", "0.1", "50000"))
    ledger.handle(fill("o1", 1, "buy", "0.04", "50000", "12"))
    with pytest.raises(LedgerInvariantError):
        ledger.handle(done("o1", "buy", "0.1"))
    with pytest.raises(LedgerInvariantError):
        ledger.handle(done("nope", "buy", "0"))
