"""``cryptick paper STRATEGY`` and ``cryptick stop RUN``: paper runs on the strategy agent.

Mounted by ``cryptick/cli.py``; the work is in ``cryptick.paper``.
"""

from __future__ import annotations

import re
import signal
import time
from typing import Annotated

import typer

from cryptick.commands.backtest import UsageError, parse_balance
from floor.kafka import DeliveryFailed
from floor.settings import get_settings
from schemas.events import RunStateChanged
from schemas.topics import STRATEGY_EVENTS, STRATEGY_JOURNAL
from strategies.candles import HistorySource
from strategies.run import RunSpec
from strategies.wallet import WalletProjection

WALL_CLOCK_STOP = "duration reached (wall clock): the market feed is behind or stopped"
_DURATION = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> int:
    """``90s``, ``10m``, ``2h``, ``1d`` as seconds."""
    m = _DURATION.match(text.strip())
    if m is None or int(m[1]) <= 0:
        raise UsageError(f"bad --for {text!r}: expected a positive duration like 90s, 10m, 2h or 1d")
    return int(m[1]) * _UNITS[m[2]]


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def paper(
    strategy: Annotated[str, typer.Argument(help="A runnable strategy (see `cryptick backtest --help`).")],
    balance: Annotated[list[str] | None, typer.Option(
        help="The run's allocation VENUE:CURRENCY=AMOUNT, e.g. synthetic:USD=10000; repeatable.")] = None,
    param: Annotated[list[str] | None, typer.Option(
        help="Strategy parameter KEY=VALUE, e.g. bases=BTC,ETH; repeatable.")] = None,
    account: Annotated[str, typer.Option(help="The ledger account the run's wallet set draws on.")] = "paper",
    deposit: Annotated[bool, typer.Option(
        help="Deposit the allocations into the account first (paper money); --no-deposit uses what "
             "the account already holds.")] = True,
    duration: Annotated[str | None, typer.Option("--for", help=(
        "Stop after this much of the market's time, counted from the first market event the run sees "
        "(a feed at --speed 5 runs 60s in 12 s of wall time): 90s, 10m, 2h."))] = None,
    detach: Annotated[bool, typer.Option(
        help="Return once the run is running; stop it later with `cryptick stop RUN`.")] = False,
    history: Annotated[bool, typer.Option(
        help="Give the run the archived candles its lookback reads (from ClickHouse), so it need not "
             "wait for live candles.")] = True,
    namespace: Annotated[str, typer.Option(help="Topic namespace of the worker ('' is live).")] = "",
    wait_s: Annotated[float, typer.Option(help="How long to wait for the strategy agent to answer.")] = 60.0,
    release: Annotated[bool, typer.Option(
        help="Once the run has ended (and its wallet is printed), give its wallet set back to the "
             "account's pool (as `cryptick stop RUN --release`).")] = False,
) -> None:
    """Paper-trade a strategy on the live (or synthetic) market through Kafka: the strategy agent hosts
    it, its orders go to the virtual exchange. Follows the run until it ends or Ctrl-C (which stops it)."""
    from cryptick import paper as runs
    from strategies.params import ParamError, parse_pairs
    from strategies.registry import UnknownStrategy

    s = get_settings()
    at = runs.now_us()  # the start's command time: following the run starts there
    try:
        allocations = [parse_balance(b) for b in balance or []]
        params = parse_pairs(list(param or []))
        seconds = parse_duration(duration) if duration else None
        source = _archive_history(s.dsn) if history else None
        spec = runs.start(s.bootstrap, namespace, strategy, params, allocations, account, deposit, seconds,
                          history=source, at_us=at)
    except (UsageError, ParamError, UnknownStrategy, runs.PaperError, ValueError, DeliveryFailed) as exc:
        _fail(str(exc).strip("'\""))
        return
    typer.echo(f"run {spec.run_id}: {strategy} on {', '.join(f'{a.venue}:{a.currency}' for a in allocations)}"
               f" (account {account}, namespace {namespace or 'live'})")
    state = runs.wait_for_state(s.bootstrap, namespace, spec.run_id, ("running",), wait_s, since_us=at)
    if state is None:
        _fail(f"no answer from the strategy agent in {wait_s:.0f} s: is `cryptick worker` running "
              f"(role strategies) in namespace {namespace or 'live'}? The start is journaled and will "
              f"be picked up when it runs; `cryptick stop {spec.run_id}` cancels it.")
    assert state is not None
    if state.state != "running":
        _fail(f"run {spec.run_id} {state.state}: {state.detail}")
    typer.echo(f"run {spec.run_id} running: {state.detail}")
    running_at = runs.now_us()  # its duration counts from its first book, which follows this closely
    if detach:
        where = f" --namespace {namespace}" if namespace else ""
        typer.echo(f"stop it with: cryptick stop {spec.run_id}{where}" + (" --release" if release else ""))
        return
    interrupted: list[bool] = []
    handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGINT, lambda *_: interrupted.append(True))
    signal.signal(signal.SIGTERM, lambda *_: interrupted.append(True))
    try:
        _follow(s.bootstrap, namespace, spec, at, running_at, seconds, interrupted)
    finally:
        signal.signal(signal.SIGINT, handlers[0])
        signal.signal(signal.SIGTERM, handlers[1])
    if release:
        _release(s.bootstrap, namespace, spec.run_id, wait_s)


