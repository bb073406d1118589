"""The orders' read model: an order's state, fills, average price, fees and trail, from its messages."""

from __future__ import annotations

import pytest

from api.services import order_views
from api.services.order_views import OrdersFold
from schemas.events import (
    SCALE,
    OrderAccepted,
    OrderDone,
    OrderFilled,
    OrderOpened,
    OrderRejected,
    OrderRequested,
)

T = 1_514_764_800_000_000
V, P = "synthetic", "BTC-USD"


def request(oid: str, account: str = "a") -> OrderRequested:
    return OrderRequested(oid, oid, account, "r1", "r1:ws", V, P, "buy", "limit", 2 * SCALE, 100 * SCALE,
                          False, None, 0)


def accepted(oid: str, account: str = "a") -> OrderAccepted:
    return OrderAccepted(f"{oid}:acc", oid, account, "r1", "r1:ws", V, P, "buy", "limit", 2 * SCALE,
                         100 * SCALE, False, None, "USD", 200 * SCALE, T + 1)


def fill(oid: str, n: int, price: int, size: int) -> OrderFilled:
    return OrderFilled(f"{oid}:f{n}", oid, "a", "r1", "r1:ws", V, P, "buy", price * SCALE, size, SCALE // 10,
                       "USD", "maker", price * SCALE, n, T + 10 + n)


def test_an_order_from_request_to_done() -> None:
    fold = OrdersFold()
    fold.apply(request("o1"))
    fold.apply(accepted("o1"))
    assert fold.order("a", "o1").state == "accepted"
    fold.apply(OrderOpened("o1:open", "o1", "a", "r1", "r1:ws", V, P, "buy", 100 * SCALE, 2 * SCALE,
                           2 * SCALE, 0, T + 2))
    fold.apply(fill("o1", 1, 99, SCALE))
    fold.apply(fill("o1", 1, 99, SCALE))  # redelivered: counted once
    fold.apply(fill("o1", 2, 101, SCALE // 2))
    o = fold.order("a", "o1")
    assert o is not None and (o.state, o.open, o.filled) == ("open", True, 3 * SCALE // 2)
    assert o.avg_price == (99 * SCALE + 101 * SCALE // 2) * SCALE // (3 * SCALE // 2)
    assert o.fees == {"USD": 2 * SCALE // 10}
    fold.apply(OrderDone("o1:done", "o1", "a", "r1", "r1:ws", V, P, "buy", "cancelled", 3 * SCALE // 2, None,
                         0, T + 30))
    assert (o.state, o.reason, o.open) == ("done", "cancelled", False)
    assert (o.created_ts, o.updated_ts) == (T + 1, T + 30)  # the HTTP request itself has no time
    assert [t for _, t, _ in o.trail] == ["OrderRequested", "OrderAccepted", "OrderOpened", "OrderFilled",
                                          "OrderFilled", "OrderDone"]


def test_a_rejection_says_why_and_finished_orders_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    fold = OrdersFold()
    fold.apply(request("bad"))
    fold.apply(OrderRejected("bad:rej", "bad", "a", "r1", "r1:ws", V, P, "insufficient_funds",
                             "needs 200 USD, 5 available", T + 1))
    bad = fold.order("a", "bad")
    assert bad is not None and (bad.state, bad.reason) == ("rejected", "insufficient_funds: needs 200 USD, "
                                                                        "5 available")
    monkeypatch.setattr(order_views, "DONE_KEPT", 3)
    fold.apply(request("still-open"))
    for i in range(5):
        fold.apply(request(f"r{i}"))
        fold.apply(OrderRejected(f"r{i}:rej", f"r{i}", "a", "r1", "r1:ws", V, P, "x", "", T + 2 + i))
    assert list(fold.accounts["a"]) == ["still-open", "r2", "r3", "r4"]  # open ones stay; the 3 newest done
    fold.apply(fill("gone", 1, 1, 1))  # a report for an order no longer kept changes nothing
    assert fold.order("a", "gone") is None and fold.order("b", "o1") is None
