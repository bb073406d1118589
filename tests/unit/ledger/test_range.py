"""Every amount the ledger takes or emits fits the wire (MAX_UNITS): an amount above it is
``amount_out_of_range``; a command that would take a balance past it is ``balance_out_of_range``;
the rejection says what is there and how much room is left, and nothing changes."""

from __future__ import annotations

import dataclasses

import pytest

from schemas.codec import encode
from schemas.events import MAX_UNITS, CommandRejected, DepositFunds, Event, OrderRejected, WithdrawFunds
from streams.ledger.engine import Ledger
from streams.ledger.errors import LedgerInvariantError
from streams.money import to_decimal_str
from tests.unit.ledger.kit import (
    ACCOUNT,
    TS,
    VENUE,
    adjust,
    alloc,
    balance,
    create,
    deactivate,
    deposit,
    done,
    fill,
    given,
    listed,
    order,
    u,
)

MAX = to_decimal_str(MAX_UNITS)  # "92233720368.54775807"


def funds(ledger: Ledger) -> dict[str, object]:
    """Everything but the ids remembered (input ids, rejected order ids)."""
    data = ledger.export_state()
    del data["seen"]
    for acct in data["accounts"].values():
        del acct["closed"]
    return data


def rejected(ledger: Ledger, event: Event) -> tuple[str, str]:
    """(reason, detail) of the one rejection ``event`` gets; the funds must not change."""
    before = funds(ledger)
    [out] = ledger.handle(event)
    assert isinstance(out, (CommandRejected, OrderRejected))
    encode(out)
    assert funds(ledger) == before
    return out.reason, out.detail


def test_a_deposit_above_the_range_is_rejected() -> None:
    ledger = given()
    cmd = DepositFunds("d1", ACCOUNT, VENUE, "USD", MAX_UNITS + 1, TS)
    assert rejected(ledger, cmd) == (
        "amount_out_of_range", f"the deposit {to_decimal_str(MAX_UNITS + 1)} is above the largest "
                               f"amount the ledger takes, {MAX}")


def test_a_deposit_that_would_take_the_accounts_funds_past_the_range_is_rejected() -> None:
    ledger = given(listed(), deposit("d1", "USD", "92233720000"), create("c1", alloc("USD", "1000")))
    assert rejected(ledger, deposit("d2", "USD", "368.54775808")) == (
        "balance_out_of_range",
        f"account 'alice' (USD on {VENUE}) holds 92233720000; 368.54775808 more would pass the "
        f"largest balance the ledger keeps, {MAX} (room left: 368.54775807)")
    assert ledger.handle(deposit("d3", "USD", "368.54775807"))  # exactly the room left is fine


def test_a_withdrawal_above_the_range_is_rejected() -> None:
    ledger = given(deposit("d1", "USD", "10"))
    reason, _ = rejected(ledger, WithdrawFunds("w1", ACCOUNT, VENUE, "USD", MAX_UNITS + 1, TS))
    assert reason == "amount_out_of_range"


def test_an_allocation_above_the_range_is_rejected() -> None:
    ledger = given(listed(), deposit("d1", "USD", "10"))
    reason, detail = rejected(ledger, create("c1", alloc("USD", "92233720368.54775808")))
    assert reason == "amount_out_of_range" and "the allocation of USD on coinbase" in detail


def test_an_order_whose_hold_would_pass_the_range_is_rejected() -> None:
    ledger = given(listed(max_size=None), deposit("d1", "USD", MAX), create("c1", alloc("USD", MAX)))
    reason, detail = rejected(ledger, order("o1", "buy", "1000", "92233720.36"))
    assert reason == "amount_out_of_range"
    assert detail == (f"the order would hold 92787122682.16 USD (its value at 92233720.36 plus the "
                      f"highest fee), above the largest amount the ledger takes, {MAX}; "
                      f"order a smaller size")


def test_a_price_above_the_range_is_rejected() -> None:
    ledger = given(listed(max_size=None), deposit("d1", "USD", "100"), create("c1", alloc("USD", "100")))
    req = order("o1", "buy", "1", "1")
    reason, detail = rejected(ledger, dataclasses.replace(req, price=MAX_UNITS + 1))
    assert reason == "amount_out_of_range" and detail.startswith("price 92233720368.54775808 is above")


def test_a_buy_whose_base_would_pass_the_range_is_rejected() -> None:
    ledger = given(listed(max_size=None, min_notional=None), deposit("d1", "USD", "100"),
                   deposit("d2", "BTC", "92233720000"),
                   create("c1", alloc("USD", "100"), alloc("BTC", "92233720000")))
    reason, detail = rejected(ledger, order("o1", "buy", "1000", "0.01"))
    assert reason == "balance_out_of_range"
    assert detail == (f"the order would bring 1000 BTC into a balance of 92233720000, past the "
                      f"largest the ledger keeps, {MAX}")


def test_a_sell_whose_value_at_its_limit_would_pass_the_range_is_rejected() -> None:
    ledger = given(listed(max_size=None, min_notional=None), deposit("d1", "USD", "92233720000"),
                   deposit("d2", "BTC", "1"),
                   create("c1", alloc("USD", "92233720000"), alloc("BTC", "1")))
    reason, _ = rejected(ledger, order("o1", "sell", "1", "1000"))
    assert reason == "balance_out_of_range"


def test_proceeds_past_the_range_are_settled_and_then_cannot_be_moved() -> None:
    # a sell filled far above its limit: the venue traded, so the ledger records it ...
    ledger = given(listed(max_size=None, min_notional=None), deposit("d1", "USD", "92233720000"),
                   deposit("d2", "BTC", "1"),
                   create("c1", alloc("USD", "92233720000"), alloc("BTC", "1")),
                   order("o1", "sell", "1", "1"), fill("o1", 1, "sell", "1", "1000", "0"),
                   done("o1", "sell", "1"))
    assert balance(ledger, "USD")[1] == u("92233721000")
    assert ledger.problems() == []
    # ... and every command that would carry the balance onto the wire is refused, with a reason
    reason, detail = rejected(ledger, deactivate("x1"))
    assert reason == "balance_out_of_range" and "USD on coinbase" in detail
    assert rejected(ledger, deposit("d3", "USD", "1"))[0] == "balance_out_of_range"
    assert rejected(ledger, adjust("a1", alloc("USD", "-92233721000")))[0] == "amount_out_of_range"


def test_a_fill_whose_value_is_past_the_range_breaks_the_contract_and_changes_nothing() -> None:
    ledger = given(listed(max_size=None, min_notional=None), deposit("d2", "BTC", "1000"),
                   create("c1", alloc("BTC", "1000")), order("o1", "sell", "1000", "1"))
    before = ledger.export_state()
    with pytest.raises(LedgerInvariantError, match="value or fee is above MAX_UNITS"):
        ledger.handle(fill("o1", 1, "sell", "1000", "92233721", "0"))
    assert ledger.export_state() == before