def _release(bootstrap: str, namespace: str, run_id: str, wait_s: float) -> None:
    """Ask for the ended run's wallet set to go back to the pool; print the strategy agent's answer."""
    from cryptick import paper as runs

    asked = runs.now_us()
    try:
        runs.stop(bootstrap, namespace, run_id, "release", release=True)
    except DeliveryFailed as exc:
        _fail(str(exc))
    answer = runs.wait_for_release(bootstrap, namespace, run_id, wait_s, since_us=asked)
    if answer is None:
        _fail(f"run {run_id}: no word on the release within {wait_s:.0f} s (it waits for the venue to "
              "end the run's cancelled orders; the release is journaled and applies when they end)")
    assert answer is not None
    if answer.level != "info":
        _fail(f"run {run_id}: {answer.message}")
    typer.echo(f"run {run_id}: {answer.message}")


def _follow(bootstrap: str, namespace: str, spec: RunSpec, at: int, running_at: int, seconds: int | None,
            interrupted: list[bool]) -> None:
    """Print what the run does from ``at`` (the start's time) until it ends (then its wallet); stop it on
    Ctrl-C, or once its duration has passed on the wall clock since it was seen running (``running_at``:
    a run's duration counts from its first market event, not from the start command;
    ``cryptick.paper.overdue``)."""
    from cryptick import paper as runs

    stop_sent: int | None = None
    ended, clock_checked = False, False
    wallet = WalletProjection(spec.wallet_set_id)
    topics = (STRATEGY_JOURNAL, STRATEGY_EVENTS)
    for seen in runs.follow(bootstrap, namespace, spec.run_id, topics, since_us=at):
        now = runs.now_us()
        if interrupted and stop_sent is None and not ended:
            _stop(bootstrap, namespace, spec.run_id, "interrupted (Ctrl-C)")
            stop_sent = now
            typer.echo("stopping…")
        match runs.overdue(now, running_at, seconds, stop_sent, ended):
            case "stop":
                _stop(bootstrap, namespace, spec.run_id, WALL_CLOCK_STOP)
                stop_sent = now
                typer.echo(f"stopping: {seconds} s have passed on the wall clock, not in the market feed's "
                           "event time")
            case "give up":
                _fail(f"run {spec.run_id} has not stopped {runs.STOP_WAIT_S:.0f} s after it was asked to: is "
                      f"`cryptick worker` (role strategies) running in namespace {namespace or 'live'}? The "
                      "stop is journaled and applies when it runs")
            case "follow":
                pass
        if seen is None:
            if ended:  # the cancels of its open orders have come back: the wallet is final
                typer.echo(f"wallet {spec.wallet_set_id}: {runs.wallet_line(wallet.view())}")
                return
            continue
        event = seen.event
        if not clock_checked and isinstance(event, runs.FEED_STAMPED):
            clock_checked = True
            warning = runs.feed_clock_warning(event.ts, now)
            if warning is not None:
                typer.echo(warning, err=True)
        wallet.apply(event)
        line = runs.describe(seen)
        if line is not None and not (isinstance(event, RunStateChanged) and event.state not in runs.ENDED):
            typer.echo(line)
        ended = ended or (isinstance(event, RunStateChanged) and event.state in runs.ENDED)


