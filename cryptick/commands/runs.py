"""Stored runs: ``cryptick runs``, ``run show RUN``, ``parity RUN``, ``report RUN``.

Mounted by ``cryptick/cli.py`` through ``register(app)``. The storage is
``replay.runs``; parity re-publishes a run's archived inboxes into a fresh
namespace (``replay.republish``), runs the real worker on them and compares
output digests (``replay.parity``). A RUN may be given by a unique prefix of its id.

Parity covers all three output topics: a backtest hosts its runs as the
strategy agent does, so its ``strategy.journal`` is re-published with the
other inboxes and the worker's strategy agent rebuilds the runs from it.

Paper runs (``cryptick paper``) are listed from the archive
(``replay.paper_runs``); their parity replays the archived inboxes of their
namespace, strategy agent included, in-process against the archived outputs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from floor.clickhouse import ClickHouse
from replay.paper_runs import PaperRun
from replay.runs import StoredRun, find_run
from streams.money import to_decimal_str

Echo = Callable[[str], None]
RunRef = Annotated[str, typer.Argument(help="Run id (or a unique prefix of it); `cryptick runs` lists them.")]
run_app = typer.Typer(help="One stored run.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add ``runs``, ``run show``, ``parity`` and ``report`` to the ``cryptick`` app."""
    app.command("runs")(runs)
    app.add_typer(run_app, name="run")
    app.command("parity")(parity)
    app.command("report")(report)


def _client() -> Any:
    from floor.settings import get_settings
    from streams.archive.clickhouse import get_client

    return get_client(get_settings().dsn)


def _find(client: ClickHouse, ref: str) -> StoredRun:
    try:
        return find_run(client, ref)
    except LookupError as exc:
        _lookup_failed(exc)


def _paper(client: ClickHouse, ref: str) -> PaperRun | None:
    """The paper run ``ref`` names, or None for a stored backtest (or nothing: ``_find`` says so). An exact
    id wins, then the one run, paper or stored, whose id starts with ``ref``; a prefix of several is an
    error. A paper run's report, once stored, does not make it a backtest: the two are one run."""
    from replay.paper_runs import find_paper_run
    from replay.runs import get_run, run_ids_starting

    exact = get_run(client, ref)
    if exact is not None and exact.mode != "paper":
        return None
    try:
        paper = find_paper_run(client, ref)  # exact, or the one paper run whose id starts with ref
    except LookupError as exc:
        _lookup_failed(exc)
    if paper is None or paper.run_id == ref:
        return paper
    others = [r for r in run_ids_starting(client, ref) if r != paper.run_id]  # its stored report is itself
    if not others:
        return paper
    typer.echo(f"error: {ref} matches several runs: {', '.join(sorted([*others, paper.run_id]))}; give more "
               "of the id", err=True)
    raise typer.Exit(2)


def _lookup_failed(exc: LookupError) -> NoReturn:
    typer.echo(f"error: {exc.args[0]}", err=True)
    raise typer.Exit(2) from None


def _when(ts: int) -> str:
    return datetime.fromtimestamp(ts / 1_000_000, UTC).strftime("%Y-%m-%d %H:%M")


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:+.2f}%"


# --- rendering (pure) ---------------------------------------------------------------------


def runs_table(stored: list[StoredRun]) -> list[str]:
    """One line per run, under a header."""
    head = ("RUN", "STRATEGY", "MODE", "FROM", "TO", "STATUS", "RETURN", "HODL", "ORDERS/FILLS", "CREATED")
    rows = [head]
    for r in stored:
        rep = r.report
        rows.append((r.run_id, r.strategy, r.mode, _when(r.start_ts), _when(r.end_ts), r.status,
                     _pct(rep.result.total_return) if rep else "n/a",
                     _pct(rep.hodl.total_return) if rep else "n/a",
                     f"{rep.orders}/{rep.fills}" if rep else "n/a",
                     r.created_at.strftime("%Y-%m-%d %H:%M:%S")))
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]


