"""Audit reports over HTTP (``replay.audit``): an order's trail, a run's timeline, who did what, fees
and turnover; as JSON, or CSV / Parquet to download (``format``). They read the archive (503 when it
cannot be read: the embedded store held by another process, a server down) and take only bound
parameters, never SQL.

Who may read what: an order's trail and fees are an account's viewer's (the order's account; a
backtest's orders, which move no account's funds, any viewer's); a run's timeline its account's
viewer's; who did what an admin's of the account asked about (of every account without one); the fills
proof, which reads the books every account's orders share, an admin's of every account; a venue's book at a
past instant and over time (public market data) any viewer's; ad-hoc read-only SQL (``POST /audit/sql``),
which reads everything, an admin's of every account."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Response
from pydantic import BaseModel, Field

from api.deps import (
    Admin,
    IdPath,
    NamespaceDep,
    PairPath,
    RunViewer,
    SettingsDep,
    VenuePath,
    Viewer,
    ViewsDep,
)
from api.errors import ARCHIVE_UNAVAILABLE, NOT_FOUND, READS, archive_unreadable
from api.fields import ID_PATTERN, IsoTime
from api.models import Strict, json_response, micros
from api.security.access import refuse_unless
from api.security.policy import Principal, Role
from floor.clickhouse import ClickHouse
from replay.audit.sql import DEFAULT_SECONDS, MAX_PAGE_SIZE, MAX_SECONDS
from replay.audit.table import AuditTable

router = APIRouter(prefix="/audit", tags=["audit"])

Format = Annotated[Literal["json", "csv", "parquet"], Query(description="json (this answer), csv or parquet "
                                                            "(a file to download)")]
OptionalId = Annotated[str | None, Query(pattern=ID_PATTERN, max_length=200)]
RESPONSES: dict[int | str, dict[str, Any]] = {
    **READS, 404: NOT_FOUND, 503: ARCHIVE_UNAVAILABLE,
    200: {"content": {"text/csv": {}, "application/vnd.apache.parquet": {}},
          "description": "The report: JSON, or the CSV or Parquet file `format` asks for."}}


class AuditOut(BaseModel):
    title: str
    columns: list[str]
    rows: list[list[Any]] = Field(description="each row's values in the order of `columns`; amounts are "
                                  "exact decimal text")
    summary: dict[str, Any] = Field(description="what was read and checked: counts, totals, notes")


def _answer(table: AuditTable, fmt: str, name: str) -> Response:
    if fmt == "csv":
        return Response(table.to_csv(), media_type="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    if fmt == "parquet":
        return Response(table.to_parquet(), media_type="application/vnd.apache.parquet",
                        headers={"Content-Disposition": f'attachment; filename="{name}.parquet"'})
    return json_response({"title": table.title, "columns": list(table.columns),
                          "rows": [list(r) for r in table.rows], "summary": table.summary})


def _scoped(who: Principal, role: Role, account: str | None, what: str) -> None:
    """403 unless ``who`` has ``role`` on ``account``; without one (every account), unless it was granted
    every account."""
    if account is None:
        if who.accounts is not None:
            raise HTTPException(403, f"{what} of every account: for a principal of every account; give "
                                     "account=")
        return
    refuse_unless(who, role, account)


def _period(since: datetime | None, until: datetime | None) -> tuple[int | None, int | None]:
    return (micros(since, "since") if since else None, micros(until, "until") if until else None)


async def _report(dsn: str, make: Callable[[Any], AuditTable]) -> AuditTable:
    from streams.archive.clickhouse import thread_client

    def read() -> AuditTable:
        return make(thread_client(dsn))

    try:
        return await asyncio.to_thread(read)
    except LookupError as exc:
        raise HTTPException(404, str(exc.args[0])) from None
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    except Exception as exc:  # a locked embedded store, a server down
        raise archive_unreadable(exc) from None


@router.get("/orders/{order_id}", response_model=AuditOut, responses=RESPONSES)
async def order(order_id: IdPath, settings: SettingsDep, namespace: NamespaceDep, who: Viewer,
                format: Format = "json") -> Response:
    """One order from request to end: who sent it, the hold, acceptance or rejection, each fill with the
    book level it consumed, its settlement and fee postings, cancels, the release of the hold's rest."""
    from replay.audit.trails import order_trail

    table = await _report(settings.dsn, lambda c: order_trail(c, None, order_id))
    if table.summary.get("namespace") == (namespace or "(live)"):  # a live order: its account's
        refuse_unless(who, Role.VIEWER, str(table.summary.get("account", "")))
    return _answer(table, format, f"order-{order_id}")


