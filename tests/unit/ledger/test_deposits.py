"""Deposits and withdrawals move funds between the outside world and the unallocated pool."""

from __future__ import annotations

from schemas.events import CommandRejected, PostingLeg, WalletMovement
from tests.unit.ledger.kit import ACCOUNT, TS, VENUE, alloc, create, deposit, given, listed, pool, u, withdraw


def test_a_deposit_posts_from_external_to_the_pool() -> None:
    ledger = given()
    out = ledger.handle(deposit("d1", "USD", "1000.5"))
    assert out == [WalletMovement(
        event_id="d1:deposit", account=ACCOUNT, kind="deposit", cause_id="d1",
        legs=[PostingLeg("external", "external", VENUE, "USD", -u("1000.5")),
              PostingLeg("pool", "pool", VENUE, "USD", u("1000.5"))],
        ts=TS, run_id="")]
    assert pool(ledger, "USD") == u("1000.5")
    assert ledger.total(ACCOUNT) == {(VENUE, "USD"): u("1000.5")}


def test_deposits_accumulate_per_venue_and_currency() -> None:
    ledger = given(deposit("d1", "USD", "10"), deposit("d2", "USD", "5"),
                   deposit("d3", "USD", "7", venue="bitfinex"), deposit("d4", "BTC", "1"))
    assert ledger.unallocated(ACCOUNT) == {
        ("bitfinex", "USD"): u("7"), (VENUE, "BTC"): u("1"), (VENUE, "USD"): u("15")}
    assert ledger.unallocated(ACCOUNT, venue="bitfinex") == {("bitfinex", "USD"): u("7")}


def test_a_non_positive_deposit_is_rejected() -> None:
    ledger = given()
    out = ledger.handle(deposit("d1", "USD", "0"))
    assert out == [CommandRejected(event_id="d1:rejected", command_id="d1", account=ACCOUNT,
                                   reason="non_positive_amount", detail="a deposit must be positive, got 0",
                                   ts=TS, run_id="")]
    assert ledger.unallocated(ACCOUNT) == {}


def test_a_withdrawal_posts_from_the_pool_to_external() -> None:
    ledger = given(deposit("d1", "USD", "100"))
    out = ledger.handle(withdraw("w1", "USD", "40"))
    assert out == [WalletMovement(
        event_id="w1:withdrawal", account=ACCOUNT, kind="withdrawal", cause_id="w1",
        legs=[PostingLeg("pool", "pool", VENUE, "USD", -u("40")),
              PostingLeg("external", "external", VENUE, "USD", u("40"))],
        ts=TS, run_id="")]
    assert pool(ledger, "USD") == u("60")


def test_a_withdrawal_beyond_the_pool_is_rejected_and_changes_nothing() -> None:
    ledger = given(deposit("d1", "USD", "100"))
    [rejected] = ledger.handle(withdraw("w1", "USD", "100.00000001"))
    assert isinstance(rejected, CommandRejected)
    assert (rejected.reason, rejected.command_id) == ("insufficient_funds", "w1")
    assert pool(ledger, "USD") == u("100")


def test_a_withdrawal_cannot_take_allocated_funds() -> None:
    ledger = given(listed(), deposit("d1", "USD", "100"), create("c1", alloc("USD", "80")))
    [rejected] = ledger.handle(withdraw("w1", "USD", "50"))
    assert isinstance(rejected, CommandRejected)
    assert rejected.reason == "insufficient_funds"
    assert ledger.total(ACCOUNT) == {(VENUE, "USD"): u("100")}


def test_a_non_positive_withdrawal_is_rejected() -> None:
    ledger = given(deposit("d1", "USD", "100"))
    [rejected] = ledger.handle(withdraw("w1", "USD", "-1"))
    assert isinstance(rejected, CommandRejected)
    assert rejected.reason == "non_positive_amount"


def test_accounts_are_separate() -> None:
    ledger = given(deposit("d1", "USD", "100"), deposit("d2", "USD", "5", account="bob"))
    assert pool(ledger, "USD") == u("100")
    assert ledger.unallocated("bob") == {(VENUE, "USD"): u("5")}
    [rejected] = ledger.handle(withdraw("w1", "USD", "6", account="bob"))
    assert isinstance(rejected, CommandRejected)
    assert ledger.accounts() == [ACCOUNT, "bob"]
