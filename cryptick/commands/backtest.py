"""``cryptick backtest STRATEGY``: run one strategy in-process over recorded or synthetic data, then report.

Mounted by ``cryptick/cli.py``; all the work is in ``replay.engine`` and
``replay.report``: this module parses the options, shows progress and prints.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from schemas.events import Allocation

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from replay.report import Report
    from replay.sources import MarketSource, MemoryJournal
    from strategies.api import MarketRef
    from strategies.candles import HistorySource

app = typer.Typer(help="Backtest a strategy in-process.", no_args_is_help=True,
                  pretty_exceptions_enable=False)

US = 1_000_000
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
    """A UTC date or date-time (``2018-01-01``, ``2018-01-01T12:00``) as epoch microseconds."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"bad {option} {text!r}: expected a date like 2018-01-01 or 2018-01-01T12:00 (UTC)"
                         ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp()) * US + when.microsecond


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


def run_backtest(opts: Options, show_progress: bool = True, store: Callable[[], Any] | None = None,
                 say: Callable[[str], None] | None = None) -> tuple[Report, str]:
    """Run the backtest described by ``opts``; (its report, the outputs' digest line).

    On archived data, ``say`` gets one line per dataset read, before the run starts.

    With ``store`` (giving a ClickHouse client once the input is checked), the run's messages
    go to ``archive_messages`` under its namespace as it runs, and its row to ``runs`` at the
    end (``replay.runs``).
    """
    from replay.engine import Backtest, BacktestConfig, Latency, RunSetup
    from replay.report import build_report
    from replay.sources import MemoryJournal
    from schemas.topics import LEDGER_EVENTS, STRATEGY_EVENTS, VENUE_EVENTS
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
    params = parse_pairs(list(opts.params))
    strategy = runnable.create(params)
    spec = new_run(runnable.name, params, allocations, start, end)
    markets = list(strategy.markets(spec.default_venue))
    source = _source(opts, allocations, markets, start, end)
    described = _describe_source(opts, source)
    if say is not None:
        for line in described.get("datasets_read", ()):
            say(f"data: {line}")
    config = BacktestConfig(start, end, Latency(opts.latency_ms * 1000, opts.latency_ms * 1000),
                            sample_us=opts.sample_s * US)
    journal = MemoryJournal({VENUE_EVENTS, LEDGER_EVENTS, STRATEGY_EVENTS})
    archive, client = None, store() if store is not None else None
    if client is not None:
        from replay.runs import RunArchive

        archive = RunArchive(client, spec.namespace, forward=journal)
    with _progress(start, end, show_progress) as progress:
        history = _history(source)
        result = Backtest(config, source, [RunSetup(spec, strategy, history=history)], archive or journal,
                          progress).run()
    report = build_report(result.runs[0], start, end, config.sample_us, _notes(described))
    if archive is not None:
        from replay.runs import backtest_run, save_run

        archive.close()
        save_run(client, backtest_run(result.runs[0], report, config, archive, described, datetime.now(UTC)))
    return report, _digest(journal)


def _client() -> Any:
    from cryptick.settings import get_settings
    from streams.archive.clickhouse import get_client

    return get_client(get_settings().dsn)


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


def _source(opts: Options, allocations: list[Allocation], wanted: list[MarketRef], start: int, end: int
            ) -> MarketSource:
    from replay.sources import ArchiveSource, NoData, SyntheticSource

    if opts.source == "archive":
        from cryptick.settings import get_settings
        from streams.archive.clickhouse import get_client

        return ArchiveSource(get_client(get_settings().dsn), opts.namespace, wanted, start, end,
                             datasets=opts.datasets)
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


