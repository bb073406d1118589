"""Orders and cancels become OrderRequested / CancelRequested with ids derived from the run."""

from __future__ import annotations

import pytest

from schemas.events import CancelRequested, OrderDone, OrderFilled, OrderOpened, OrderRequested
from strategies.context import Context, OpenOrder
from tests.unit.strategies.kit import T0, VENUE, Harness, P, S, snapshot
from tests.unit.strategies.recorder import Recorder


def started() -> tuple[Harness, Recorder]:
    rec = Recorder()
    h = Harness(rec)
    h.feed(snapshot(9000, 9001, ts=T0))
    return h, rec


def test_submit_order_asks_the_ledger_with_the_runs_ids() -> None:
    h, _ = started()
    ctx = h.runtime.ctx
    oid = ctx.submit_order(VENUE, "BTC-USD", "buy", P // 10, 8990 * P, cancel_after_s=30)
    run = h.run
    assert oid == f"{run.run_id}:o1"
    assert ctx.outputs == [OrderRequested(
        event_id=oid, order_id=oid, account=run.account, run_id=run.run_id,
        wallet_set_id=run.wallet_set_id, venue=VENUE, pair="BTC-USD", side="buy", order_type="limit",
        size=P // 10, price=8990 * P, post_only=False, cancel_after_s=30, ts=T0,
        principal=f"run:{run.run_id}")]
    assert ctx.open_orders() == [OpenOrder(oid, VENUE, "BTC-USD", "buy", "limit", P // 10, 8990 * P, 0,
                                           "requested", T0)]


def test_outputs_of_a_handler_are_returned_by_handle() -> None:
    h, rec = started()
    rec.on["book"] = lambda ctx: ctx.submit_order(VENUE, "BTC-USD", "sell", P, 9100 * P)
    out = h.feed(snapshot(9000, 9001, ts=T0 + S))
    assert [type(o) for o in out] == [OrderRequested]
    assert out[0].order_id == f"{h.run.run_id}:o1"  # type: ignore[union-attr]


def test_cancel_names_the_order_and_its_market() -> None:
    h, _ = started()
    ctx = h.runtime.ctx
    oid = ctx.submit_order(VENUE, "BTC-USD", "buy", P, 8000 * P)
    cid = ctx.cancel_order(oid)
    assert cid == f"{h.run.run_id}:c1"
    assert ctx.outputs[-1] == CancelRequested(cid, oid, h.run.account, h.run.run_id, VENUE, "BTC-USD", T0,
                                              principal=f"run:{h.run.run_id}")


def test_an_order_lives_until_done_and_cancelling_it_then_is_a_no_op() -> None:
    h, _ = started()
    ctx = h.runtime.ctx
    oid = ctx.submit_order(VENUE, "BTC-USD", "buy", 2 * P, 8000 * P)
    run = h.run
    h.feed(OrderOpened(f"{oid}:opened", oid, run.account, run.run_id, run.wallet_set_id, VENUE, "BTC-USD",
                       "buy", 8000 * P, 2 * P, 2 * P, 0, T0 + S))
    assert ctx.open_orders()[0].state == "open"
    h.feed(OrderFilled(f"{oid}:fill:1", oid, run.account, run.run_id, run.wallet_set_id, VENUE, "BTC-USD",
                       "buy", 8000 * P, P, 0, "USD", "maker", 8000 * P, 1, T0 + S))
    assert ctx.open_orders()[0].filled == P
    h.feed(OrderDone(f"{oid}:done", oid, run.account, run.run_id, run.wallet_set_id, VENUE, "BTC-USD",
                     "buy", "cancelled", P, 8000 * P, 0, T0 + 2 * S))
    assert ctx.open_orders() == []
    assert ctx.cancel_order(oid) is None


def test_cancelling_an_order_the_run_never_made_is_a_bug() -> None:
    h, _ = started()
    with pytest.raises(ValueError, match="not an order of run"):
        h.runtime.ctx.cancel_order("someone-else:o1")


@pytest.mark.parametrize(("side", "otype", "size", "error"), [
    ("hold", "limit", P, ValueError), ("buy", "stop", P, ValueError), ("buy", "limit", 0.5, TypeError),
])
def test_malformed_orders_fail_fast(side: str, otype: str, size: object, error: type) -> None:
    h, _ = started()
    ctx: Context = h.runtime.ctx
    with pytest.raises(error):
        ctx.submit_order(VENUE, "BTC-USD", side, size, 9000 * P, otype)  # type: ignore[arg-type]
    assert ctx.outputs == []


def test_cancel_all_cancels_each_open_order_of_a_market() -> None:
    h, _ = started()
    ctx = h.runtime.ctx
    a = ctx.submit_order(VENUE, "BTC-USD", "buy", P, 8000 * P)
    b = ctx.submit_order(VENUE, "BTC-USD", "sell", P, 9900 * P)
    ctx.outputs.clear()
    assert ctx.cancel_all(VENUE, "BTC-USD") == [f"{h.run.run_id}:c1", f"{h.run.run_id}:c2"]
    assert [o.order_id for o in ctx.outputs] == [a, b]  # type: ignore[union-attr]
