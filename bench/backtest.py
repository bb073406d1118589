"""Backtests of one market window in wall time: the in-process engine against Backtrader on the same candles,
and, as context, the engine's L2 replay of that window against Backtrader on its candles.

The window: ``hours`` (default 6) of the seeded synthetic market (BTC-USD and ETH-USD, one book update per
pair every 250 ms, 25 levels a side, public trades), generated before timing. Its candles: OHLCV bars of
``--interval`` seconds (default 1) built from the window's trades by ``strategies.candles.CandleBuilder``
(an interval without a trade has no bar). Every figure is the wall time of the whole window; events or
bars per second are printed beside it, as context only (the arms do not handle the same units).

- Same work (the headline): both sides read the same candles and run the same strategy. The engine gets
  them as ``cryptick market import`` journals an OHLCV file (per candle its four trades and the bar-fill
  book, ``producers.importer.ohlcv_events``, on an unruled listing) and runs them through
  ``replay.engine`` with the matching, ledger and strategy cores of the agents, without journals (the
  CLI's default); Backtrader gets ``PandasData`` feeds of the same bars, built before timing.
- Context: the engine on the window's L2 events (the same strategy, no journals) against the same
  Backtrader run on the candles; with ``--journals``, also the L2 run with every inbox and output
  recorded and encoded (``MemoryJournal``), against the L2 run without.

Strategies, as alike as the two models allow:

- HODL: the engine's ``hodl`` on both pairs (a market order per pair at the first book, retrying what a
  thin book left); in Backtrader, one buy per pair with an equal share of the cash (filled at the next
  bar's open). Commission 20 bps, the synthetic venue's taker fee.
- Demo: every 10 s of market time, cancel the open quotes, bid 0.01 BTC 5 bps below the best bid and, if
  holding 0.01 BTC, offer it 5 bps above the best ask (the engine's ``demo``); in Backtrader the same on
  the touch the bar-fill book shows (the close +- 5 bps), limit orders filled by the next bars' range.
  Commission 10 bps, the maker fee.

The arms are interleaved per strategy (A B C D, D C B A, ...), ``--rounds`` of them (default 5); each
prints its min and median, and each ratio is given of the mins and of the medians. Backtrader is
installed for this benchmark only (``.venv/bin/pip install backtrader``); without it the bench says so and
measures the engine alone.

Run: ``.venv/bin/python bench/backtest.py [hours] [--interval S] [--rounds N] [--journals]``.
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from candles import backtrader_feeds
from interleave import Arm, conditions, interleaved, min_median, ratios

from producers.barfill import BarFill
from producers.importer import Bar, ohlcv_events
from replay.engine import Backtest, BacktestConfig, RunSetup
from replay.sources import JournalSink, ListSource, MemoryJournal, SyntheticSource, received, unruled_listing
from schemas.events import SCALE, Allocation, PublicTrade
from strategies import registry
from strategies.api import MarketRef
from strategies.candles import CandleBuilder
from strategies.run import new_run

T0 = 1_514_764_800_000_000  # 2018-01-01
HOUR = 3_600_000_000
VENUE = "synthetic"
CASH = 10_000
RUNS = {"hodl": {"bases": "BTC,ETH"}, "demo": {"pair": "BTC-USD", "interval_s": "10"}}
DEMO_EVERY_S, DEMO_OFFSET, DEMO_SIZE = 10, 0.0005, 0.01  # the engine's Demo defaults
HALF_SPREAD = 0.0005  # the bar-fill book's touch: 10 bps apart around the close
COMMISSION = {"hodl": 0.002, "demo": 0.001}  # the synthetic venue's taker and maker fees

ENGINE_CANDLES, BACKTRADER, ENGINE_L2, ENGINE_L2_JOURNALS = (
    "engine, candles", "backtrader, candles", "engine, L2", "engine, L2 + journals")


def l2_source(hours: float) -> ListSource:
    synthetic = SyntheticSource(VENUE, ("BTC", "ETH"), T0, T0 + int(hours * HOUR), step_us=250_000)
    return ListSource(tuple(synthetic.listings()), tuple(synthetic.events()))


def window_bars(source: ListSource, interval_s: int) -> dict[str, list[Bar]]:
    """The window's candles per pair, from its trades."""
    builders: dict[str, CandleBuilder] = {}
    for e in source.items:
        if isinstance(e, PublicTrade):
            b = builders.setdefault(e.pair, CandleBuilder(e.venue, e.pair, interval_s, keep=10**9))
            b.trade(e.price, e.size, e.ts)
    for b in builders.values():
        b.advance(1 << 62)
    return {pair: [Bar(c.start_ts, c.open, c.high, c.low, c.close, c.volume) for c in b.closed]
            for pair, b in sorted(builders.items())}