class _progress:
    """A progress bar over simulated time: events replayed, simulated date, events per second."""

    def __init__(self, start: int, end: int, enabled: bool) -> None:
        self.start, self.end, self.enabled = start, end, enabled
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> _progress:
        if self.enabled:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            bar = Progress(TextColumn("backtest"), BarColumn(),
                           TextColumn("{task.fields[events]:>12,} events"), TextColumn("{task.fields[date]}"),
                           TextColumn("{task.fields[rate]:>9,.0f} events/s"), TimeElapsedColumn())
            bar.start()
            self._task = bar.add_task("backtest", total=self.end - self.start, events=0, date="", rate=0.0)
            self._bar = bar
        self._t0 = time.monotonic()
        return self

    def __call__(self, events: int, now: int) -> None:
        bar, task = self._bar, self._task
        if bar is None or task is None:
            return
        elapsed = max(time.monotonic() - self._t0, 1e-9)
        date = datetime.fromtimestamp(now / US, UTC).strftime("%Y-%m-%d %H:%M")
        bar.update(task, completed=max(0, now - self.start), events=events, date=date,
                   rate=events / elapsed)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


def _digest(journal: MemoryJournal) -> str:
    """A hash of every output message (topic, partition, offset, key, value): equal runs print equal."""
    import hashlib

    h = hashlib.sha256()
    total = 0
    for topic in sorted(journal.messages):
        for m in journal.topic(topic):
            h.update(f"{m.topic}\0{m.partition}\0{m.offset}\0".encode() + m.key + b"\0")
            h.update(len(m.value).to_bytes(4, "big") + m.value)
            total += 1
    return f"outputs sha256 {h.hexdigest()[:16]} ({total} events)"


@app.command("backtest")
def backtest(
    strategy: Annotated[str, typer.Argument(help="The runnable's name (hodl, echo, demo, ...).")],
    balance: Annotated[list[str], typer.Option(
        "--balance", help="Initial balance VENUE:CURRENCY=AMOUNT, e.g. coinbase:USD=10000; repeatable.")],
    start: Annotated[str, typer.Option(help="Start, UTC: 2018-01-01 or 2018-01-01T12:00.")],
    end: Annotated[str, typer.Option(help="End (exclusive), UTC.")],
    param: Annotated[list[str] | None, typer.Option(
        "--param", help="Strategy parameter KEY=VALUE, e.g. bases=BTC,ETH; repeatable.")] = None,
    latency_ms: Annotated[int, typer.Option(help="One-way latency to and from the venue.")] = 50,
    source: Annotated[str, typer.Option(help="Market data: synthetic or archive.")] = "synthetic",
    namespace: Annotated[str | None, typer.Option(
        help="With --source archive: read only this namespace's recorded venue.journal (\"\" the default "
             "one).")] = None,
    dataset: Annotated[list[str] | None, typer.Option(
        "--dataset", help="With --source archive: read only this dataset (`cryptick market datasets` lists "
                          "them); repeatable. Default: whichever one dataset holds each market.")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic market.")] = 7,
    step_ms: Annotated[int, typer.Option(help="Synthetic market: event time between book updates.")] = 1000,
    sample_s: Annotated[int, typer.Option(help="Equity sampling interval (seconds of event time).")] = 60,
    html: Annotated[Path | None, typer.Option(help="Also write the report as a self-contained HTML file.")
                    ] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    store: Annotated[bool, typer.Option(
        "--store/--no-store", help="Store the run (row, inboxes, outputs) in ClickHouse."
    )] = True,
) -> None:
    """Run STRATEGY in-process over [start, end) with the given balances, then print its report."""
    from replay.engine import BacktestError
    from replay.report import to_html, to_text
    from replay.sources import NoData, OverlappingData
    from strategies.params import ParamError
    from strategies.registry import UnknownStrategy

    opts = Options(strategy, tuple(balance), start, end, tuple(param or ()), latency_ms, source, namespace,
                   seed, step_ms, sample_s, tuple(dataset or ()))
    try:
        report, digest = run_backtest(opts, show_progress=progress, store=_client if store else None,
                                      say=typer.echo)
    except (UsageError, UnknownStrategy, ParamError, BacktestError, NoData, OverlappingData) as exc:
        typer.echo(f"error: {exc.args[0] if exc.args else exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(to_text(report))
    typer.echo(digest)
    if store:
        typer.echo(f"stored run {report.run_id}; `cryptick parity {report.run_id}` replays it through Kafka")
    if html is not None:
        html.write_text(to_html(report))
        typer.echo(f"wrote {html}")
