"""Holdings over time from the ledger's events: each point as the account (or one wallet set) stood at
that time, every event once, in event-time order."""

from __future__ import annotations

from replay.ledger_history import holdings_series
from schemas.events import FundsHeld, HoldReleased, PostingLeg, WalletMovement

T = 1_514_764_800_000_000
S = 60_000_000


def move(eid: str, ts: int, *legs: tuple[str, str, str, str, int]) -> WalletMovement:
    return WalletMovement(eid, "acct", "x", eid, [PostingLeg(*leg) for leg in legs], ts)


DEPOSIT = move("d", T, ("pool", "pool", "cb", "USD", 1000), ("external", "external", "cb", "USD", -1000))
ALLOCATE = move("a", T + S, ("pool", "pool", "cb", "USD", -600), ("ws1", "available", "cb", "USD", 600))
HOLD = FundsHeld("h", "acct", "o1", "ws1", "cb", "USD", 100, T + 2 * S)
FILL = move("f", T + 3 * S, ("ws1", "hold", "cb", "USD", -100), ("ws1", "available", "cb", "BTC", 1),
            ("external", "external", "cb", "USD", 100), ("external", "external", "cb", "BTC", -1))
RELEASE = HoldReleased("r", "acct", "o1", "ws1", "cb", "USD", 0, "done", T + 3 * S)


def test_each_point_is_the_state_at_its_time() -> None:
    events = [DEPOSIT, ALLOCATE, HOLD, FILL, RELEASE]
    times = [T - S, T, T + S, T + 2 * S, T + 4 * S]
    account = holdings_series(events, times)
    assert account == [{}, {("cb", "USD"): 1000}, {("cb", "USD"): 1000}, {("cb", "USD"): 1000},
                       {("cb", "BTC"): 1, ("cb", "USD"): 900}]
    ws1 = holdings_series(events, times, "ws1")
    assert ws1[2] == {("cb", "USD"): 600}
    assert ws1[3] == {("cb", "USD"): 600}  # a hold moves funds inside the wallet set: balance unchanged
    assert ws1[4] == {("cb", "BTC"): 1, ("cb", "USD"): 500}


def test_a_resent_event_counts_once_and_time_order_wins_over_arrival() -> None:
    assert holdings_series([ALLOCATE, DEPOSIT, DEPOSIT], [T, T + S]) == [
        {("cb", "USD"): 1000}, {("cb", "USD"): 1000}]
