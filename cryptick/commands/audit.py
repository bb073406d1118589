"""``cryptick audit``: the archive's audit reports (``replay.audit``) on the terminal, or exported.

``order ORDER``, ``run RUN``, ``who``, ``fees``, ``ledger``, ``fills``, ``refused``, ``book``,
``book-series``; each prints an aligned table and what it checked, or ``--format csv|json|parquet``
(``--output FILE``; Parquet needs a file). A run's reports read the run's own namespace (a backtest's, a
paper run's); the others read the live namespace unless given ``--namespace`` or ``--run``. ``sql``
runs an admin's own read-only query over the whole archive, a page at a time (``replay.audit.sql``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from floor.clickhouse import ClickHouse
from replay.audit.table import AuditTable

app = typer.Typer(help="Audit reports from the archive: order trails, run timelines, who did what, fees, "
                  "proofs, books at a past instant; read-only SQL.",
                  no_args_is_help=True)


class Format(StrEnum):
    text = "text"
    csv = "csv"
    json = "json"
    parquet = "parquet"


FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="text (aligned, first --rows rows), csv, "
                                           "json or parquet (with --output).")]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Write the report to this file.")]
NamespaceOpt = Annotated[str | None, typer.Option("--namespace", help="The namespace to read (default: the "
                                                  "live one; a backtest's is backtest-<run id>).")]
RowsOpt = Annotated[int, typer.Option("--rows", min=1, help="Rows shown in text format.")]


def _fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _client() -> Any:
    from floor.settings import get_settings
    from streams.archive.clickhouse import get_client

    return get_client(get_settings().dsn)


def _namespace_of_run(client: ClickHouse, ref: str) -> tuple[str, str]:
    """(run id, namespace) of a stored backtest or a paper run named by ``ref`` (or a prefix)."""
    from cryptick.commands.runs import _find, _paper

    paper = _paper(client, ref)
    if paper is not None:
        return paper.run_id, paper.namespace
    stored = _find(client, ref)
    return stored.run_id, stored.namespace


def _time(text: str | None, option: str) -> int | None:
    from replay.backtests import UsageError, parse_time

    if text is None:
        return None
    try:
        return parse_time(text, option)
    except UsageError as exc:
        _fail(str(exc))


def _emit(table: AuditTable, fmt: Format, output: Path | None, rows: int) -> None:
    if fmt is Format.parquet:
        if output is None:
            _fail("--format parquet writes a file: give --output FILE.parquet")
        output.write_bytes(table.to_parquet())
        typer.echo(f"{len(table.rows)} rows written to {output}", err=True)
        return
    if fmt is Format.csv:
        text = table.to_csv()
    elif fmt is Format.json:
        text = json.dumps({"title": table.title, "columns": list(table.columns), "rows": table.as_dicts(),
                           "summary": table.summary}, indent=1) + "\n"
    else:
        text = table.to_text(limit=None if output is not None else rows) + "\n"
    if output is not None:
        output.write_text(text)
        typer.echo(f"{len(table.rows)} rows written to {output}", err=True)
    else:
        sys.stdout.write(text)


def _run(report: Callable[[], AuditTable]) -> AuditTable:
    try:
        return report()
    except LookupError as exc:
        _fail(str(exc.args[0]))
    except ValueError as exc:
        _fail(str(exc))


@app.command("order")
def order(order_id: Annotated[str, typer.Argument(help="The order's id (`cryptick` prints it; GET "
                                                  "/accounts/{a}/orders lists them).")],
          namespace: NamespaceOpt = None,
          run: Annotated[str | None, typer.Option("--run", help="Read the namespace of this run.")] = None,
          fmt: FormatOpt = Format.text, output: OutputOpt = None, rows: RowsOpt = 50) -> None:
    """One order from request to end: who sent it, the hold, acceptance, each fill with the book level it
    consumed, the settlement and fee postings, cancels, the release of the rest of the hold."""
    from replay.audit.trails import order_trail

    client = _client()
    ns = _namespace_of_run(client, run)[1] if run else namespace  # None: where the order is
    _emit(_run(lambda: order_trail(client, ns, order_id)), fmt, output, rows)


@app.command("run")
def run_timeline(run: Annotated[str, typer.Argument(help="Run id (or a unique prefix); `cryptick runs` lists "
                                                    "them.")],
                 logs: Annotated[bool, typer.Option("--logs", help="Add every log line (warnings and errors "
                                                    "are always in).")] = False,
                 fmt: FormatOpt = Format.text, output: OutputOpt = None, rows: RowsOpt = 200) -> None:
    """A run's life: start (who, with what), funding, subscriptions, control messages (who, what), orders,
    fills and postings, stop and release."""
    from replay.audit.trails import run_timeline as timeline

    client = _client()
    run_id, ns = _namespace_of_run(client, run)
    _emit(_run(lambda: timeline(client, ns, run_id, logs=logs)), fmt, output, rows)


@app.command("who")
def who(principal: Annotated[str | None, typer.Option("--principal", help="Only this principal's commands "
                                                      "(a user, cli:<user>, run:<id>, backtest).")] = None,
        account: Annotated[str | None, typer.Option("--account", help="Only commands on this account (and "
                                                    "its runs).")] = None,
        action: Annotated[str | None, typer.Option("--action", help="order, cancel, deposit, withdraw, "
                                                   "create wallet set, adjust wallet set, release wallet "
                                                   "set, start run, stop run, control.")] = None,
        since: Annotated[str | None, typer.Option("--since", help="From this UTC time (2026-12-01T09:00)."
                                                  )] = None,
        until: Annotated[str | None, typer.Option("--until", help="Before this UTC time.")] = None,
        limit: Annotated[int, typer.Option("--limit", min=1, max=1_000_000, help="The newest N.")] = 1000,
        namespace: NamespaceOpt = None,
        run: Annotated[str | None, typer.Option("--run", help="Read the namespace of this run.")] = None,
        fmt: FormatOpt = Format.text, output: OutputOpt = None, rows: RowsOpt = 50) -> None:
    """Who did what: every command with the principal that issued it and when, newest first."""
    from replay.audit.who import who_did_what

    client = _client()
    ns = _namespace_of_run(client, run)[1] if run else (namespace or "")
    since_us, until_us = _time(since, "--since"), _time(until, "--until")
    _emit(_run(lambda: who_did_what(client, ns, principal=principal, account=account, action=action,
                                    since_us=since_us, until_us=until_us, limit=limit)), fmt, output, rows)


@app.command("fees")
def fees(by: Annotated[str, typer.Option("--by", help="Group by any of day, account, run, venue, pair "
                                         "(comma-separated).")] = "day,account,run,venue",
         account: Annotated[str | None, typer.Option("--account")] = None,
         run: Annotated[str | None, typer.Option("--run", help="Only this run's fills (in its namespace).")]
         = None,
         since: Annotated[str | None, typer.Option("--since", help="From this UTC time.")] = None,
         until: Annotated[str | None, typer.Option("--until", help="Before this UTC time.")] = None,
         namespace: NamespaceOpt = None,
         fmt: FormatOpt = Format.text, output: OutputOpt = None, rows: RowsOpt = 100) -> None:
    """Fees and turnover of the fills, exact, per day, account, run and venue (or as --by says)."""
    from replay.audit.fees import fees_and_turnover

    client = _client()
    run_id, ns = _namespace_of_run(client, run) if run else (None, namespace or "")
    groups = tuple(g.strip() for g in by.split(",") if g.strip())
    since_us, until_us = _time(since, "--since"), _time(until, "--until")
    _emit(_run(lambda: fees_and_turnover(client, ns, by=groups, account=account, run_id=run_id,
                                         since_us=since_us, until_us=until_us)), fmt, output, rows)


@app.command("ledger")
def ledger(account: Annotated[str | None, typer.Option("--account", help="Only this account.")] = None,
           since: Annotated[str | None, typer.Option("--since", help="Report breaks from this UTC time.")]
           = None,
           until: Annotated[str | None, typer.Option("--until", help="Report breaks before this UTC time.")]
           = None,
           namespace: NamespaceOpt = None,
           run: Annotated[str | None, typer.Option("--run", help="Read the namespace of this run.")] = None,
           fmt: FormatOpt = Format.text, output: OutputOpt = None, rows: RowsOpt = 100) -> None:
    """Prove the ledger conserved: every posting balanced, no balance ever negative, and at every instant
    pool + wallet sets = deposits - withdrawals +/- fills - fees, per account, venue and currency. Exits 1
    when anything is broken (the rows say where, with the events' ids)."""
    from replay.audit.ledger import ledger_conservation

    client = _client()
    ns = _namespace_of_run(client, run)[1] if run else (namespace or "")
    since_us, until_us = _time(since, "--since"), _time(until, "--until")
    table = _run(lambda: ledger_conservation(client, ns, account=account, since_us=since_us,
                                             until_us=until_us))
    _emit(table, fmt, output, rows)
    if table.rows:
        raise typer.Exit(1)


@app.command("fills")
def fills(venue: Annotated[str | None, typer.Option("--venue", help="Only this venue's books.")] = None,
          pair: Annotated[str | None, typer.Option("--pair", help="Only this pair (BTC-USD).")] = None,
          since: Annotated[str | None, typer.Option("--since", help="Report fills and violations from this "
                                                    "UTC time.")] = None,
          until: Annotated[str | None, typer.Option("--until", help="Read nothing at or after this UTC "
                                                    "time.")] = None,
          namespace: NamespaceOpt = None,
          run: Annotated[str | None, typer.Option("--run", help="Read the namespace of this run.")] = None,
          fmt: FormatOpt = Format.text, output: OutputOpt = None, rows: RowsOpt = 100) -> None:
    """Prove no double fill: at every book level and book version, the size virtual orders consumed never
    exceeded the displayed size. Exits 1 on a violation (the rows list it with the fills' ids)."""
    from replay.audit.fills import no_double_fill

    client = _client()
    ns = _namespace_of_run(client, run)[1] if run else (namespace or "")
    since_us, until_us = _time(since, "--since"), _time(until, "--until")
    table = _run(lambda: no_double_fill(client, ns, venue=venue, pair=pair, since_us=since_us,
                                        until_us=until_us))
    _emit(table, fmt, output, rows)
    if table.rows:
        raise typer.Exit(1)


@app.command("refused")
def refused_report(
        account: Annotated[str | None, typer.Option("--account", help="Only this account's (dead letters "
                                                    "name none: left out).")] = None,
        kind: Annotated[list[str] | None, typer.Option("--kind", help="orders, commands, cancels, dead "
                                                       "letters, discrepancies (repeat; default: all).")]
        = None,
        since: Annotated[str | None, typer.Option("--since", help="From this UTC time.")] = None,
        until: Annotated[str | None, typer.Option("--until", help="Before this UTC time.")] = None,
        limit: Annotated[int, typer.Option("--limit", min=1, max=1_000_000, help="The newest N.")] = 1000,
        namespace: NamespaceOpt = None,
        run: Annotated[str | None, typer.Option("--run", help="Read the namespace of this run.")] = None,
        fmt: FormatOpt = Format.text, output: OutputOpt = None, rows: RowsOpt = 50) -> None:
    """What was refused and why: orders, wallet commands and cancels the engines turned down, dead
    letters (messages an inbox could not decode or process), balances an exchange reported other than
    the ledger's; newest first."""
    from replay.audit.refused import KINDS
    from replay.audit.refused import refused as report

    client = _client()
    ns = _namespace_of_run(client, run)[1] if run else (namespace or "")
    since_us, until_us = _time(since, "--since"), _time(until, "--until")
    kinds = tuple(kind) if kind else KINDS
    _emit(_run(lambda: report(client, ns, account=account, kinds=kinds, since_us=since_us,
                              until_us=until_us, limit=limit)), fmt, output, rows)


VenueOpt = Annotated[str, typer.Option("--venue", help="The venue (synthetic, coinbase, ...).")]
PairOpt = Annotated[str, typer.Option("--pair", help="The pair (BTC-USD).")]


@app.command("book")
def book(venue: VenueOpt, pair: PairOpt,
         at: Annotated[str, typer.Option("--at", help="The instant, UTC (2026-12-01T09:00:00.5).")],
         depth: Annotated[int, typer.Option("--depth", min=1, max=1000, help="Levels a side.")] = 20,
         namespace: NamespaceOpt = None,
         run: Annotated[str | None, typer.Option("--run", help="Read the namespace of this run.")] = None,
         fmt: FormatOpt = Format.text, output: OutputOpt = None, rows: RowsOpt = 2000) -> None:
    """A venue's order book as it was at an instant, rebuilt from the archived snapshots and deltas: the
    best --depth levels of each side, with the event it reflects (its version) and that event's time."""
    from replay.audit.books import book_at

    at_us = _time(at, "--at")
    assert at_us is not None
    client = _client()
    ns = _namespace_of_run(client, run)[1] if run else (namespace or "")
    _emit(_run(lambda: book_at(client, ns, venue, pair, at_us, depth=depth)), fmt, output, rows)


@app.command("book-series")
def book_series(venue: VenueOpt, pair: PairOpt,
                since: Annotated[str, typer.Option("--since", help="From this UTC time.")],
                until: Annotated[str, typer.Option("--until", help="To this UTC time.")],
                every: Annotated[str, typer.Option("--every", help="The interval: 30s, 1m, 5m, 1h, 1d.")]
                = "1m",
                levels: Annotated[int, typer.Option("--levels", min=1, max=1000, help="Depth: the displayed "
                                                    "size within this many best levels a side.")] = 10,
                namespace: NamespaceOpt = None,
                run: Annotated[str | None, typer.Option("--run", help="Read the namespace of this run.")]
                = None,
                fmt: FormatOpt = Format.text, output: OutputOpt = None, rows: RowsOpt = 100) -> None:
    """The book's top over time: at the end of each interval, best bid and ask, mid, spread, and the
    displayed size within the best --levels levels of each side."""
    from replay.audit.books import book_series as series
    from replay.audit.books import parse_every

    since_us, until_us = _time(since, "--since"), _time(until, "--until")
    assert since_us is not None and until_us is not None
    try:
        every_us = parse_every(every)
    except ValueError as exc:
        _fail(f"--every: {exc}")
    client = _client()
    ns = _namespace_of_run(client, run)[1] if run else (namespace or "")
    _emit(_run(lambda: series(client, ns, venue, pair, since_us, until_us, every_us, levels=levels)), fmt,
          output, rows)


@app.command("sql")
def sql(query: Annotated[str, typer.Argument(help="One read-only statement: SELECT ... (bound values as "
                                             "{name:Type}, given with --param).")],
        param: Annotated[list[str] | None, typer.Option("--param", help="A bound value, name=value (repeat)."
                                                        )] = None,
        page: Annotated[int, typer.Option("--page", min=1, help="Which page, from 1.")] = 1,
        page_size: Annotated[int, typer.Option("--page-size", min=1, max=10_000, help="Rows a page.")] = 100,
        time_limit: Annotated[int, typer.Option("--time-limit", min=1, max=300, help="Seconds the query may "
                                                "run.")] = 30,
        fmt: FormatOpt = Format.text, output: OutputOpt = None) -> None:
    """Ad-hoc read-only SQL over the archive: ClickHouse refuses anything but reads (readonly=1), stops a
    query at the time limit or past a billion rows read, and answers a page at a time (in the query's
    own ORDER BY; without one, pages may overlap). The tables: infra/clickhouse/README.md."""
    from floor.settings import get_settings
    from replay.audit.sql import SqlQuery, SqlRefused, audit_dsn, run_sql

    parameters: dict[str, str] = {}
    for item in param or []:
        name, eq, value = item.partition("=")
        if not eq or not name.strip():
            _fail(f"--param {item!r}: give name=value")
        parameters[name.strip()] = value
    try:
        q = SqlQuery(query, parameters, page=page, page_size=page_size, time_limit_s=time_limit)
    except ValueError as exc:
        _fail(str(exc))
    try:
        table = run_sql(audit_dsn(get_settings()), q, _client())
    except SqlRefused as exc:
        _fail(f"ClickHouse refused the query: {exc}")
    _emit(table, fmt, output, page_size)
