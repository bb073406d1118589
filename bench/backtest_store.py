"""A stored backtest against the engine alone: what storing a run's journals and outputs costs.

The same backtest, as ``cryptick backtest`` runs it: the seeded synthetic source (BTC-USD and ETH-USD, one
book update per pair every 250 ms, 25 levels a side, public trades; generated as the run reads it, in both
arms), ``hours`` of event time (default 3), strategy ``demo`` (quotes BTC-USD every 10 s; its orders fill)
or ``hodl`` (``--strategy``), 10,000 USD.

- A, the engine alone: ``replay.engine.Backtest`` with no journal (``NullJournal``), nothing stored.
- B, stored: ``replay.backtests.run_backtest`` with ``store`` (``cryptick backtest --store``): every inbox
  and output message archived in chDB (``archive_messages`` and the typed tables), the outputs' digest,
  the report and the run's row, all written before the timing stops. Each B run stores into a fresh
  chDB path of its own (a new temporary directory; the DDL applied before timing), as a first backtest
  stored in an archive is.

Each run is a process of its own (chDB opens one path per process), timed inside it after a short
warm-up run of the same kind (0.05 h), so imports, schema parsing and the DDL are not counted.
The arms are interleaved (A B, B A, ...) ``--rounds`` times (default 3); each prints the min and median
of its market events per second, and the ratio B/A of the mins and of the medians; then the same ratio in
CPU time (the process's, every thread of it: the writer's and chDB's count), which a busy machine sways
less than wall time. The date and the load average are printed before and after.

Run: ``.venv/bin/python bench/backtest_store.py [hours] [--strategy demo|hodl] [--rounds N]``.
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from interleave import conditions, interleaved, min_median

from replay.backtests import Options, _history, _source, prepare, run_backtest
from replay.engine import Backtest, BacktestConfig, Latency, RunSetup
from replay.sources import NullJournal
from schemas.units import US
from strategies import registry
from strategies.run import new_run

START = "2018-01-01T00:00:00Z"
HOUR = 3_600 * US
A, B = "A engine alone", "B stored in chDB"
PARAMS = {"demo": ("pair=BTC-USD", "interval_s=10"), "hodl": ("bases=BTC,ETH",)}


def options(strategy: str, hours: float) -> Options:
    from datetime import UTC, datetime

    from schemas.units import parse_time

    end = datetime.fromtimestamp((parse_time(START) + int(hours * HOUR)) / US, UTC)
    return Options(strategy, ("synthetic:USD=10000",), START, end.strftime("%Y-%m-%dT%H:%M:%SZ"),
                   PARAMS[strategy], step_ms=250)


def engine_alone(opts: Options) -> tuple[float, float, int]:
    """(seconds, CPU seconds, market events) of the backtest with no journal: what ``run_backtest`` runs,
    unrecorded."""
    prepared = prepare(opts)
    runnable = registry.get(opts.strategy)
    strategy = runnable.create(prepared.params)
    spec = new_run(runnable.name, prepared.params, list(prepared.allocations), prepared.start_ts,
                   prepared.end_ts, tag=prepared.tag)
    source = _source(opts, list(prepared.allocations), list(strategy.markets(spec.default_venue)),
                     prepared.start_ts, prepared.end_ts, None)
    latency = Latency(opts.latency_ms * 1000, opts.latency_ms * 1000)
    config = BacktestConfig(prepared.start_ts, prepared.end_ts, latency, sample_us=opts.sample_s * US)
    setup = RunSetup(spec, strategy, history=_history(source))
    gc.collect()
    t, cpu = time.perf_counter(), time.process_time()
    result = Backtest(config, source, [setup], NullJournal()).run()
    return time.perf_counter() - t, time.process_time() - cpu, result.market_events


def stored(opts: Options, client: Any) -> tuple[float, float, str]:
    """(seconds, CPU seconds, digest line) of the backtest stored as ``cryptick backtest --store`` stores
    it. The CPU time is the process's: the writer's thread and chDB's threads count."""
    gc.collect()
    t, cpu = time.perf_counter(), time.process_time()
    _, digest = run_backtest(opts, store=lambda: client)
    return time.perf_counter() - t, time.process_time() - cpu, digest


def child(arm: str, strategy: str, hours: float) -> None:
    """One timed run of ``arm`` in this process (after a warm-up), as a JSON line."""
    opts, warm = options(strategy, hours), options(strategy, 0.05)
    if arm == "A":
        engine_alone(warm)
        seconds, cpu, events = engine_alone(opts)
        print(json.dumps({"seconds": seconds, "cpu": cpu, "events": events}))
        return
    from streams.archive.clickhouse import get_client

    with tempfile.TemporaryDirectory(prefix="bench-backtest-store-") as path:
        client = get_client(f"chdb://{path}")
        stored(warm, client)
        seconds, cpu, digest = stored(opts, client)
        print(json.dumps({"seconds": seconds, "cpu": cpu, "digest": digest}))


def run_child(arm: str, strategy: str, hours: float) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--child", arm, "--strategy", strategy, str(hours)],
                         check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("hours", nargs="?", type=float, default=3.0)
    ap.add_argument("--strategy", choices=sorted(PARAMS), default="demo")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--child", choices=("A", "B"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.strategy, args.hours)
        return
    print(conditions("start"))
    events = run_child("A", args.strategy, args.hours)["events"]
    print(f"{args.strategy}, {args.hours:g} h of synthetic L2 ({events:,} market events)")
    digests: set[str] = set()
    cpu: dict[str, list[float]] = {A: [], B: []}

    def arm(name: str, kind: str) -> Callable[[], float]:
        def run() -> float:
            result = run_child(kind, args.strategy, args.hours)
            digests.update([result["digest"]] if "digest" in result else [])
            cpu[name].append(float(result["cpu"]))
            return float(result["seconds"])

        return run

    times = interleaved(args.rounds, [(A, arm(A, "A")), (B, arm(B, "B"))])
    rates = {}
    for name, secs in times.items():
        fastest, median = min_median(secs)
        rates[name] = (events / fastest, events / median)
        walls, cpus = (", ".join(f"{s:.2f}" for s in xs) for xs in (secs, cpu[name]))
        print(f"  {name:<18} {events / fastest:>9,.0f} events/s best, {events / median:>9,.0f} median "
              f"(wall {walls} s; CPU {cpus} s)")
    (a_best, a_med), (b_best, b_med) = rates[A], rates[B]
    (a_cpu, a_cpu_med), (b_cpu, b_cpu_med) = min_median(cpu[A]), min_median(cpu[B])
    print(f"  B/A {b_best / a_best:.2f} (best), {b_med / a_med:.2f} (median); in CPU time "
          f"{a_cpu / b_cpu:.2f} (best), {a_cpu_med / b_cpu_med:.2f} (median); {', '.join(sorted(digests))}")
    print(conditions("end"))


if __name__ == "__main__":
    main()
