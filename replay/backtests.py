"""One backtest from its options: input checked, market data chosen, run in-process, reported, stored.

The CLI (``cryptick backtest``) and the API (``POST /backtests``) both run a
backtest through ``run_backtest``; they differ only in how they show progress
and which ClickHouse connection they give it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from schemas import units
from schemas.events import Allocation
from schemas.units import US

if TYPE_CHECKING:
    from replay.engine import Progress
    from replay.report import Report
    from replay.sources import MarketSource, MemoryJournal
    from strategies.api import MarketRef
    from strategies.candles import HistorySource

SOURCES = ("synthetic", "archive")
_BALANCE = re.compile(r"^(?P<venue>[a-z0-9_.-]+):(?P<currency>[A-Za-z0-9]+)=(?P<amount>\d+(\.\d+)?)$")


class UsageError(ValueError):
    """Input the user must change; the message says how."""


def parse_balance(text: str) -> Allocation:
    """``venue:CURRENCY=AMOUNT`` (e.g. ``coinbase:USD=10000``) as a fixed-point allocation."""
    from streams.money import to_fixed

    m = _BALANCE.match(text.strip())
    if m is None:
        raise UsageError(f"bad --balance {text!r}: expected VENUE:CURRENCY=AMOUNT, e.g. coinbase:USD=10000")
    try:
        amount = to_fixed(m["amount"])
    except ValueError:
        raise UsageError(f"bad --balance {text!r}: at most 8 decimal places") from None
    if amount <= 0:
        raise UsageError(f"bad --balance {text!r}: the amount must be positive")
    return Allocation(m["venue"], m["currency"].upper(), amount)


def parse_time(text: str, option: str) -> int:
    """A time option (``schemas.units.parse_time``'s grammar) as epoch µs; a ``UsageError`` naming it."""
    try:
        return units.parse_time(text)
    except ValueError as exc:
        raise UsageError(f"bad {option}: {exc}") from None


@dataclass(frozen=True, slots=True)
class Options:
    strategy: str
    balances: tuple[str, ...]
    start: str
    end: str
    params: tuple[str, ...] = ()
    latency_ms: int = 50
    source: str = "synthetic"
    namespace: str | None = None  # with source "archive": read only this namespace's venue.journal
    seed: int = 7
    step_ms: int = 1000
    sample_s: int = 60
    datasets: tuple[str, ...] = ()  # with source "archive": read only these datasets (None: any)


@dataclass(frozen=True, slots=True)
class Prepared:
    """A checked backtest, ready to run: its run id and span are known before any market data is read."""

    opts: Options
    run_id: str
    start_ts: int
    end_ts: int
    allocations: tuple[Allocation, ...]
    params: dict[str, str]
    tag: str


def environment_tag(opts: Options) -> str:
    """What besides the run's own configuration shapes its outcome — data, latency, sampling — as the
    run id's tag, for the options that differ from the defaults: a backtest at 200 ms latency, or on
    another seed, is another run than the default one (and is stored beside it, not over it), while the
    ids of runs on the defaults stay as they always were."""
    import json

    default = Options(opts.strategy, opts.balances, opts.start, opts.end, opts.params)
    changed = {name: list(v) if isinstance(v, tuple) else v for name in Options.__slots__
               if (v := getattr(opts, name)) != getattr(default, name)}
    return "" if not changed else "env:" + json.dumps(changed, sort_keys=True, separators=(",", ":"))


def prepare(opts: Options) -> Prepared:
    """Check ``opts`` without reading data: UsageError, UnknownStrategy or ParamError say what to change."""
    from strategies import registry
    from strategies.params import parse_pairs
    from strategies.run import new_run

    runnable = registry.get(opts.strategy)
    if not opts.balances:
        raise UsageError("give at least one --balance VENUE:CURRENCY=AMOUNT, e.g. coinbase:USD=10000")
    allocations = [parse_balance(b) for b in opts.balances]
    start, end = parse_time(opts.start, "--start"), parse_time(opts.end, "--end")
    if end <= start:
        raise UsageError(f"empty time range: --end {opts.end} is not after --start {opts.start}")
    if opts.latency_ms < 0:
        raise UsageError("--latency-ms cannot be negative")
    if opts.source not in SOURCES:
        raise UsageError(f"unknown --source {opts.source!r}; choose from {', '.join(SOURCES)}")
    if opts.source != "archive" and (opts.datasets or opts.namespace is not None):
        raise UsageError("--dataset and --namespace choose archived data: add --source archive")
    if opts.step_ms <= 0 or opts.sample_s <= 0:
        raise UsageError("--step-ms and --sample-s must be positive")
    params = parse_pairs(list(opts.params))
    runnable.create(params)  # bad parameters fail here, before anything is read
    tag = environment_tag(opts)
    spec = new_run(runnable.name, params, allocations, start, end, tag=tag)
    return Prepared(opts, spec.run_id, start, end, tuple(allocations), params, tag)


def run_backtest(opts: Options, progress: Progress | None = None, store: Callable[[], Any] | None = None,
                 say: Callable[[str], None] | None = None, archive: Callable[[], Any] | None = None,
                 progress_every: int = 20_000) -> tuple[Report, str]:
    """Run the backtest described by ``opts``; (its report, the outputs' digest line).

    On archived data (``archive`` gives the ClickHouse client to read), ``say`` gets one line per
    dataset read, before the run starts. ``progress`` is called every ``progress_every`` market events
    with (events so far, event time); an exception it raises stops the run (nothing is stored then).

    With ``store`` (giving a ClickHouse client once the input is checked), the run's messages
    go to ``archive_messages`` under its namespace as it runs, and its row to ``runs`` at the
    end (``replay.runs``).
    """
    from replay.engine import Backtest, BacktestConfig, Latency, RunSetup
    from replay.report import build_report
    from replay.sources import MemoryJournal
    from schemas.topics import LEDGER_EVENTS, STRATEGY_EVENTS, VENUE_EVENTS
    from strategies import registry
    from strategies.run import new_run

    prepared = prepare(opts)
    start, end = prepared.start_ts, prepared.end_ts
    allocations = list(prepared.allocations)
    runnable = registry.get(opts.strategy)
    strategy = runnable.create(prepared.params)
    spec = new_run(runnable.name, prepared.params, allocations, start, end, tag=prepared.tag)
    markets = list(strategy.markets(spec.default_venue))
    source = _source(opts, allocations, markets, start, end, archive)
    described = _describe_source(opts, source)
    if say is not None:
        for line in described.get("datasets_read", ()):
            say(f"data: {line}")
    config = BacktestConfig(start, end, Latency(opts.latency_ms * 1000, opts.latency_ms * 1000),
                            sample_us=opts.sample_s * US)
    journal = MemoryJournal({VENUE_EVENTS, LEDGER_EVENTS, STRATEGY_EVENTS})
    stored, client = None, store() if store is not None else None
    if client is not None:
        from replay.runs import RunArchive

        stored = RunArchive(client, spec.namespace, forward=journal)
    try:
        result = Backtest(config, source, [RunSetup(spec, strategy, history=_history(source))],
                          stored or journal, progress, progress_every).run()
        report = build_report(result.runs[0], start, end, config.sample_us, _notes(described))
        if stored is not None:
            from replay.runs import backtest_run, save_run

            stored.close()  # every message is in ClickHouse (or this raises) before the run's row
            assert client is not None  # a run is stored only with an archive to store it in
            save_run(client, backtest_run(result.runs[0], report, config, stored, described,
                                          datetime.now(UTC)))
    except BaseException:
        if stored is not None:  # a run stopped half-way, or not stored whole, leaves none of its messages
            stored.discard()
        raise
    return report, _digest(journal)


def _describe_source(opts: Options, source: MarketSource) -> dict[str, Any]:
    from replay.sources import ArchiveSource

    if isinstance(source, ArchiveSource):
        return {"kind": "archive", "datasets": source.used(), "datasets_read": source.describe(),
                "fills_from_candles": source.from_candles()}
    return {"kind": "synthetic", "seed": opts.seed, "step_ms": opts.step_ms}


def _notes(described: dict[str, Any]) -> list[str]:
    candles = described.get("fills_from_candles") or []
    if not candles:
        return []
    return [f"fills on {', '.join(candles)} came from bar-fill books made from candles (see "
            "`cryptick market import --help`), not from a venue's order book: prices and depth are modelled"]


def _source(opts: Options, allocations: list[Allocation], wanted: list[MarketRef], start: int, end: int,
            archive: Callable[[], Any] | None) -> MarketSource:
    from replay.sources import ArchiveSource, NoData, SyntheticSource

    if opts.source == "archive":
        if archive is None:
            raise UsageError("no archive to read: this backtest can only run on --source synthetic")
        return ArchiveSource(archive(), opts.namespace, wanted, start, end, datasets=opts.datasets)
    venues = sorted({a.venue for a in allocations} | {m.venue for m in wanted})
    if len(venues) != 1:
        raise UsageError(f"the synthetic source simulates one venue; got {', '.join(venues)}")
    for m in wanted:
        if m.quote != "USD":
            raise NoData(f"no data for {m}: the synthetic source quotes everything in USD")
    bases = sorted({m.base for m in wanted} | {a.currency for a in allocations if a.currency != "USD"})
    return SyntheticSource(venues[0], bases, start, end, seed=opts.seed, step_us=opts.step_ms * 1000)


def _history(source: MarketSource) -> HistorySource | None:
    """On archived data the lookback reaches before the start into the archive's candles (clamped to
    each moment's event time and to what had been received by then)."""
    from replay.history import ArchiveHistory
    from replay.sources import ArchiveSource

    return ArchiveHistory(source.client) if isinstance(source, ArchiveSource) else None


def _digest(journal: MemoryJournal) -> str:
    """A hash of every output message (topic, partition, offset, key, value): equal runs print equal."""
    h = hashlib.sha256()
    total = 0
    for topic in sorted(journal.messages):
        for m in journal.topic(topic):
            h.update(f"{m.topic}\0{m.partition}\0{m.offset}\0".encode() + m.key + b"\0")
            h.update(len(m.value).to_bytes(4, "big") + m.value)
            total += 1
    return f"outputs sha256 {h.hexdigest()[:16]} ({total} events)"
