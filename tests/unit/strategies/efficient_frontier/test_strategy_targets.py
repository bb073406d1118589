"""Trades from holdings to target weights, in USD value: sells first, tiny gaps skipped."""

from __future__ import annotations

from strategies.efficient_frontier.targets import (
    Trade,
    deviation,
    plan_trades,
    usd_values,
    weights_of,
    within_tolerance,
)

P = 100_000_000


def test_values_and_weights_count_cash() -> None:
    prices = {"BTC": 9_000 * P, "ETH": 700 * P}
    values = usd_values({"BTC": P // 2, "ETH": 0, "USD": 5_500 * P}, prices, "USD")
    assert values == {"BTC": 4_500 * P, "ETH": 0, "USD": 5_500 * P}
    assert weights_of(values, ("BTC", "ETH", "USD")) == {"BTC": 0.45, "ETH": 0.0, "USD": 0.55}


def test_all_cash_buys_every_target_largest_first() -> None:
    trades = plan_trades({"USD": 10_000 * P}, {"BTC": 0.6, "ETH": 0.4}, "USD")
    assert trades == [Trade("BTC", "buy", 6_000 * P), Trade("ETH", "buy", 4_000 * P)]


def test_sells_come_before_buys() -> None:
    values = {"BTC": 9_000 * P, "ETH": 0, "USD": 1_000 * P}
    trades = plan_trades(values, {"BTC": 0.3, "ETH": 0.7}, "USD")
    assert trades == [Trade("BTC", "sell", 6_000 * P), Trade("ETH", "buy", 7_000 * P)]


def test_gaps_under_the_minimum_tradable_value_are_skipped() -> None:
    values = {"BTC": 5_000 * P, "ETH": 4_995 * P, "USD": 5 * P}
    trades = plan_trades(values, {"BTC": 0.5, "ETH": 0.5}, "USD", {"BTC": 9 * P, "ETH": 9 * P})
    assert trades == []


def test_tolerance_is_on_the_largest_gap_cash_included() -> None:
    current = {"BTC": 0.495, "ETH": 0.49, "USD": 0.015}
    target = {"BTC": 0.5, "ETH": 0.5, "USD": 0.0}
    assert round(deviation(current, target), 9) == 0.015
    assert not within_tolerance(current, target, 0.01)
    assert within_tolerance(current, target, 0.02)