@router.get("/runs/{run_id}", response_model=AuditOut, responses=RESPONSES)
async def run(run_id: IdPath, settings: SettingsDep, namespace: NamespaceDep, views: ViewsDep, _: RunViewer,
              logs: bool = False, format: Format = "json") -> Response:
    """A run's life: its start (who, with what), funding, subscriptions, control messages (who, what),
    orders, fills and postings, its stop and the release of its wallet set."""
    from replay.audit.trails import run_timeline

    live = views.run_owner(run_id) is not None

    def make(client: ClickHouse) -> AuditTable:
        ns = namespace if live else _archived_namespace(client, run_id)
        return run_timeline(client, ns, run_id, logs=logs)

    return _answer(await _report(settings.dsn, make), format, f"run-{run_id}")


def _archived_namespace(client: ClickHouse, run_id: str) -> str:
    from replay.paper_runs import paper_runs
    from replay.runs import get_run

    stored = get_run(client, run_id)
    if stored is not None and stored.mode != "paper":
        return stored.namespace
    paper = paper_runs(client, run_id)
    if paper:
        return paper[0].namespace
    raise LookupError(f"no run {run_id} in the archive")


@router.get("/commands", response_model=AuditOut, responses=RESPONSES)
async def commands(
    settings: SettingsDep, namespace: NamespaceDep, who: Admin,
    principal: Annotated[str | None, Query(max_length=200, description="a user, cli:<user>, run:<id>, "
                                           "backtest")] = None,
    account: OptionalId = None,
    action: Annotated[str | None, Query(max_length=40, description="order, cancel, deposit, withdraw, create "
                                        "wallet set, adjust wallet set, release wallet set, start run, stop "
                                        "run, control")] = None,
    since: IsoTime | None = None, until: IsoTime | None = None,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 1000, format: Format = "json",
) -> Response:
    """Who did what: every command of this API's namespace with the principal that issued it and when
    the broker took it, newest first."""
    from replay.audit.who import who_did_what

    _scoped(who, Role.ADMIN, account, "who did what")
    since_us, until_us = _period(since, until)
    table = await _report(settings.dsn, lambda c: who_did_what(
        c, namespace, principal=principal, account=account, action=action, since_us=since_us,
        until_us=until_us, limit=limit))
    return _answer(table, format, "commands")


@router.get("/fees", response_model=AuditOut, responses=RESPONSES)
async def fees(
    settings: SettingsDep, namespace: NamespaceDep, who: Viewer,
    account: OptionalId = None, run_id: OptionalId = None,
    by: Annotated[str, Query(max_length=60, description="comma-separated: day, account, run, venue, pair")]
    = "day,account,run,venue",
    since: IsoTime | None = None, until: IsoTime | None = None, format: Format = "json",
) -> Response:
    """Fees and turnover of this API's namespace's fills, exact, grouped as ``by`` says."""
    from replay.audit.fees import fees_and_turnover

    _scoped(who, Role.VIEWER, account, "fees")
    groups = tuple(g.strip() for g in by.split(",") if g.strip())
    since_us, until_us = _period(since, until)
    table = await _report(settings.dsn, lambda c: fees_and_turnover(
        c, namespace, by=groups, account=account, run_id=run_id, since_us=since_us, until_us=until_us))
    return _answer(table, format, "fees")


