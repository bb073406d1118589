"""Candles from trades: OHLCV per interval, closed by the first later event, never served early."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from strategies.candles import Candle, CandleBuilder
from tests.unit.strategies.kit import T0, VENUE, Harness, P, S, snapshot, tick, trade
from tests.unit.strategies.recorder import Recorder

M = 60 * S


def test_builder_makes_ohlcv_and_closes_on_a_later_trade() -> None:
    b = CandleBuilder(VENUE, "BTC-USD", 60)
    assert b.trade(100 * P, P, T0 + 1) is None
    assert b.trade(105 * P, 2 * P, T0 + 2) is None
    assert b.trade(99 * P, P, T0 + 3) is None
    assert b.trade(101 * P, P, T0 + 59 * S) is None
    closed = b.trade(110 * P, P, T0 + M)
    assert closed == Candle(VENUE, "BTC-USD", T0, T0 + M, 100 * P, 105 * P, 99 * P, 101 * P, 5 * P, 4)
    assert b.current_end == T0 + 2 * M


def test_an_interval_without_trades_makes_no_candle() -> None:
    b = CandleBuilder(VENUE, "BTC-USD", 60)
    b.trade(100 * P, P, T0)
    b.trade(120 * P, P, T0 + 3 * M + 1)
    assert [c.start_ts for c in b.closed] == [T0]


def test_candles_close_on_any_later_event_and_reach_on_candle() -> None:
    rec = Recorder(candle_interval_s=60)
    h = Harness(rec)
    h.feed(snapshot(9000, 9001, ts=T0), trade(T0 + S, 9000.5))
    assert "candle" not in rec.names()
    h.feed(tick(h.run, T0 + M))  # nothing traded, but time moved past the candle's end
    candles = [arg for name, arg in rec.calls if name == "candle"]
    assert candles == [Candle(VENUE, "BTC-USD", T0, T0 + M, 900050000000, 900050000000, 900050000000,
                              900050000000, P, 1)]


def test_history_never_serves_a_candle_ending_after_now() -> None:
    rec = Recorder(candle_interval_s=60)
    h = Harness(rec)
    h.feed(snapshot(9000, 9001, ts=T0))
    for i in range(5):
        h.feed(trade(T0 + i * M + S, 9000 + i))
    ctx = h.runtime.ctx
    assert ctx.now == T0 + 4 * M + S
    got = ctx.history("BTC-USD", 10)
    assert [c.end_ts for c in got] == [T0 + (i + 1) * M for i in range(4)]  # the open fifth is not served
    assert all(c.end_ts <= ctx.now for c in got)
    assert [c.close for c in ctx.history("BTC-USD", 2)] == [9002 * P, 9003 * P]


class LeakySource:
    """An archive that (wrongly) returns candles from the future too."""

    def __init__(self, candles: Sequence[Candle]) -> None:
        self.all = list(candles)
        self.asked: list[tuple[int, int]] = []

    def candles(self, venue: str, pair: str, interval_s: int, end_ts: int, limit: int) -> Sequence[Candle]:
        self.asked.append((end_ts, limit))
        return self.all[-limit:]


def _c(start: int) -> Candle:
    return Candle(VENUE, "BTC-USD", start, start + M, P, P, P, P, P, 1)


def test_an_archived_history_source_is_clamped_too() -> None:
    from strategies.runtime import StrategyRuntime
    from tests.unit.strategies.kit import run_spec

    past = [_c(T0 - (3 - i) * M) for i in range(3)]  # ending T0-2M, T0-M, T0
    future = [_c(T0 + 10 * M)]
    source = LeakySource(past + future)
    rec = Recorder(candle_interval_s=60)
    rt = StrategyRuntime(rec, run_spec(), history=source)
    rt.handle(snapshot(9000, 9001, ts=T0 + S))
    got = rt.ctx.history("BTC-USD", 3)
    assert got == past[1:]  # the future candle is dropped, not served
    assert source.asked == [(T0 + S, 3)]


def test_history_needs_a_candle_interval() -> None:
    h = Harness(Recorder())
    with pytest.raises(ValueError, match="candle_interval_s"):
        h.runtime.ctx.history("BTC-USD", 1)
