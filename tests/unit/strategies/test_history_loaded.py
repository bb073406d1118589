"""Archived candles journaled into a run's inbox (``HistoryLoaded``) are its lookback, never ahead of now."""

from __future__ import annotations

import json
from collections.abc import Sequence

from schemas.events import SCALE, Allocation, HistoricalCandle, HistoryLoaded, StartRun
from schemas.topics import run_wallet_set
from strategies import commands
from strategies.api import MarketRef, Strategy
from strategies.candles import Candle
from strategies.context import Context
from strategies.host import StrategyHost
from strategies.run import new_run
from strategies.runtime import StrategyRuntime
from tests.unit.replay.kit import PAIR, T0, VENUE, snapshot

M = 60_000_000  # one minute


class Lookback(Strategy):
    name = "lookback"
    candle_interval_s = 60
    history_candles = 5

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[list[int]] = []

    def markets(self, default_venue: str) -> Sequence[MarketRef]:
        return [MarketRef(VENUE, PAIR)]

    def on_start(self, ctx: Context) -> None:
        self.seen.append([c.end_ts for c in ctx.history(PAIR, 5, VENUE)])


def candle(end: int, close: int = 100) -> HistoricalCandle:
    p = close * SCALE
    return HistoricalCandle(end - M, end, p, p, p, p, SCALE, 1)


def loaded(*ends: int) -> HistoryLoaded:
    return HistoryLoaded("h1", "r", VENUE, PAIR, 60, [candle(e) for e in ends], T0 - 1)


def test_the_lookback_is_served_from_the_inbox_and_clamped_to_now() -> None:
    strategy = Lookback()
    spec = new_run("lookback", {}, [Allocation(VENUE, "USD", SCALE)], T0, None)
    runtime = StrategyRuntime(strategy, spec)
    # eight closed candles before the start, and one that a later archive would hold (ends after now)
    runtime.handle(loaded(*(T0 - k * M for k in range(8, 0, -1)), T0 + 5 * M))
    runtime.handle(snapshot(T0, [(99, 1.0)], [(101, 1.0)]))
    assert strategy.seen == [[T0 - k * M for k in range(5, 0, -1)]]


def test_a_redelivered_or_overlapping_load_counts_each_candle_once() -> None:
    strategy = Lookback()
    runtime = StrategyRuntime(strategy, new_run("lookback", {}, [], T0, None))
    runtime.handle(loaded(T0 - 3 * M, T0 - 2 * M))
    again = [candle(T0 - 2 * M, 200), candle(T0 - M)]
    runtime.handle(HistoryLoaded("h2", "r", VENUE, PAIR, 60, again, T0 - 1))
    runtime.handle(snapshot(T0, [(99, 1.0)], [(101, 1.0)]))
    assert strategy.seen == [[T0 - 3 * M, T0 - 2 * M, T0 - M]]
    closes = [c.close for c in runtime.preloaded.candles(VENUE, PAIR, 60, T0, 10)]
    assert closes == [100 * SCALE, 200 * SCALE, 100 * SCALE]  # the later load of a bucket wins


def test_the_host_takes_history_while_the_run_waits_for_its_wallet() -> None:
    host = StrategyHost(lambda cmd: Lookback())
    host.handle_keyed("r", StartRun("r:start", "r", "lookback", json.dumps({}), "paper", run_wallet_set("r"),
                                    "paper", 0, None, [], T0 - 10))
    host.handle_keyed("r", loaded(T0 - 2 * M, T0 - M))
    assert host.state("r") == "waiting"
    assert [c.end_ts for c in host.runs["r"].runtime.preloaded.candles(VENUE, PAIR, 60, T0, 9)] == [
        T0 - 2 * M, T0 - M]


class Source:
    def __init__(self, n: int) -> None:
        self.n = n
        self.asked: list[tuple[str, str, int, int, int]] = []

    def candles(self, venue: str, pair: str, interval_s: int, end_ts: int, limit: int) -> list[Candle]:
        self.asked.append((venue, pair, interval_s, end_ts, limit))
        return [Candle(venue, pair, end_ts - (k + 1) * M, end_ts - k * M, 1, 1, 1, 1, 1, 1)
                for k in range(min(self.n, limit))][::-1]


def test_start_commands_carry_the_lookback_in_bounded_chunks() -> None:
    strategy = Lookback()
    strategy.history_candles = 12_000  # type: ignore[misc]
    spec = new_run("lookback", {}, [Allocation(VENUE, "USD", SCALE)], 0, None, mode="paper")
    source = Source(11_000)
    out = commands.history(strategy, spec, source, T0)
    assert source.asked == [(VENUE, PAIR, 60, T0, 12_000)]
    assert [len(h.candles) for h in out] == [5000, 5000, 1000]
    assert len({h.event_id for h in out}) == 3
    assert out[0].candles[0].end_ts < out[-1].candles[-1].end_ts == T0
    assert commands.history(Lookback(), spec, Source(0), T0) == []
