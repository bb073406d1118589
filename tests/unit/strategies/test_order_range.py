"""What a strategy asks for fits the wire or is refused at the context (the host then fails the run):
orders with size and price in 1..MAX_UNITS, timers and cancel_after in range, text that is valid
Unicode. Nothing out of range reaches the ledger, nor an encoder that cannot carry it."""

from __future__ import annotations

import pytest

from schemas.events import MAX_UNITS
from strategies.context import Context
from tests.unit.strategies.kit import T0, VENUE, Harness, P, snapshot
from tests.unit.strategies.recorder import Recorder


def context() -> Context:
    h = Harness(Recorder())
    h.feed(snapshot(9000, 9001, ts=T0))
    return h.runtime.ctx


@pytest.mark.parametrize(("size", "price", "what"), [
    (0, 9000 * P, "size"),
    (-P, 9000 * P, "size"),
    (MAX_UNITS + 1, 9000 * P, "size"),
    (P, 0, "price"),
    (P, -1, "price"),
    (P, MAX_UNITS + 1, "price"),
])
def test_out_of_range_size_or_price_is_refused_with_the_range(size: int, price: int, what: str) -> None:
    ctx = context()
    with pytest.raises(ValueError, match=f"{what} must be between 1 and {MAX_UNITS}"):
        ctx.submit_order(VENUE, "BTC-USD", "buy", size, price)
    assert ctx.outputs == [] and ctx.open_orders() == []


def test_the_edges_of_the_range_are_accepted() -> None:
    ctx = context()
    ctx.submit_order(VENUE, "BTC-USD", "buy", MAX_UNITS, 1)
    ctx.submit_order(VENUE, "BTC-USD", "sell", 1, MAX_UNITS)
    ctx.submit_order(VENUE, "BTC-USD", "sell", 1, None, "market")
    assert len(ctx.outputs) == 3


@pytest.mark.parametrize("cancel_after_s", [-1, MAX_UNITS + 1])
def test_an_out_of_range_cancel_after_is_refused(cancel_after_s: int) -> None:
    ctx = context()
    with pytest.raises(ValueError, match="cancel_after_s must be between 0 and"):
        ctx.submit_order(VENUE, "BTC-USD", "buy", P, P, cancel_after_s=cancel_after_s)
    assert ctx.outputs == []


@pytest.mark.parametrize("at_ts", [-1, MAX_UNITS + 1])
def test_a_timer_outside_the_wires_range_is_refused(at_ts: int) -> None:
    ctx = context()
    with pytest.raises(ValueError, match="at_ts must be event time in microseconds"):
        ctx.set_timer(at_ts)
    assert ctx.outputs == []


def test_text_the_wire_cannot_carry_is_refused_at_the_context() -> None:
    ctx = context()
    bad = "half a pair \ud800"
    with pytest.raises(ValueError, match="a log message is not valid Unicode text"):
        ctx.log(bad)
    with pytest.raises(ValueError, match="a component's data is not valid Unicode text"):
        ctx.update_component("c", {"text": bad})
    with pytest.raises(ValueError, match="a component id is not valid Unicode text"):
        ctx.declare_component(bad, "table", {})
    with pytest.raises(ValueError, match="a timer's name is not valid Unicode text"):
        ctx.set_timer(1, bad)
    assert ctx.outputs == []
    ctx.log("déjà vu ✓")  # any text that is Unicode is fine
    assert len(ctx.outputs) == 1