def candle_source(bars: dict[str, list[Bar]], interval_s: int) -> ListSource:
    """The candles as ``cryptick market import`` journals them: four trades and a bar-fill book each."""
    width = interval_s * 1_000_000
    events = [e for pair, rows in bars.items() for e in ohlcv_events(rows, VENUE, pair, width, BarFill())]
    events.sort(key=received)  # the archive source merges books by receive time
    listings = tuple(unruled_listing(MarketRef(VENUE, pair), T0) for pair in bars)
    return ListSource(listings, tuple(events))  # type: ignore[arg-type]


def engine_run(source: ListSource, name: str, end: int, journal: JournalSink | None = None
               ) -> tuple[float, Any]:
    """(seconds, the run's result) of strategy ``name`` on ``source``."""
    params = RUNS[name]
    spec = new_run(name, params, [Allocation(VENUE, "USD", CASH * SCALE)], T0, end)
    setup = RunSetup(spec, registry.get(name).create(params))
    gc.collect()
    t = time.perf_counter()
    result = Backtest(BacktestConfig(T0, end), source, [setup], journal=journal).run()
    return time.perf_counter() - t, result.runs[0]


# --- Backtrader -------------------------------------------------------------------------


def backtrader_run(feeds: list[tuple[str, Any]], name: str, interval_s: int) -> tuple[float, Any]:
    """(seconds, the strategy, with its ``orders`` and ``fills``) of ``name`` in Backtrader."""
    import backtrader as bt

    class Counted(bt.Strategy):  # type: ignore[misc]
        def __init__(self) -> None:
            self.orders = self.fills = 0

        def notify_order(self, order: Any) -> None:
            if order.status == order.Completed:
                self.fills += 1

    class Hodl(Counted):
        def __init__(self) -> None:
            super().__init__()
            self.bought: set[str] = set()

        def next(self) -> None:
            for data in self.datas:
                if data._name not in self.bought:
                    self.bought.add(data._name)
                    self.orders += 1
                    budget = self.broker.startingcash / len(self.datas) * 0.99
                    self.buy(data=data, size=budget / data.close[0])

    class Demo(Counted):
        def __init__(self) -> None:
            super().__init__()
            self.open: list[Any] = []
            self.due = 0

        def next(self) -> None:
            now = round(self.data.datetime[0] * 86_400)  # whole seconds
            if not self.due:
                self.due = now + DEMO_EVERY_S
            if now < self.due:
                return
            while self.due <= now:
                self.due += DEMO_EVERY_S
            for order in self.open:
                self.cancel(order)
            close = self.data.close[0]
            bid, ask = close * (1 - HALF_SPREAD), close * (1 + HALF_SPREAD)
            self.open = [self.buy(exectype=bt.Order.Limit, price=bid * (1 - DEMO_OFFSET), size=DEMO_SIZE)]
            if self.position.size >= DEMO_SIZE:
                self.open.append(self.sell(exectype=bt.Order.Limit, price=ask * (1 + DEMO_OFFSET),
                                           size=DEMO_SIZE))
            self.orders += len(self.open)

    cerebro = bt.Cerebro(stdstats=False)
    pairs = ["BTC-USD", "ETH-USD"] if name == "hodl" else ["BTC-USD"]
    for pair, frame in feeds:
        if pair in pairs:
            cerebro.adddata(bt.feeds.PandasData(dataname=frame, timeframe=bt.TimeFrame.Seconds,
                                                compression=interval_s), name=pair)
    cerebro.broker.setcash(CASH)
    cerebro.broker.setcommission(commission=COMMISSION[name])
    cerebro.addstrategy(Hodl if name == "hodl" else Demo)
    gc.collect()
    t = time.perf_counter()
    strategy = cerebro.run()[0]
    return time.perf_counter() - t, strategy


