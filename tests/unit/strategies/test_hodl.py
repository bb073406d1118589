"""HODL spends the quote balance equally on its bases with market orders at the start, then holds."""

from __future__ import annotations

from schemas.events import OrderDone, OrderFilled, OrderRejected, OrderRequested
from strategies.hodl import HodlParams, HodlStrategy
from strategies.records import StrategyLogged
from streams.money import notional
from tests.unit.strategies.kit import T0, VENUE, Harness, P, S, snapshot


def _orders(out: list[object]) -> list[OrderRequested]:
    return [o for o in out if isinstance(o, OrderRequested)]


def test_buys_one_base_with_everything_at_a_protected_market_price() -> None:
    h = Harness(HodlStrategy(HodlParams(bases=("BTC",))))
    out = h.feed(snapshot(9000, 9001, ts=T0))
    assert isinstance(out[0], StrategyLogged) and "10000.00 USD for each of BTC" in out[0].message
    (order,) = _orders(out)
    # protection: ask 9001 + 50 bps = 9046.005, up to the cent; size keeps 100 bps for fees, down to 1e-5
    assert (order.side, order.order_type, order.price, order.size) == ("buy", "market", 904601000000,
                                                                        109451000)
    assert order.order_id == f"{h.run.run_id}:o1" and order.ts == T0


def test_splits_equally_and_waits_for_each_book() -> None:
    h = Harness(HodlStrategy(HodlParams(bases=("BTC", "ETH"))), pairs=("BTC-USD", "ETH-USD"))
    first = _orders(h.feed(snapshot(700, 701, ts=T0, pair="ETH-USD")))
    assert [(o.pair, o.price, o.size) for o in first] == [("ETH-USD", 70451000000, 702686000)]
    second = _orders(h.feed(snapshot(9000, 9001, ts=T0 + S)))
    assert [o.pair for o in second] == ["BTC-USD"]
    assert _orders(h.feed(snapshot(9000, 9001, ts=T0 + 2 * S, pair="BTC-USD"))) == []  # one at a time


def _done(h: Harness, order: OrderRequested, reason: str, filled: int, price: int, ts: int) -> OrderDone:
    r = h.run
    return OrderDone(f"{order.order_id}:done", order.order_id, r.account, r.run_id, r.wallet_set_id, VENUE,
                     order.pair, "buy", reason, filled, price, 0, ts)


def _fill(h: Harness, order: OrderRequested, size: int, price: int, fee: int, ts: int) -> OrderFilled:
    r = h.run
    return OrderFilled(f"{order.order_id}:fill:1", order.order_id, r.account, r.run_id, r.wallet_set_id,
                       VENUE, order.pair, "buy", price, size, fee, "USD", "taker", price, 1, ts)


def _fee(size: int, price: int) -> int:
    return notional(price, size) * 20 // 10**4  # taker, 20 bps


def test_reinvests_the_unused_reserve_then_holds_below_the_minimum_size() -> None:
    h = Harness(HodlStrategy())
    (order,) = _orders(h.feed(snapshot(9000, 9001, ts=T0)))
    h.feed(_fill(h, order, order.size, 9001 * P, _fee(order.size, 9001 * P), T0 + S))
    h.feed(_done(h, order, "filled", order.size, 9001 * P, T0 + S))
    # 10000 - 9851.68451 - 19.70336902 leaves 128.61212098 USD: 0.01407 BTC more
    (more,) = _orders(h.feed(snapshot(9000, 9001, ts=T0 + 2 * S)))
    assert (more.order_id.endswith(":o2"), more.size) == (True, 1_407_000)
    h.feed(_fill(h, more, more.size, 9001 * P, _fee(more.size, 9001 * P), T0 + 3 * S))
    h.feed(_done(h, more, "filled", more.size, 9001 * P, T0 + 3 * S))
    assert h.feed(snapshot(8000, 8001, ts=T0 + 4 * S)) == []  # 1.71 USD left: under 0.001 BTC, hold


def test_a_remainder_is_bought_with_what_is_left_of_the_share() -> None:
    h = Harness(HodlStrategy())
    (order,) = _orders(h.feed(snapshot(9000, 9001, ts=T0)))
    half = 50_000_000
    fee = _fee(half, 9001 * P)
    h.feed(_fill(h, order, half, 9001 * P, fee, T0 + S))
    h.feed(_done(h, order, "market_remainder_cancelled", half, 9001 * P, T0 + S))
    (again,) = _orders(h.feed(snapshot(9000, 9001, ts=T0 + 2 * S)))
    budget = 10_000 * P - (9001 * P * half // P + fee)
    assert again.size == budget * P * 10_000 // (904601000000 * 10_100) // 1000 * 1000
    assert again.order_id.endswith(":o2")


def test_a_rejection_stops_that_base_with_a_warning() -> None:
    h = Harness(HodlStrategy())
    (order,) = _orders(h.feed(snapshot(9000, 9001, ts=T0)))
    r = h.run
    out = h.feed(OrderRejected(f"{order.order_id}:rejected", order.order_id, r.account, r.run_id,
                               r.wallet_set_id, VENUE, "BTC-USD", "insufficient_funds", "not enough", T0 + S))
    assert [(o.level, o.message) for o in out if isinstance(o, StrategyLogged)] == [
        ("warning", "hodl: buying BTC-USD was rejected: not enough")]
    assert h.feed(snapshot(9000, 9001, ts=T0 + 2 * S)) == []
