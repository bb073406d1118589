"""Candle backtests: six pairs, three weeks of 5-minute candles, HODL and the efficient frontier — the
in-process engine (matching against the bar-fill books) against Backtrader on the same candles.

The same work in the same units: both read the same 36,288 candles (six pairs x 6,048) and run the same
strategy; the figure is candles per second of wall time (for the engine, each candle is its four trades
and its bar-fill book, 5 events, as ``cryptick market import`` journals them). Candles are generated
before timing (a seeded random walk per pair) and handed to each side in its own fast form: the engine a
``ListSource`` of events, Backtrader ``PandasData`` feeds built outside the timing.

- HODL: the engine's ``hodl`` (one market order per pair at the first book) against a Backtrader
  strategy buying each pair once with an equal share of the cash.
- Efficient frontier: the engine's ``efficient_frontier`` (auto-confirmed, hourly recompute, sliced
  orders) against a Backtrader strategy doing the same analysis — ``analyse`` on the same closes with
  the same parameters (frontier, max Sharpe, random cloud), every hour once ``min_candles`` have closed —
  and ``order_target_percent`` to the weights. The optimiser is most of the work on both sides.

Rounds interleave the two (A B B A ...), ``--rounds`` (default 3) for HODL and 1 for the frontier; min
and median are printed. Backtrader is installed for this benchmark only (``.venv/bin/pip install
backtrader pandas``); without it the baseline is skipped with a message.

Run: ``.venv/bin/python bench/candles.py [--rounds N] [--days D]``.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from producers.barfill import BarFill
from producers.importer import Bar, ohlcv_events
from replay.engine import Backtest, BacktestConfig, RunSetup
from replay.sources import ListSource, received, unruled_listing
from schemas.events import SCALE, Allocation
from strategies import registry
from strategies.api import MarketRef
from strategies.run import new_run

T0 = 1_514_764_800_000_000  # 2018-01-01
W = 300_000_000  # 5-minute candles
VENUE = "coinbase"
BASES = {"BTC": 13000, "BCH": 2400, "LTC": 220, "ETH": 750, "ZEC": 500, "XMR": 350}
CASH = 10_000
EF_PARAMS = {"auto_confirm": "true"}


def walks(days: int) -> dict[str, list[Bar]]:
    out = {}
    for k, (base, first) in enumerate(BASES.items()):
        rng, close, bars = random.Random(100 + k), float(first), []
        for i in range(days * 288):
            open_ = close
            close = max(open_ * (1 + rng.gauss(0.00002 * (k - 2), 0.003)), 0.01)
            high = max(open_, close) * (1 + abs(rng.gauss(0, 0.0015)))
            low = min(open_, close) * (1 - abs(rng.gauss(0, 0.0015)))
            volume = rng.uniform(20, 400) * 13000 / first
            bars.append(Bar(T0 + i * W, *(round(x * SCALE) for x in (open_, high, low, close, volume))))
        out[f"{base}-USD"] = bars
    return out


def engine_source(bars: dict[str, list[Bar]]) -> ListSource:
    events = [e for pair, rows in bars.items() for e in ohlcv_events(rows, VENUE, pair, W, BarFill())]
    events.sort(key=received)  # the archive source merges books by receive time; stable within a book
    listings = tuple(unruled_listing(MarketRef(VENUE, pair), T0) for pair in sorted(bars))
    return ListSource(listings, tuple(events))  # type: ignore[arg-type]


def engine_run(source: ListSource, name: str, end: int) -> tuple[float, Any]:
    params = {"bases": ",".join(BASES)} if name == "hodl" else EF_PARAMS
    spec = new_run(name, params, [Allocation(VENUE, "USD", CASH * SCALE)], T0, end)
    setup = RunSetup(spec, registry.get(name).create(params))
    gc.collect()
    t = time.perf_counter()
    result = Backtest(BacktestConfig(T0, end, sample_us=W), source, [setup]).run()
    return time.perf_counter() - t, result.runs[0]


# --- Backtrader -------------------------------------------------------------------------


def backtrader_feeds(bars: dict[str, list[Bar]]) -> list[tuple[str, Any]] | None:
    try:
        import backtrader  # noqa: F401  (the baseline needs it, the frames do not)
        import pandas as pd
    except ImportError:
        return None
    feeds = []
    for pair, rows in bars.items():
        frame = pd.DataFrame(
            {"open": [b.open / SCALE for b in rows], "high": [b.high / SCALE for b in rows],
             "low": [b.low / SCALE for b in rows], "close": [b.close / SCALE for b in rows],
             "volume": [b.volume / SCALE for b in rows]},
            index=pd.DatetimeIndex([datetime.fromtimestamp(b.start / 1e6, UTC).replace(tzinfo=None)
                                    for b in rows]))
        feeds.append((pair, frame))
    return feeds


def backtrader_run(feeds: list[tuple[str, Any]], name: str) -> tuple[float, Any]:
    import backtrader as bt

    from strategies.efficient_frontier.analysis import analyse, resolve
    from strategies.efficient_frontier.controls import Named
    from strategies.efficient_frontier.params import EfficientFrontierParams

    p = EfficientFrontierParams()

    class Hodl(bt.Strategy):  # type: ignore[misc]
        def next(self) -> None:
            for data in self.datas:
                if not self.getposition(data).size:
                    budget = self.broker.startingcash / len(self.datas) * 0.99
                    self.buy(data=data, size=budget / data.close[0])

    class Frontier(bt.Strategy):  # type: ignore[misc]
        def next(self) -> None:
            if len(self) < p.min_candles or len(self) % (p.recompute_interval_s // p.candle_interval_s):
                return
            n = min(len(self), p.lookback)
            closes = list(zip(*(d.close.get(size=n) for d in self.datas), strict=True))
            names = [d._name.split("-")[0] for d in self.datas]
            analysis = analyse(closes, names, interval_s=p.candle_interval_s, last_ts=0,
                               max_weight=p.max_weight, risk_free_rate=p.risk_free_rate, points=p.points,
                               cloud_size=p.cloud_size, seed=p.seed)
            weights, _ = resolve(analysis, Named("max_sharpe"))
            for data, (_, w) in zip(self.datas, weights, strict=True):
                self.order_target_percent(data=data, target=w * 0.98)

    cerebro = bt.Cerebro(stdstats=False)
    for pair, frame in feeds:
        cerebro.adddata(bt.feeds.PandasData(dataname=frame, timeframe=bt.TimeFrame.Minutes, compression=5),
                        name=pair)
    cerebro.broker.setcash(CASH)
    cerebro.broker.setcommission(commission=0.006)
    cerebro.addstrategy(Hodl if name == "hodl" else Frontier)
    gc.collect()
    t = time.perf_counter()
    strategy = cerebro.run()[0]
    return time.perf_counter() - t, strategy


# --- report -------------------------------------------------------------------------------


def rounds(n: int, a: Callable[[], tuple[float, Any]], b: Callable[[], tuple[float, Any]] | None
           ) -> tuple[list[float], list[float], Any]:
    """Interleaved A B B A ... n rounds: (A's times, B's times, A's last result)."""
    ta: list[float] = []
    tb: list[float] = []
    last = None
    for i in range(n):
        order = (a, b) if i % 2 == 0 else (b, a)
        for fn in order:
            if fn is None:
                continue
            dt, res = fn()
            if fn is a:
                ta.append(dt)
                last = res
            else:
                tb.append(dt)
    return ta, tb, last


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--days", type=int, default=21)
    args = ap.parse_args()
    bars = walks(args.days)
    end = T0 + args.days * 288 * W
    n = sum(len(rows) for rows in bars.values())
    source = engine_source(bars)
    feeds = backtrader_feeds(bars)
    print(f"{n:,} candles: {len(bars)} pairs x {args.days} days of 5-minute candles "
          f"({len(source.items):,} engine events: 4 trades and a bar-fill book a candle); "
          f"{datetime.now(UTC):%Y-%m-%d}")
    print(f"{'strategy':<20} {'engine candles/s':>22} {'backtrader candles/s':>24} {'ratio (median)':>15}"
          "   (engine run: orders / fills)")
    for name, times in (("hodl", args.rounds), ("efficient_frontier", 1)):
        ta, tb, run = rounds(times, lambda name=name: engine_run(source, name, end),
                             None if feeds is None else lambda name=name: backtrader_run(feeds, name))
        ea = f"{n / statistics.median(ta):,.0f} (max {n / min(ta):,.0f})"
        if tb:
            eb = f"{n / statistics.median(tb):,.0f} (max {n / min(tb):,.0f})"
            ratio = f"{statistics.median(tb) / statistics.median(ta):.2f}x"
        else:
            eb, ratio = "skipped", "-"
        print(f"{name:<20} {ea:>22} {eb:>24} {ratio:>15}   ({run.orders} / {run.fills})")
    if feeds is None:
        print("\nbacktrader is not installed: `.venv/bin/pip install backtrader pandas` for the baseline")
    print(f"(min time = max rate; {timedelta(days=args.days)} of market time)")


if __name__ == "__main__":
    main()