# --- report -------------------------------------------------------------------------------


def keeping(last: dict[str, Any], label: str, run: Callable[[], tuple[float, Any]]) -> Arm:
    """An arm that times ``run`` and keeps its latest result in ``last[label]``."""
    def timed() -> float:
        seconds, last[label] = run()
        return seconds
    return label, timed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("hours", type=float, nargs="?", default=6.0)
    ap.add_argument("--interval", type=int, default=1, help="candle width in seconds")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--journals", action="store_true", help="also the L2 run with its journals recorded")
    args = ap.parse_args()
    print(conditions("before"))
    end = T0 + int(args.hours * HOUR)
    l2 = l2_source(args.hours)
    bars = window_bars(l2, args.interval)
    candles = candle_source(bars, args.interval)
    feeds = backtrader_feeds(bars)  # None without Backtrader
    n_bars = {pair: len(rows) for pair, rows in bars.items()}
    print(f"window: {args.hours:g} h of BTC-USD and ETH-USD: {len(l2.items):,} L2 events (250 ms steps); "
          f"{args.interval}-second candles from its trades {n_bars}, {len(candles.items):,} engine events "
          f"(4 trades and a bar-fill book a candle)")
    units = {ENGINE_CANDLES: len(candles.items), ENGINE_L2: len(l2.items), ENGINE_L2_JOURNALS: len(l2.items)}
    for name in RUNS:
        print(f"\n{name}: {args.rounds} rounds interleaved (these arms in this order, then reversed, ...)")
        last: dict[str, Any] = {}
        arm = partial(keeping, last)
        arms = [arm(ENGINE_CANDLES, lambda name=name: engine_run(candles, name, end))]
        if feeds is not None:
            arms.append(arm(BACKTRADER, lambda name=name: backtrader_run(feeds, name, args.interval)))
            units[BACKTRADER] = sum(n for pair, n in n_bars.items() if name == "hodl" or pair == "BTC-USD")
        arms.append(arm(ENGINE_L2, lambda name=name: engine_run(l2, name, end)))
        if args.journals:
            arms.append(arm(ENGINE_L2_JOURNALS, lambda name=name: engine_run(l2, name, end, MemoryJournal())))
        times = interleaved(args.rounds, arms)
        print(f"  {'':24} {'min s':>7} {'median s':>9} {'per s (median), context':>30} {'orders/fills':>13}")
        for label, ts in times.items():
            low, mid = min_median(ts)
            unit = "bars" if label == BACKTRADER else "events"
            print(f"  {label:24} {low:7.2f} {mid:9.2f} {f'{units[label] / mid:,.0f} {unit}/s':>30} "
                  f"{f'{last[label].orders}/{last[label].fills}':>13}")
        if feeds is not None:
            same = ratios(times[BACKTRADER], times[ENGINE_CANDLES])
            print(f"  same work (the same candles), Backtrader's time / the engine's: {same[0]:.2f}x of the "
                  f"mins, {same[1]:.2f}x of the medians (above 1: the engine is faster)")
            l2_vs = ratios(times[BACKTRADER], times[ENGINE_L2])
            print(f"  context, Backtrader on the candles / the engine's L2 replay of the window: "
                  f"{l2_vs[0]:.2f}x of the mins, {l2_vs[1]:.2f}x of the medians")
        if args.journals:
            kept = ratios(times[ENGINE_L2], times[ENGINE_L2_JOURNALS])
            print(f"  context, the L2 run with journals runs at {kept[0]:.2f} (mins), {kept[1]:.2f} "
                  "(medians) of its speed without")
    print("\norders/fills: the engine's orders and fill events (a partial fill is one); Backtrader's orders\n"
          "and executed orders (it fills an order whole, at a bar's price, with no book)")
    if feeds is None:
        print("\nbacktrader is not installed: `.venv/bin/pip install backtrader` to measure the baseline")
    print(conditions("after"))


if __name__ == "__main__":
    main()
