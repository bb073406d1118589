"""``cryptick backtest STRATEGY``: run one strategy in-process over recorded or synthetic data, then report.

Mounted by ``cryptick/cli.py``; all the work is in ``replay.backtests`` (shared with the API's
``POST /backtests``): this module parses the options, shows progress and prints.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from replay.backtests import Options, UsageError, parse_balance, parse_time, prepare
from replay.backtests import run_backtest as _run
from schemas.units import US

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from replay.report import Report

__all__ = ["Options", "UsageError", "app", "parse_balance", "parse_time", "run_backtest"]

app = typer.Typer(help="Backtest a strategy in-process.", no_args_is_help=True,
                  pretty_exceptions_enable=False)


def run_backtest(opts: Options, show_progress: bool = True, store: Callable[[], Any] | None = None,
                 say: Callable[[str], None] | None = None) -> tuple[Report, str]:
    """``replay.backtests.run_backtest`` with a progress bar, reading the configured archive."""
    checked = prepare(opts)  # what the user must change is said before a bar is drawn
    with _progress(checked.start_ts, checked.end_ts, show_progress) as progress:
        return _run(opts, progress if show_progress else None, store, say, archive=_client)


def _client() -> Any:
    from floor.settings import get_settings
    from streams.archive.clickhouse import get_client

    return get_client(get_settings().dsn)


def _owner() -> Any | None:
    """A client of the API that owns the configured embedded archive, when another process holds it
    (its ``url`` and the owner's token in its ``headers``)."""
    from streams.archive.clickhouse import is_remote

    try:
        client = _client()
    except Exception:  # a broken archive is reported where it is used
        return None
    return client if is_remote(client) else None


def run_at_owner(owner: Any, opts: Options, store: bool, show_progress: bool) -> tuple[Report, str]:
    """Send the backtest to the API that owns the archive (``POST /backtests``), follow it, and return
    its report: the same code runs it there, and stores it where the CLI would have."""
    import json

    import httpx

    from replay.engine import BacktestError
    from replay.runs import report_from_json
    from streams.money import to_decimal_str

    body: dict[str, Any] = {
        "strategy": opts.strategy, "params": dict(p.split("=", 1) for p in opts.params),
        "balances": [{"venue": a.venue, "currency": a.currency, "amount": to_decimal_str(a.amount)}
                     for a in map(parse_balance, opts.balances)],
        "start": opts.start, "end": opts.end, "source": opts.source, "datasets": list(opts.datasets),
        "namespace": opts.namespace, "latency_ms": opts.latency_ms, "seed": opts.seed,
        "step_ms": opts.step_ms, "sample_s": opts.sample_s, "store": store}
    url, headers = owner.url, owner.headers
    typer.echo(f"the archive is owned by the API at {url}: the backtest runs there", err=True)
    started = httpx.post(f"{url}/backtests", json=body, timeout=60, headers=headers)
    if started.status_code != 202:
        raise UsageError(f"the API at {url} refused the backtest ({started.status_code}): "
                         f"{started.json().get('detail', started.text)}")
    backtest_id = started.json()["backtest_id"]
    checked = prepare(opts)
    last: dict[str, Any] = {}
    with _progress(checked.start_ts, checked.end_ts, show_progress) as bar, \
            httpx.stream("GET", f"{url}/backtests/{backtest_id}/events", timeout=None,
                         headers=headers) as events:
        name = None
        for line in events.iter_lines():
            if line.startswith("event:"):
                name = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and name:
                last = json.loads(line.split(":", 1)[1])
                p = last["progress"]
                if p["time"]:
                    bar(p["events"], parse_time(p["time"].rstrip("Z"), "time"))
                if name in ("done", "failed", "cancelled"):
                    break
    if last.get("state") != "done" or last.get("report") is None:
        state, detail = last.get("state", "was lost"), last.get("detail", "")
        raise BacktestError(f"the backtest {state} at {url}: {detail}")
    for line in last["source"].get("read", ()):
        typer.echo(f"data: {line}")
    return report_from_json(json.dumps(last["report"])), str(last["digest"])


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
        owner = _owner() if store or source == "archive" else None
        if owner is not None:  # the embedded archive is another process's: that process runs it
            prepare(opts)
            report, digest = run_at_owner(owner, opts, store, progress)
        else:
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
