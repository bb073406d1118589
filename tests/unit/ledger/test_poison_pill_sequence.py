"""Issue #12's sequence: three maximum deposits, a wallet set, a top-up and one large buy.

It once made a hold larger than the wire holds: the ledger changed, its outputs could not be
encoded, and a hold nobody could see stayed behind. Now each step past the range is a rejection
with a reason, every output encodes, and what the published events say is what the ledger has."""

from __future__ import annotations

from schemas.codec import decode, encode
from schemas.events import (
    MAX_UNITS,
    CommandRejected,
    Event,
    FundsHeld,
    HoldReleased,
    OrderRejected,
    WalletMovement,
)
from streams.money import to_decimal_str
from tests.unit.ledger.kit import WS, adjust, alloc, balance, create, deposit, given, listed, order

MAX = to_decimal_str(MAX_UNITS)


def published_available(events: list[Event], currency: str) -> int:
    """The wallet set's available funds as a reader of ``ledger.events`` sums them up."""
    total = 0
    for e in events:
        if isinstance(e, WalletMovement):
            total += sum(leg.amount for leg in e.legs
                         if leg.wallet == WS and leg.bucket == "available" and leg.currency == currency)
        elif isinstance(e, FundsHeld) and e.currency == currency:
            total -= e.amount
        elif isinstance(e, HoldReleased) and e.currency == currency:
            total += e.amount
    return total


def test_the_issue_sequence_is_rejected_step_by_step_and_the_events_tell_the_truth() -> None:
    ledger = given(listed(max_size=None))
    published: list[Event] = []

    def send(event: Event) -> list[Event]:
        outputs = ledger.handle(event)
        published.extend(decode(encode(o)) for o in outputs)  # what a reader of the topic gets
        return outputs

    assert [type(o) for o in send(deposit("d1", "USD", MAX))] == [WalletMovement]
    for second in ("d2", "d3"):
        [rejected] = send(deposit(second, "USD", MAX))
        assert isinstance(rejected, CommandRejected) and rejected.reason == "balance_out_of_range"
    assert len(send(create("c1", alloc("USD", MAX)))) == 2
    [top_up] = send(adjust("a1", alloc("USD", MAX)))
    assert isinstance(top_up, CommandRejected) and top_up.reason == "insufficient_funds"
    [big] = send(order("o1", "buy", "1000", "92233720.36"))
    assert isinstance(big, OrderRejected) and big.reason == "amount_out_of_range"

    assert balance(ledger, "USD") == (MAX_UNITS, MAX_UNITS, 0)
    assert published_available(published, "USD") == MAX_UNITS
    assert ledger.problems() == []
    # later orders see what the published events say is available
    fits = send(order("o2", "buy", "1", "90000000000"))
    assert [type(o).__name__ for o in fits] == ["FundsHeld", "OrderAccepted"]
    left = published_available(published, "USD")
    assert left == balance(ledger, "USD")[1] == MAX_UNITS - 90_540_000_000 * 10**8
    [later] = send(order("o3", "buy", "1", "2000000000"))
    assert isinstance(later, OrderRejected) and later.reason == "insufficient_funds"
    assert later.detail.endswith(f"the wallet set has {to_decimal_str(left)} available")