@router.get("/ledger", response_model=AuditOut, responses=RESPONSES)
async def ledger(
    settings: SettingsDep, namespace: NamespaceDep, who: Viewer, account: OptionalId = None,
    since: IsoTime | None = None, until: IsoTime | None = None, format: Format = "json",
) -> Response:
    """The ledger proven conserved in this API's namespace: every posting balanced, no balance ever
    negative, and at every instant pool + wallet sets = deposits - withdrawals +/- fills - fees per
    account, venue and currency. No row: nothing broken (the summary says how much was checked)."""
    from replay.audit.ledger import ledger_conservation

    _scoped(who, Role.VIEWER, account, "the ledger")
    since_us, until_us = _period(since, until)
    table = await _report(settings.dsn, lambda c: ledger_conservation(c, namespace, account=account,
                                                                      since_us=since_us, until_us=until_us))
    return _answer(table, format, "ledger")


@router.get("/fills", response_model=AuditOut, responses=RESPONSES)
async def fills(
    settings: SettingsDep, namespace: NamespaceDep, who: Admin, venue: OptionalId = None,
    pair: OptionalId = None, since: IsoTime | None = None, until: IsoTime | None = None,
    format: Format = "json",
) -> Response:
    """No double fill, proven in this API's namespace: at every book level and book version, the size
    virtual orders consumed never exceeded the displayed size. No row: none (the summary says how many
    fills, levels and book versions were checked); a row is a violation with the fills' ids. The books
    are shared by every account's orders, so the proof reads them all: an admin's of every account."""
    from replay.audit.fills import no_double_fill

    if who.accounts is not None:
        raise HTTPException(403, "the proof reads every account's fills: it is for an admin of every account")
    since_us, until_us = _period(since, until)
    table = await _report(settings.dsn, lambda c: no_double_fill(c, namespace, venue=venue, pair=pair,
                                                                 since_us=since_us, until_us=until_us))
    return _answer(table, format, "fills")


@router.get("/refused", response_model=AuditOut, responses=RESPONSES)
async def refused(
    settings: SettingsDep, namespace: NamespaceDep, who: Viewer, account: OptionalId = None,
    kinds: Annotated[str | None, Query(max_length=100, description="comma-separated: orders, commands, "
                                       "cancels, dead letters, discrepancies (default: all)")] = None,
    since: IsoTime | None = None, until: IsoTime | None = None,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 1000, format: Format = "json",
) -> Response:
    """What was refused and why in this API's namespace, newest first: orders, wallet commands and
    cancels the engines turned down, dead letters (every account's only), balances an exchange reported
    other than the ledger's."""
    from replay.audit.refused import KINDS
    from replay.audit.refused import refused as report

    _scoped(who, Role.VIEWER, account, "refusals")
    chosen = tuple(k.strip() for k in kinds.split(",") if k.strip()) if kinds else KINDS
    since_us, until_us = _period(since, until)
    table = await _report(settings.dsn, lambda c: report(c, namespace, account=account, kinds=chosen,
                                                         since_us=since_us, until_us=until_us, limit=limit))
    return _answer(table, format, "refused")


@router.get("/books/{venue}/{pair}", response_model=AuditOut, responses=RESPONSES)
async def book(
    venue: VenuePath, pair: PairPath, settings: SettingsDep, namespace: NamespaceDep, _: Viewer,
    at: Annotated[IsoTime, Query(description="the instant, ISO 8601 (UTC without a zone)")],
    depth: Annotated[int, Query(ge=1, le=1000, description="levels a side")] = 20, format: Format = "json",
) -> Response:
    """The venue's order book as it was at ``at`` in this API's namespace, rebuilt from the archived
    snapshots and deltas: rows (side, level, price, size), the best ``depth`` levels a side, best first;
    the summary names the event it reflects (``version``, its id and time). 404 when the archive has no
    book of the pair at that instant (it says when its first book event is)."""
    from replay.audit.books import book_at

    at_us = micros(at, "at")
    table = await _report(settings.dsn, lambda c: book_at(c, namespace, venue, pair, at_us, depth=depth))
    return _answer(table, format, f"book-{venue}-{pair}")