def _stop(bootstrap: str, namespace: str, run_id: str, reason: str) -> None:
    from cryptick import paper as runs

    try:
        runs.stop(bootstrap, namespace, run_id, reason)
    except DeliveryFailed as exc:
        _fail(str(exc))


def _archive_history(dsn: str) -> HistorySource | None:
    """The archive as a history source, or None (with a warning) if it cannot be opened."""
    from replay.history import ArchiveHistory
    from streams.archive.clickhouse import get_client

    try:
        return ArchiveHistory(get_client(dsn))
    except Exception as exc:  # the run goes on without archived history; say why
        typer.echo(f"warning: no archived history ({type(exc).__name__}: {exc}); the run builds its candles "
                   "from live trades (--no-history to skip this)", err=True)
        return None


def stop(
    run_id: Annotated[str, typer.Argument(help="The run to stop (as `cryptick paper` printed it).")],
    reason: Annotated[str, typer.Option(help="Why, for the run's log.")] = "stopped by the user",
    namespace: Annotated[str, typer.Option(help="Topic namespace of the worker ('' is live).")] = "",
    wait_s: Annotated[float, typer.Option(help="How long to wait for the run to stop.")] = 30.0,
    release: Annotated[bool, typer.Option(
        help="Also give the run's wallet set back to the account's pool once its cancelled orders are done "
             "(also for a run that already ended); without it the set keeps what the run left.")] = False,
) -> None:
    """Stop a paper run: its open orders are cancelled and it stops receiving market data."""
    from cryptick import paper as runs

    s = get_settings()
    started = time.monotonic()
    try:
        runs.stop(s.bootstrap, namespace, run_id, reason)
    except DeliveryFailed as exc:
        _fail(str(exc))
    state = runs.wait_for_state(s.bootstrap, namespace, run_id, runs.ENDED, wait_s)
    if state is None:
        _fail(f"run {run_id} did not stop within {wait_s:.0f} s: unknown run, or no strategy agent running "
              f"in namespace {namespace or 'live'} (the stop is journaled and applies when it runs)")
    assert state is not None
    typer.echo(f"run {run_id} {state.state}: {state.detail} ({time.monotonic() - started:.1f} s)")
    if release:
        _release(s.bootstrap, namespace, run_id, wait_s)


def control(
    run_id: Annotated[str, typer.Argument(help="The run (as `cryptick paper` printed it).")],
    component: Annotated[str, typer.Argument(help="The dashboard component the message is for.")],
    payload: Annotated[str, typer.Argument(help='JSON, e.g. \'{"offset_bps": 7}\'.')],
    namespace: Annotated[str, typer.Option(help="Topic namespace of the worker ('' is live).")] = "",
) -> None:
    """Send a control message to a run's component, as the dashboard does (a slider, a confirm button)."""
    import json

    from cryptick import paper as runs

    try:
        value = json.loads(payload)
    except json.JSONDecodeError as exc:
        _fail(f"the payload is not JSON: {exc.msg} at column {exc.colno}")
    try:
        runs.control(get_settings().bootstrap, namespace, run_id, component, value)
    except DeliveryFailed as exc:
        _fail(str(exc))
    typer.echo(f"sent to {run_id}/{component}: {json.dumps(value, sort_keys=True)}")
