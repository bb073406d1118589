"""Adjusting a wallet set tops it up from the pool or gives back to it, all or nothing."""

from __future__ import annotations

from schemas.events import CommandRejected, Event, PostingLeg, WalletMovement
from tests.unit.ledger.kit import (
    ACCOUNT,
    RUN,
    TS,
    VENUE,
    WS,
    adjust,
    alloc,
    balance,
    deactivate,
    funded,
    order,
    pool,
    u,
)


def _reason(out: list[Event]) -> str:
    [rejected] = out
    assert isinstance(rejected, CommandRejected)
    return rejected.reason


def test_a_positive_amount_tops_up_from_the_pool() -> None:
    ledger = funded(usd="10000")
    out = ledger.handle(adjust("a1", alloc("USD", "500")))
    assert out == [WalletMovement(
        event_id="a1:allocation", account=ACCOUNT, kind="allocation", cause_id="a1",
        legs=[PostingLeg("pool", "pool", VENUE, "USD", -u("500")),
              PostingLeg(WS, "available", VENUE, "USD", u("500"))], ts=TS, run_id=RUN)]
    assert balance(ledger, "USD") == (u("10500"), u("10500"), 0)
    assert pool(ledger, "USD") == u("39500")


def test_a_negative_amount_gives_back_to_the_pool() -> None:
    ledger = funded(usd="10000")
    out = ledger.handle(adjust("a1", alloc("USD", "-2500")))
    assert out == [WalletMovement(
        event_id="a1:deallocation", account=ACCOUNT, kind="deallocation", cause_id="a1",
        legs=[PostingLeg("pool", "pool", VENUE, "USD", u("2500")),
              PostingLeg(WS, "available", VENUE, "USD", -u("2500"))], ts=TS, run_id=RUN)]
    assert balance(ledger, "USD") == (u("7500"), u("7500"), 0)
    assert pool(ledger, "USD") == u("42500")


def test_mixed_signs_give_one_posting_each_way() -> None:
    ledger = funded(usd="10000", btc="2")
    out = ledger.handle(adjust("a1", alloc("USD", "100"), alloc("BTC", "-1")))
    assert [(m.event_id, m.kind) for m in out if isinstance(m, WalletMovement)] == [
        ("a1:allocation", "allocation"), ("a1:deallocation", "deallocation")]
    assert balance(ledger, "USD")[0] == u("10100")
    assert balance(ledger, "BTC")[0] == u("1")


def test_a_top_up_beyond_the_pool_rejects_the_whole_adjustment() -> None:
    ledger = funded(usd="10000", btc="2")
    out = ledger.handle(adjust("a1", alloc("BTC", "-1"), alloc("USD", "40000.01")))
    assert _reason(out) == "insufficient_funds"
    assert balance(ledger, "BTC")[0] == u("2")
    assert balance(ledger, "USD")[0] == u("10000")


def test_held_funds_cannot_be_taken_back() -> None:
    ledger = funded(usd="10000")
    ledger.handle(order("o1", "buy", "0.1", "50000"))  # holds 5000 + 30 fee
    assert balance(ledger, "USD") == (u("10000"), u("4970"), u("5030"))
    assert _reason(ledger.handle(adjust("a1", alloc("USD", "-4970.01")))) == "insufficient_funds"
    assert ledger.handle(adjust("a2", alloc("USD", "-4970")))[0].event_id == "a2:deallocation"
    assert balance(ledger, "USD") == (u("5030"), 0, u("5030"))


def test_unknown_and_inactive_sets_are_rejected() -> None:
    ledger = funded()
    assert _reason(ledger.handle(adjust("a1", alloc("USD", "1"), ws="nope"))) == "unknown_wallet_set"
    ledger.handle(deactivate("x1"))
    assert _reason(ledger.handle(adjust("a2", alloc("USD", "1")))) == "inactive_wallet_set"


def test_zero_unknown_or_repeated_amounts_are_a_bad_config() -> None:
    ledger = funded()
    assert _reason(ledger.handle(adjust("a1", alloc("USD", "0")))) == "bad_wallet_config"
    assert _reason(ledger.handle(adjust("a2", alloc("DOGE", "1")))) == "bad_wallet_config"
    assert _reason(ledger.handle(adjust("a3", alloc("USD", "1"), alloc("USD", "-1")))) == "bad_wallet_config"
    assert _reason(ledger.handle(adjust("a4"))) == "bad_wallet_config"