def paper_table(paper: list[PaperRun]) -> list[str]:
    """One line per paper run, under a header."""
    head = ("PAPER RUN", "STRATEGY", "NAMESPACE", "STARTED", "ENDED", "STATUS", "ALLOCATION")
    rows = [head]
    for r in paper:
        rows.append((r.run_id, r.strategy, r.namespace or "live", _when(r.started_ts),
                     _when(r.ended_ts) if r.ended_ts else "-", r.status,
                     ", ".join(f"{a.venue}:{a.currency}={to_decimal_str(a.amount)}" for a in r.allocations)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]


def paper_lines(client: ClickHouse, run: PaperRun) -> list[str]:
    """A paper run as the archive knows it: what started it, its states, its activity, its wallet now."""
    from replay.paper_runs import activity, final_balances

    params = ", ".join(f"{k}={v}" for k, v in run.params) or "defaults"
    counts = activity(client, run)
    return [
        f"run        {run.run_id}",
        f"strategy   {run.strategy} ({params})",
        f"mode       paper, {run.status}, namespace {run.namespace or 'live'}, account {run.account}",
        "states",
        *(f"  {_when(ts)}  {state:<8} {detail}" for state, detail, ts in run.states),
        f"activity   {counts.get('OrderRequested', 0)} orders, {counts.get('OrderFilled', 0)} fills, "
        f"{counts.get('CancelRequested', 0)} cancels, {counts.get('OrderRejected', 0)} rejected",
        "initial balances",
        *(f"  {a.venue:<12} {a.currency:<6} {to_decimal_str(a.amount):>20}" for a in run.allocations),
        f"wallet set {run.wallet_set_id} now (balance, available, hold)",
        *(f"  {h.venue:<12} {h.currency:<6} {to_decimal_str(h.balance):>20} {to_decimal_str(h.available):>20}"
          f" {to_decimal_str(h.hold):>16}" for h in final_balances(client, run)),
        "",
        *_paper_report_lines(client, run),
    ]


def _paper_report_lines(client: ClickHouse, run: PaperRun) -> list[str]:
    from replay.paper_runs import report_of
    from replay.report import to_text

    try:
        return [to_text(report_of(client, run))]
    except ValueError as exc:
        return [f"(no report: {exc})"]


def show_lines(run: StoredRun) -> list[str]:
    """Everything stored about ``run``: what it ran, its balances, its messages, its report."""
    from replay.report import to_text

    params = ", ".join(f"{k}={v}" for k, v in run.params) or "defaults"
    source = ", ".join(f"{k}={v}" for k, v in sorted(run.source.items())) or "n/a"
    lines = [
        f"run        {run.run_id}",
        f"strategy   {run.strategy} ({params})",
        f"mode       {run.mode}, {run.status}, stored {run.created_at.strftime('%Y-%m-%d %H:%M:%S')} UTC",
        f"period     {_when(run.start_ts)} -> {_when(run.end_ts)} UTC",
        f"latency    order {run.order_latency_us / 1000:g} ms, report {run.report_latency_us / 1000:g} ms",
        f"source     {source}",
        f"namespace  {run.namespace}",
        f"outputs    sha256 {run.outputs_sha256} ({run.outputs_count} events)",
        "",
        "initial balances",
        *(f"  {a.venue:<12} {a.currency:<6} {to_decimal_str(a.amount):>20}" for a in run.balances),
        "final balances (balance, available, hold)",
        *(f"  {h.venue:<12} {h.currency:<6} {to_decimal_str(h.balance):>20} {to_decimal_str(h.available):>20}"
          f" {to_decimal_str(h.hold):>16}" for h in run.final_balances),
        "messages",
        *(f"  {topic:<20} {n:>10}" for topic, n in sorted(run.messages.items())),
        "",
    ]
    lines.append(to_text(run.report) if run.report else "(no report)")
    return lines


# --- parity -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParityCheck:
    """The stored in-process outputs against the outputs of the worker on the re-published inboxes."""

    run_id: str
    target: str
    stored_sha256: str
    stored_count: int
    replayed_sha256: str
    replayed_count: int
    archive_intact: bool  # the archived outputs still hash to the run's recorded digest

    @property
    def identical(self) -> bool:
        return self.archive_intact and self.stored_sha256 == self.replayed_sha256


def check_parity(client: ClickHouse, bootstrap: str, ref: str, target: str, echo: Echo,
                 log_dir: Path | None = None) -> ParityCheck:
    """Re-publish run ``ref``'s stored inboxes into ``target``, run the worker on them, compare digests."""
    from cryptick.flows import WorkerProcess
    from cryptick.worker import REPLAY_ROLES
    from replay.parity import archived_outputs, kafka_outputs
    from replay.republish import republish
    from schemas.topics import RUN_INBOXES, RUN_OUTPUTS

    run = find_run(client, ref)
    stored = archived_outputs(client, run.namespace, RUN_OUTPUTS)
    intact = stored.sha256 == run.outputs_sha256
    if not intact:
        echo(f"warning: the archived outputs hash to {stored.sha256}, not the {run.outputs_sha256} "
             "recorded with the run")
    counts = republish(client, bootstrap, run.namespace, target, RUN_INBOXES)
    echo(f"re-published run {run.run_id} into namespace {target!r}: "
         + ", ".join(f"{k} {v}" for k, v in counts.items()))
    worker = WorkerProcess(bootstrap, target, REPLAY_ROLES,
                           log_path=log_dir / f"worker-{target}.log" if log_dir else None).start()
    try:
        worker.wait_caught_up()
    finally:
        worker.stop()
    replayed = kafka_outputs(bootstrap, target, RUN_OUTPUTS)
    check = ParityCheck(run.run_id, target, stored.sha256, stored.total, replayed.sha256, replayed.total,
                        intact)
    echo(f"in-process (stored)  {check.stored_sha256} ({check.stored_count} events)")
    echo(f"Kafka replay         {check.replayed_sha256} ({check.replayed_count} events)")
    echo("parity: identical" if check.identical else "parity: DIFFERENT")
    return check


# --- commands ------------------------------------------------------------------------------


def runs(limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 50) -> None:
    """Stored runs (backtests) and archived paper runs, newest first."""
    from replay.paper_runs import paper_runs
    from replay.runs import list_runs

    client = _client()
    stored = list_runs(client, limit)
    ids = {r.run_id for r in stored}
    paper = [r for r in paper_runs(client) if r.run_id not in ids][:limit]
    if not stored and not paper:
        typer.echo("no runs yet; `cryptick backtest ...` stores one, `cryptick paper ...` starts one "
                   "(listed once `cryptick archive` has archived it)")
        return
    if stored:
        for line in runs_table(stored):
            typer.echo(line)
    if paper:
        if stored:
            typer.echo("")
        for line in paper_table(paper):
            typer.echo(line)


@run_app.command("show")
def run_show(run: RunRef) -> None:
    """A run: parameters, balances, messages and its report (a paper run: its states and activity)."""
    client = _client()
    paper = _paper(client, run)
    if paper is not None:
        for line in paper_lines(client, paper):
            typer.echo(line)
        return
    for line in show_lines(_find(client, run)):
        typer.echo(line)


def parity(
    run: RunRef,
    target: Annotated[str, typer.Option(help="Fresh namespace to replay into (default: a new one).")] = "",
) -> None:
    """Check RUN's outputs against a replay of its inboxes; print both hashes; exit 1 if they differ.
    A backtest is replayed through Kafka and the worker; a paper run's namespace in-process."""
    from floor.settings import get_settings

    settings = get_settings()
    client = _client()
    paper = _paper(client, run)
    if paper is not None:
        from replay.paper_runs import paper_parity

        same = paper_parity(client, paper.namespace)
        typer.echo(f"paper run {paper.run_id} in namespace {paper.namespace or 'live'} "
                   "(with every run there: they share the virtual exchange)")
        typer.echo(f"live (archived)      {same.archived.sha256} ({same.archived.total} events)")
        typer.echo(f"in-process replay    {same.replayed.sha256} ({same.replayed.total} events)")
        typer.echo("parity: identical" if same.identical else "parity: DIFFERENT")
        if not same.identical:
            raise typer.Exit(1)
        return
    stored = _find(client, run)
    target = target or f"parity-{stored.run_id}-{int(time.time())}"
    log_dir = settings.cryptick_cache / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    check = check_parity(client, settings.bootstrap, stored.run_id, target, typer.echo, log_dir)
    if not check.identical:
        raise typer.Exit(1)


def report(
    run: RunRef,
    html: Annotated[Path | None, typer.Option(help="Write the report as a self-contained HTML file.")] = None,
) -> None:
    """Print RUN's report; with --html, also write it as an HTML page with its chart.
    A paper run's report is computed from the archive (and stored once the run has ended)."""
    from replay.report import to_html, to_text

    client = _client()
    paper = _paper(client, run)
    if paper is not None:
        from replay.paper_runs import report_of, stored
        from replay.runs import save_run

        try:
            rep = report_of(client, paper)
        except ValueError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        if paper.ended_ts is not None:
            save_run(client, stored(client, paper, rep))
        typer.echo(to_text(rep))
        if html is not None:
            html.write_text(to_html(rep))
            typer.echo(f"wrote {html}")
        return
    stored_run = _find(client, run)
    if stored_run.report is None:
        typer.echo(f"error: run {stored_run.run_id} has no report", err=True)
        raise typer.Exit(2)
    typer.echo(to_text(stored_run.report))
    if html is not None:
        html.write_text(to_html(stored_run.report))
        typer.echo(f"wrote {html}")
