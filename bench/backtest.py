"""Backtest throughput: HODL and Demo through the in-process engine on a long L2 stream, against Backtrader.

The stream is the seeded synthetic market (BTC-USD and ETH-USD, one book
update per pair every 250 ms, 25 levels a side, public trades), generated
before timing. Each strategy runs through ``replay.engine`` with the same
matching, ledger and strategy cores as the agents: figures are L2 market
events per second of wall time, without journals (the default of the CLI) and
with every inbox and output recorded and encoded (what a run archived for
parity costs).

The baseline, measured in the same run: the same strategies in Backtrader on
the same candles (1-second OHLCV bars built from the stream's trades by
``strategies.candles``), in bars per second. Backtrader is installed for this
benchmark only (``.venv/bin/pip install backtrader``); without it that part is
skipped with a message.

Run: ``.venv/bin/python bench/backtest.py [hours]`` (default 6 hours of event time).
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from replay.engine import Backtest, BacktestConfig, BacktestResult, RunSetup
from replay.sources import JournalSink, ListSource, MemoryJournal, SyntheticSource
from schemas.events import SCALE, Allocation, PublicTrade
from strategies import registry
from strategies.candles import Candle, CandleBuilder
from strategies.run import new_run

T0 = 1_514_764_800_000_000  # 2018-01-01
HOUR = 3_600_000_000
VENUE = "synthetic"
CASH = 10_000.0
RUNS = {"hodl": {"bases": "BTC,ETH"}, "demo": {"pair": "BTC-USD", "interval_s": "10"}}


def make_source(hours: float) -> ListSource:
    end = T0 + int(hours * HOUR)
    synthetic = SyntheticSource(VENUE, ("BTC", "ETH"), T0, end, step_us=250_000)
    return ListSource(tuple(synthetic.listings()), tuple(synthetic.events()))


def engine_run(source: ListSource, name: str, end: int, journal: JournalSink | None
               ) -> tuple[float, BacktestResult]:
    params = RUNS[name]
    spec = new_run(name, params, [Allocation(VENUE, "USD", int(CASH) * SCALE)], T0, end)
    setup = RunSetup(spec, registry.get(name).create(params))
    gc.collect()
    t = time.perf_counter()
    result = Backtest(BacktestConfig(T0, end), source, [setup], journal=journal).run()
    return time.perf_counter() - t, result


def candles(source: ListSource, interval_s: int = 1) -> dict[str, list[Candle]]:
    builders: dict[str, CandleBuilder] = {}
    for e in source.items:
        if isinstance(e, PublicTrade):
            b = builders.setdefault(e.pair, CandleBuilder(e.venue, e.pair, interval_s, keep=10**9))
            b.trade(e.price, e.size, e.ts)
    for b in builders.values():
        b.advance(1 << 62)
    return {pair: list(b.closed) for pair, b in sorted(builders.items())}


# --- Backtrader -------------------------------------------------------------------------


def backtrader_run(bars: dict[str, list[Candle]], name: str) -> tuple[float, int] | None:
    """(seconds, bars processed) of the same strategy in Backtrader, or None if it is not installed."""
    try:
        import backtrader as bt
        import pandas as pd
    except ImportError:
        return None

    class Hodl(bt.Strategy):  # type: ignore[misc]
        def next(self) -> None:
            for data in self.datas:
                if not self.getposition(data).size:
                    budget = self.broker.startingcash / len(self.datas) * 0.99
                    self.buy(data=data, size=budget / data.close[0])

    class Demo(bt.Strategy):  # type: ignore[misc]
        def __init__(self) -> None:
            self.open: list[Any] = []

        def next(self) -> None:
            if len(self) % 10:  # quote every 10 one-second bars, as the engine's Demo every 10 s
                return
            for order in self.open:
                self.cancel(order)
            close, size = self.data.close[0], 0.01
            self.open = [self.buy(exectype=bt.Order.Limit, price=close * (1 - 0.0005), size=size)]
            if self.position.size >= size:
                self.open.append(self.sell(exectype=bt.Order.Limit, price=close * (1 + 0.0005), size=size))

    cerebro = bt.Cerebro(stdstats=False)
    pairs = ["BTC-USD", "ETH-USD"] if name == "hodl" else ["BTC-USD"]
    n = 0
    for pair in pairs:
        rows = bars[pair]
        n += len(rows)
        frame = pd.DataFrame(
            {"open": [c.open / SCALE for c in rows], "high": [c.high / SCALE for c in rows],
             "low": [c.low / SCALE for c in rows], "close": [c.close / SCALE for c in rows],
             "volume": [c.volume / SCALE for c in rows]},
            index=pd.DatetimeIndex([datetime.fromtimestamp(c.start_ts / 1e6, UTC).replace(tzinfo=None)
                                    for c in rows]))
        cerebro.adddata(bt.feeds.PandasData(dataname=frame, timeframe=bt.TimeFrame.Seconds), name=pair)
    cerebro.broker.setcash(CASH)
    cerebro.broker.setcommission(commission=0.002)
    cerebro.addstrategy(Hodl if name == "hodl" else Demo)
    gc.collect()
    t = time.perf_counter()
    cerebro.run()
    return time.perf_counter() - t, n


# --- report -------------------------------------------------------------------------------


def best(times: int, fn: Callable[[], tuple[float, Any]]) -> tuple[float, Any]:
    runs = [fn() for _ in range(times)]
    return min(runs, key=lambda r: r[0])


def main(argv: Sequence[str]) -> None:
    hours = float(argv[1]) if len(argv) > 1 else 6.0
    end = T0 + int(hours * HOUR)
    t = time.perf_counter()
    source = make_source(hours)
    n = len(source.items)
    print(f"stream: {n:,} L2 events ({hours:g} h of BTC-USD and ETH-USD, 250 ms steps), "
          f"generated in {time.perf_counter() - t:.1f} s")
    bars = candles(source)
    n_bars = {pair: len(rows) for pair, rows in bars.items()}
    print(f"candles: 1-second bars from the stream's trades: {n_bars}")
    print()
    print(f"{'strategy':<8} {'engine events/s':>16} {'+ journals':>12} {'backtrader bars/s':>18} {'ratio':>8}"
          f"   (run: orders / fills)")
    for name in RUNS:
        dt, result = best(2, lambda name=name: engine_run(source, name, end, None))
        rate = result.market_events / dt
        dt_j, _ = engine_run(source, name, end, MemoryJournal())
        rate_j = result.market_events / dt_j
        bt_run = backtrader_run(bars, name)
        run = result.runs[0]
        if bt_run is None:
            bt_text, ratio = "skipped", "-"
        else:
            bt_rate = bt_run[1] / bt_run[0]
            bt_text, ratio = f"{bt_rate:,.0f}", f"{rate / bt_rate:.1f}x"
        print(f"{name:<8} {rate:>16,.0f} {rate_j:>12,.0f} {bt_text:>18} {ratio:>8}   "
              f"({run.orders} / {run.fills})")
    if backtrader_run({"BTC-USD": []}, "demo") is None:
        print("\nbacktrader is not installed: `.venv/bin/pip install backtrader` to measure the baseline")


if __name__ == "__main__":
    main(sys.argv)
