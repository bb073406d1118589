"""Whatever amounts come in, near the wire's range or past it, every ledger output encodes,
``decide`` changes nothing, and the ledger's invariants hold."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.codec import encode
from schemas.events import (
    MAX_UNITS,
    SCALE,
    AdjustWalletSet,
    Allocation,
    CreateWalletSet,
    DeactivateWalletSet,
    DepositFunds,
    Event,
    MarketListed,
    OrderRequested,
    WithdrawFunds,
)
from streams.ledger.engine import Ledger

A, V, WS, RUN, TS = "alice", "coinbase", "ws", "run", 1_700_000_000_000_000
LISTED = MarketListed("listed", V, "BTC-USD", "BTC", "USD", 1, 1, 1, None, None, TS)

big = st.one_of(st.integers(1, MAX_UNITS), st.integers(MAX_UNITS - 10**12, MAX_UNITS + 10**12),
                st.integers(-10, 10**10))
currency = st.sampled_from(("USD", "BTC"))


@st.composite
def command(draw: st.DrawFn, n: int) -> Event:
    kind = draw(st.integers(0, 5))
    eid = f"e{n}"
    if kind == 0:
        return DepositFunds(eid, A, V, draw(currency), draw(big), TS)
    if kind == 1:
        return WithdrawFunds(eid, A, V, draw(currency), draw(big), TS)
    if kind == 2:
        return CreateWalletSet(eid, A, WS, RUN, [Allocation(V, draw(currency), draw(big))], TS)
    if kind == 3:
        sign = draw(st.sampled_from((1, -1)))
        return AdjustWalletSet(eid, A, WS, [Allocation(V, draw(currency), sign * draw(big))], TS)
    if kind == 4:
        return DeactivateWalletSet(eid, A, WS, TS)
    side = draw(st.sampled_from(("buy", "sell")))
    return OrderRequested(eid, f"o{n}", A, RUN, WS, V, "BTC-USD", side, "limit", draw(big),
                          draw(big) // SCALE * SCALE or SCALE, False, None, TS)


@st.composite
def histories(draw: st.DrawFn) -> list[Event]:
    return [draw(command(n)) for n in range(draw(st.integers(1, 25)))]


@settings(max_examples=300, deadline=None)
@given(histories())
def test_every_output_encodes_and_deciding_changes_nothing(events: list[Event]) -> None:
    ledger = Ledger()
    ledger.handle(LISTED)
    for event in events:
        before = ledger.export_state()
        outputs = ledger.decide(event)
        assert ledger.export_state() == before
        for out in outputs:
            encode(out)
        ledger.apply(event, outputs)
        assert ledger.problems() == []


@settings(max_examples=200, deadline=None)
@given(histories())
def test_handle_is_decide_then_apply(events: list[Event]) -> None:
    whole, split = Ledger(), Ledger()
    for event in [LISTED, *events, *events[:3]]:  # a few redelivered at the end
        outputs = split.decide(event)
        split.apply(event, outputs)
        assert whole.handle(event) == outputs
    assert whole.export_state() == split.export_state()
