"""Creating a wallet set moves every allocation from the pool, or none of them."""

from __future__ import annotations

from schemas.events import Allocation, CommandRejected, Event, PostingLeg, WalletMovement, WalletSetCreated
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
    given,
    listed,
    pool,
    u,
)


def _reason(out: list[Event]) -> str:
    [rejected] = out
    assert isinstance(rejected, CommandRejected)
    return rejected.reason


def test_create_moves_each_allocation_from_the_pool_to_available() -> None:
    ledger = given(listed(), deposit("d1", "USD", "1000"), deposit("d2", "BTC", "2"))
    out = ledger.handle(create("c1", alloc("USD", "600"), alloc("BTC", "0.5")))
    assert out == [
        WalletSetCreated(event_id="c1:created", account=ACCOUNT, wallet_set_id=WS, run_id=RUN,
                         allocations=[Allocation(VENUE, "USD", u("600")), Allocation(VENUE, "BTC", u("0.5"))],
                         ts=TS),
        WalletMovement(event_id="c1:allocation", account=ACCOUNT, kind="allocation", cause_id="c1", legs=[
            PostingLeg("pool", "pool", VENUE, "USD", -u("600")),
            PostingLeg(WS, "available", VENUE, "USD", u("600")),
            PostingLeg("pool", "pool", VENUE, "BTC", -u("0.5")),
            PostingLeg(WS, "available", VENUE, "BTC", u("0.5")),
        ], ts=TS, run_id=RUN),
    ]
    assert balance(ledger, "USD") == (u("600"), u("600"), 0)
    assert balance(ledger, "BTC") == (u("0.5"), u("0.5"), 0)
    assert (pool(ledger, "USD"), pool(ledger, "BTC")) == (u("400"), u("1.5"))
    view = ledger.wallet_set(ACCOUNT, WS)
    assert view is not None and view.active and view.run_id == RUN


def test_one_short_allocation_rejects_the_whole_set() -> None:
    ledger = given(listed(), deposit("d1", "USD", "1000"), deposit("d2", "BTC", "2"))
    out = ledger.handle(create("c1", alloc("USD", "600"), alloc("BTC", "2.1")))
    assert _reason(out) == "insufficient_funds"
    assert ledger.wallet_set(ACCOUNT, WS) is None
    assert (pool(ledger, "USD"), pool(ledger, "BTC")) == (u("1000"), u("2"))


def test_an_unknown_currency_is_a_bad_config() -> None:
    ledger = given(listed(), deposit("d1", "USD", "1000"))
    assert _reason(ledger.handle(create("c1", alloc("USD", "1"), alloc("XMR", "1")))) == "bad_wallet_config"
    assert ledger.wallet_set(ACCOUNT, WS) is None


def test_an_unknown_venue_is_a_bad_config() -> None:
    ledger = given(listed(), deposit("d1", "USD", "1000"))
    assert _reason(ledger.handle(create("c1", alloc("USD", "1", venue="mtgox")))) == "bad_wallet_config"


def test_a_listed_currency_is_known_before_any_deposit() -> None:
    ledger = given(listed())  # BTC and USD known on coinbase, but nothing deposited
    assert _reason(ledger.handle(create("c1", alloc("BTC", "1")))) == "insufficient_funds"


def test_a_non_positive_amount_is_a_bad_config() -> None:
    ledger = given(listed(), deposit("d1", "USD", "1000"))
    assert _reason(ledger.handle(create("c1", alloc("USD", "0")))) == "bad_wallet_config"
    assert _reason(ledger.handle(create("c2", alloc("USD", "-5")))) == "bad_wallet_config"


def test_the_same_currency_twice_is_a_bad_config() -> None:
    ledger = given(listed(), deposit("d1", "USD", "1000"))
    assert _reason(ledger.handle(create("c1", alloc("USD", "1"), alloc("USD", "2")))) == "bad_wallet_config"


def test_reserved_names_are_a_bad_config() -> None:
    ledger = given(listed(), deposit("d1", "USD", "1000"))
    assert _reason(ledger.handle(create("c1", alloc("USD", "1"), ws="pool"))) == "bad_wallet_config"
    assert _reason(ledger.handle(create("c2", alloc("USD", "1"), ws="external"))) == "bad_wallet_config"


def test_a_second_set_with_the_same_id_is_a_duplicate() -> None:
    ledger = given(listed(), deposit("d1", "USD", "1000"), create("c1", alloc("USD", "100")))
    out = ledger.handle(create("c2", alloc("USD", "100"), run="run-2"))
    assert out == [CommandRejected(event_id="c2:rejected", command_id="c2", account=ACCOUNT,
                                   reason="duplicate_wallet_set", detail="wallet set 'ws-1' already exists",
                                   ts=TS, run_id="run-2")]  # the run that asked hears it, not the owner
    assert balance(ledger, "USD") == (u("100"), u("100"), 0)


def test_an_empty_set_is_created_without_a_posting() -> None:
    ledger = given(listed())
    out = ledger.handle(create("c1"))
    assert out == [WalletSetCreated(event_id="c1:created", account=ACCOUNT, wallet_set_id=WS,
                                    run_id=RUN, allocations=[], ts=TS)]
    view = ledger.wallet_set(ACCOUNT, WS)
    assert view is not None and view.balances == {}


def test_wallet_sets_are_per_account() -> None:
    ledger = given(listed(), deposit("d1", "USD", "1000"), create("c1", alloc("USD", "100")),
                   deposit("d2", "USD", "50", account="bob"))
    out = ledger.handle(create("c2", alloc("USD", "50"), account="bob"))
    assert isinstance(out[0], WalletSetCreated)
    assert ledger.wallet_set("bob", WS) is not None
    assert ledger.allocated("bob") == {(VENUE, "USD"): u("50")}
