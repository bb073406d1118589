"""A cancel request goes on to the venue unchanged only for a live order of the asking run."""

from __future__ import annotations

from schemas.events import CancelRejected, ClockTick
from tests.unit.ledger.kit import ACCOUNT, RUN, TS, VENUE, balance, cancel, done, funded, order, u
from tests.unit.ledger.kit import fill as fill_event


def test_a_cancel_for_a_live_order_is_forwarded_unchanged() -> None:
    ledger = funded()
    ledger.handle(order("o1", "buy", "0.1", "50000"))
    request = cancel("o1")
    assert ledger.handle(request) == [request]
    assert balance(ledger, "USD")[2] == u("5030")  # the hold stays until the venue says done


def test_a_cancel_for_an_unknown_order_is_rejected() -> None:
    ledger = funded()
    assert ledger.handle(cancel("o9")) == [CancelRejected(
        event_id="cancel:o9:rejected", order_id="o9", account=ACCOUNT, run_id=RUN, venue=VENUE,
        pair="BTC-USD", reason="unknown_order", ts=TS)]


def test_a_cancel_from_another_run_is_rejected() -> None:
    ledger = funded()
    ledger.handle(order("o1", "buy", "0.1", "50000"))
    [rejected] = ledger.handle(cancel("o1", run="run-2"))
    assert isinstance(rejected, CancelRejected) and rejected.reason == "run_mismatch"


def test_a_cancel_naming_another_pair_is_rejected() -> None:
    ledger = funded()
    ledger.handle(order("o1", "buy", "0.1", "50000"))
    [rejected] = ledger.handle(cancel("o1", pair="ETH-USD"))
    assert isinstance(rejected, CancelRejected) and rejected.reason == "order_mismatch"


def test_a_cancel_for_a_done_or_rejected_order_is_rejected() -> None:
    ledger = funded()
    ledger.handle(order("o1", "buy", "0.1", "50000"))
    ledger.handle(fill_event("o1", 1, "buy", "0.1", "50000", "30"))
    ledger.handle(done("o1", "buy", "0.1"))
    ledger.handle(order("o2", "buy", "100", "50000"))  # rejected: insufficient funds
    for order_id in ("o1", "o2"):
        [rejected] = ledger.handle(cancel(order_id))
        assert isinstance(rejected, CancelRejected) and rejected.reason == "order_closed"


def test_the_venues_cancel_rejection_changes_nothing() -> None:
    ledger = funded()
    ledger.handle(order("o1", "buy", "0.1", "50000"))
    venue_says_no = CancelRejected(event_id="v:1", order_id="o1", account=ACCOUNT, run_id=RUN,
                                   venue=VENUE, pair="BTC-USD", reason="too_late", ts=TS)
    assert ledger.handle(venue_says_no) == []
    assert ledger.handle(ClockTick(event_id="t", ts=TS, key=ACCOUNT)) == []
    assert balance(ledger, "USD")[2] == u("5030")