@router.get("/books/{venue}/{pair}/series", response_model=AuditOut, responses=RESPONSES)
async def book_series(
    venue: VenuePath, pair: PairPath, settings: SettingsDep, namespace: NamespaceDep, _: Viewer,
    since: IsoTime, until: IsoTime,
    every: Annotated[str, Query(pattern=r"^[0-9]{1,6}[smhd]$", description="the interval: 30s, 1m, 5m, 1h, "
                                "1d")] = "1m",
    levels: Annotated[int, Query(ge=1, le=1000, description="depth: the displayed size within this many "
                                 "best levels a side")] = 10,
    format: Format = "json",
) -> Response:
    """The book's top over time in this API's namespace: at the end of each interval from ``since`` to
    ``until`` (at most 10,000), best bid and ask, mid = (bid + ask) / 2, spread = ask - bid, and the
    displayed size within the best ``levels`` levels of each side, with the event each point reflects."""
    from replay.audit.books import book_series as series
    from replay.audit.books import parse_every

    try:
        every_us = parse_every(every)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    since_us, until_us = micros(since, "since"), micros(until, "until")
    table = await _report(settings.dsn, lambda c: series(c, namespace, venue, pair, since_us, until_us,
                                                         every_us, levels=levels))
    return _answer(table, format, f"book-series-{venue}-{pair}")


class SqlIn(Strict):
    sql: str = Field(min_length=1, max_length=20_000, description="one read-only statement (SELECT, WITH, "
                     "SHOW, DESCRIBE, EXPLAIN); bound values as {name:Type}")
    parameters: dict[str, str | int | float | bool | None] = Field(
        {}, max_length=100, description="the bound values by name; ClickHouse parses them into their types")
    page: int = Field(1, ge=1, description="which page, from 1")
    page_size: int = Field(100, ge=1, le=MAX_PAGE_SIZE)
    time_limit_s: int = Field(DEFAULT_SECONDS, ge=1, le=MAX_SECONDS, description="ClickHouse stops the "
                              "query after this long (max_execution_time)")


SQL_RESPONSES: dict[int | str, dict[str, Any]] = {
    **RESPONSES, 422: {"description": "ClickHouse refused the query (a write, a changed setting, a limit, "
                       "its syntax): its message in `detail`"}}


@router.post("/sql", response_model=AuditOut, responses=SQL_RESPONSES)
async def sql(body: SqlIn, settings: SettingsDep, who: Admin, format: Format = "json") -> Response:
    """Ad-hoc read-only SQL over the archive, a page at a time, for an admin of every account.
    ClickHouse itself holds the connection read-only (``readonly=1``: a write, DDL or changed setting is
    refused, with its message as a 422) and stops a query after ``time_limit_s`` or past a billion rows
    read. Pages follow the query's own ORDER BY (without one ClickHouse may order rows differently
    from one call to the next); the summary says whether there is a ``next page``. Pages reach the
    first 1,000,000 rows of an answer. The tables: ``infra/clickhouse/README.md``."""
    from replay.audit.sql import SqlQuery, audit_dsn, run_sql

    if who.accounts is not None:
        raise HTTPException(403, "SQL reads every account's data: it is for an admin of every account")
    try:
        query = SqlQuery(body.sql, dict(body.parameters), page=body.page, page_size=body.page_size,
                         time_limit_s=body.time_limit_s)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    dsn = audit_dsn(settings)
    table = await _report(settings.dsn, lambda c: run_sql(dsn, query, c))
    response = _answer(table, format, "query")
    response.headers["X-Next-Page"] = str(table.summary.get("next page") or "")
    return response
