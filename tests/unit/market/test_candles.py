"""OHLCV from hand-made trades: exact values, journal-order ties, no lookahead, duplicates once."""

from __future__ import annotations

import pytest

from schemas.events import SCALE
from streams.market.candles import Candle, candles_from_trades
from tests.unit.market.trades import MIN, T0, sample, trade


def u(x: float) -> int:
    return round(x * SCALE)


def test_one_minute_candles() -> None:
    assert candles_from_trades(sample(), "1m") == [
        Candle("v", "BTC-USD", "1m", T0, u(100), u(105), u(95), u(101), u(3.75), 4),
        Candle("v", "BTC-USD", "1m", T0 + MIN, u(102), u(103), u(102), u(103), u(4), 2),
        Candle("v", "BTC-USD", "1m", T0 + 2 * MIN, u(99), u(99), u(99), u(99), u(1.5), 1),
    ]


def test_wider_candles_fold_the_same_trades() -> None:
    expected = Candle("v", "BTC-USD", "5m", T0, u(100), u(105), u(95), u(99), u(9.25), 7)
    assert candles_from_trades(sample(), "5m") == [expected]
    assert candles_from_trades(sample(), "daily") == [Candle("v", "BTC-USD", "1d", *_tail(expected))]
    assert candles_from_trades(sample(), "highest") == candles_from_trades(sample(), "1m")


def _tail(c: Candle) -> tuple[int, ...]:
    return c.start, c.open, c.high, c.low, c.close, c.volume, c.trades


def test_received_before_leaves_out_late_trades() -> None:
    cut = T0 + 2 * MIN + 10  # trade 5 is received at T0 + 3m + 5s
    got = candles_from_trades(sample(), "1m", received_before=cut)
    assert got[1] == Candle("v", "BTC-USD", "1m", T0 + MIN, u(103), u(103), u(103), u(103), u(3), 1)
    assert candles_from_trades(sample(), "1m", received_before=T0 + 10_001_000) == [
        Candle("v", "BTC-USD", "1m", T0, u(100), u(100), u(100), u(100), u(1), 1)
    ]  # trade 2 arrives exactly then


def test_a_trade_seen_twice_counts_once() -> None:
    trades = sample()
    assert candles_from_trades([*trades, trades[1], trades[3]], "1m") == candles_from_trades(trades, "1m")


def test_books_are_kept_apart() -> None:
    trades = [
        trade(1, 0, 10.0, 1.0),
        trade(1, 1, 20.0, 1.0, pair="ETH-USD"),
        trade(2, 2, 30.0, 1.0, venue="w"),
    ]
    assert [(c.venue, c.pair, c.close) for c in candles_from_trades(trades, "1h")] == [
        ("v", "BTC-USD", u(10)),
        ("v", "ETH-USD", u(20)),
        ("w", "BTC-USD", u(30)),
    ]


def test_unknown_freq() -> None:
    with pytest.raises(ValueError, match="unknown freq '2m'"):
        candles_from_trades(sample(), "2m")
