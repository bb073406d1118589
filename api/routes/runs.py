"""Strategy runs: the runnable strategies, paper runs started and stopped, dashboard control messages;
the runs read back (list, details, components with their latest data, logs) from the API's read model.

Commands go to the strategy agent's inbox (``strategy.journal``, key run id);
what the run does comes back on ``/streams/events?kinds=runs`` (states,
dashboard components, logs) and the order and wallet streams.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Header, HTTPException, Query, Request, Response, status
from fastapi.responses import JSONResponse

from api.deps import (
    CommandsDep,
    IdPath,
    NamespaceDep,
    RunTrader,
    RunViewer,
    SettingsDep,
    Trader,
    Viewer,
    ViewsDep,
)
from api.errors import (
    ARCHIVE_UNAVAILABLE,
    CONFLICT,
    NOT_FOUND,
    READS,
    SENDS,
    archive_left_out,
    archive_unreadable,
)
from api.fields import ID_PATTERN, IsoTime
from api.models import (
    ComponentOut,
    ErrorOut,
    HoldingOut,
    LogOut,
    ParamsCheckedOut,
    ParamsIn,
    RunDetailOut,
    RunIn,
    RunMessagesOut,
    RunOut,
    RunPerformanceOut,
    RunReportOut,
    RunSummaryOut,
    SentOut,
    StopIn,
    StrategyOut,
    StrategyParamOut,
    iso_time,
    json_response,
    micros,
    partial_header,
    show,
)
from api.security.access import refuse_unless
from api.security.policy import Role
from api.services.command_outcome import REJECTIONS
from api.services.commands import CommandNotDelivered, Outcome, now_us
from api.services.names import check_names
from api.services.run_performance import Performance, paper_performance, report_performance
from api.services.run_views import Component, RunView
from api.services.views import AgentViews
from schemas.events import Allocation, DeadLetter, HistoryLoaded
from schemas.topics import STRATEGY_JOURNAL
from strategies import commands, registry
from strategies import start as run_start
from strategies.params import ParamError, describe, parse_params, values_as_text

log = logging.getLogger(__name__)

router = APIRouter(tags=["runs"])
Payload = Annotated[Any, Body(description="Any JSON: what the component's control sends.")]


def _now() -> int:
    return now_us()  # a command's time is when it was given


@router.get("/strategies", response_model=list[StrategyOut], responses=READS)
def strategies(_: Viewer) -> list[StrategyOut]:
    """The runnable strategies, each with its parameters: their input type, default (as the text a start
    sends) and meaning."""
    out = []
    for name in registry.names():
        r = registry.get(name)
        params = [StrategyParamOut(name=p.name, type=p.kind, default=p.default, help=p.help)
                  for p in describe(r.params_type)]
        out.append(StrategyOut(name=name, description=r.description, params=params))
    return out


@router.post("/strategies/{name}/check", response_model=ParamsCheckedOut,
             responses={**READS, 404: NOT_FOUND})
def check_params(name: IdPath, body: ParamsIn, _: Viewer) -> Response | ParamsCheckedOut:
    """Check parameters as ``POST /runs`` would, sending nothing: 200 with every parameter's parsed value
    as text; 422 with the reason, and in ``errors`` each parameter it is about (``params.<name>``)."""
    try:
        runnable = registry.get(name)
    except registry.UnknownStrategy as exc:
        raise HTTPException(404, str(exc).strip("'\"")) from None
    try:
        parsed = parse_params(runnable.params_type, body.params, name)
    except ParamError as exc:
        errors = [{"field": f"params.{f}", "message": str(exc)} for f in exc.fields]
        out = ErrorOut(status="invalid", detail=str(exc), errors=errors or None, command_id=None)
        return JSONResponse(out.model_dump(exclude_none=True), status_code=422)
    return ParamsCheckedOut(strategy=name, params=values_as_text(parsed))


@router.post("/runs", response_model=RunOut, status_code=status.HTTP_202_ACCEPTED,
             responses={**SENDS, 409: CONFLICT})
async def start(body: RunIn, bus: CommandsDep, settings: SettingsDep, who: Trader) -> RunOut:
    """Start a paper run; 422 with the reason for an unknown strategy, bad parameters or an unknown
    venue or currency. Everything is checked before anything is sent. The start is idempotent under its
    ``command_id`` (made and returned when not given): sent again, the same key starts the same run
    with one deposit; the same key with other balances is a 409. Whether it runs (funded, subscribed)
    or fails is on the ``runs`` event stream (``strategies.start`` plans what is sent)."""
    refuse_unless(who, Role.ADMIN if body.deposit else Role.TRADER, body.account)  # a deposit is an admin's
    key = body.command_id or f"run-{uuid.uuid4().hex}"
    try:  # the run's id comes from the account and the key alone: a retry is the same run, whatever else
        checked = run_start.check(run_start.StartRequest(
            body.strategy, body.params, [Allocation(a.venue, a.currency, a.amount) for a in body.balances],
            body.account, body.deposit, body.duration_s, key=key))
    except run_start.StartInvalid as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    check_names(bus.views, [(a.venue, a.currency) for a in body.balances])
    now = _now()
    loaded, note = [], None
    run_id = checked.spec.run_id
    if body.history and checked.strategy.history_candles:  # read before anything is sent: a slow archive
        try:                                                 # delays the start, never splits it
            loaded = await asyncio.to_thread(_history, checked, settings.dsn, now)
        except Exception as exc:  # the run goes on without archived history; say why
            note = f"no archived history: {type(exc).__name__}: {exc}"
            log.warning("run %s starts without archived history", run_id, exc_info=exc,
                        extra={"run_id": run_id, "account": body.account})
    plan = run_start.plan(checked, now, who.id, loaded)  # a retry sends the same commands (their time aside)
    try:
        for m in plan.messages:
            if m.confirm:  # a deposit, to the ledger (send_async's topic): its outcome before going on
                _funded(key, await bus.send_async(m.key, m.event))
            else:
                await bus.append_async(m.topic, m.key, m.event)
    except CommandNotDelivered as exc:  # the client retries the whole start with its key
        raise CommandNotDelivered(key, str(exc)) from None
    spec = plan.spec
    return RunOut(run_id=spec.run_id, wallet_set_id=spec.wallet_set_id, account=spec.account,
                  command_id=key, history_candles=plan.history_candles, history_note=note)


def _history(checked: run_start.Checked, dsn: str, now: int) -> list[HistoryLoaded]:
    from replay.history import ArchiveHistory
    from streams.archive.clickhouse import thread_client

    return commands.history(checked.strategy, checked.spec, ArchiveHistory(thread_client(dsn)), now)


def _funded(key: str, outcome: Outcome) -> None:
    """409 when the key started a run with other balances; 422 when the ledger refused the deposit."""
    if outcome.conflict is not None:
        raise HTTPException(409, f"command_id {key!r} started a run with other balances; nothing was "
                                 "sent. Use a new command_id for a new run.")
    for e in outcome.events or []:
        if isinstance(e, (*REJECTIONS, DeadLetter)):
            raise HTTPException(422, f"the deposit was refused ({getattr(e, 'reason', '')}): "
                                     f"{getattr(e, 'detail', None) or getattr(e, 'reason', '')}; the run was "
                                     "not started")


@router.post("/runs/{run_id}/stop", response_model=SentOut, status_code=status.HTTP_202_ACCEPTED,
             responses=SENDS)
def stop(run_id: IdPath, body: StopIn, bus: CommandsDep, who: RunTrader) -> SentOut:
    """Stop a run: its open orders are cancelled, its market data stops. A run stops once: a retry, or a
    second stop, changes nothing."""
    cmd = dataclasses.replace(commands.stop_run(run_id, body.reason, _now(), body.release), principal=who.id)
    bus.append(STRATEGY_JOURNAL, run_id, cmd)
    return SentOut(command_id=cmd.event_id, idempotency_key=None)


@router.post("/runs/{run_id}/components/{component_id}", response_model=SentOut,
             status_code=status.HTTP_202_ACCEPTED, responses=SENDS)
def post_to_component(run_id: IdPath, component_id: IdPath, bus: CommandsDep, payload: Payload,
                      who: RunTrader,
                      idempotency_key: Annotated[str | None, Header(pattern=ID_PATTERN)] = None) -> SentOut:
    """Send a control message to one of the run's dashboard components (a slider moved, a confirm).
    A retry with the same ``Idempotency-Key`` header is delivered once; without one, the API makes a key
    and returns it (``idempotency_key``): retry with it after a 503."""
    key = idempotency_key or uuid.uuid4().hex
    try:
        cmd = commands.control(run_id, component_id, payload, _now(), key)
        cmd = dataclasses.replace(cmd, principal=who.id)
    except (TypeError, ValueError) as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    try:
        bus.append(STRATEGY_JOURNAL, run_id, cmd)
    except CommandNotDelivered as exc:
        raise CommandNotDelivered(key, f"{exc} (send it again with the header Idempotency-Key: {key})"
                                  ) from None
    return SentOut(command_id=cmd.event_id, idempotency_key=key)


# --- reads ----------------------------------------------------------------------------------


def _summary(run: RunView) -> dict[str, Any]:
    return {"run_id": run.run_id, "strategy": run.strategy, "mode": run.mode, "account": run.account,
            "wallet_set_id": run.wallet_set_id, "state": run.state, "detail": run.detail,
            "started": iso_time(run.start_ts), "state_changed": iso_time(run.state_ts),
            "component_count": len(run.components)}


def _component(c: Component) -> ComponentOut:
    return ComponentOut(component_id=c.component_id, kind=c.kind, spec=c.spec, data=c.data,
                        declared=iso_time(c.declared_ts) or "", updated=iso_time(c.updated_ts),
                        updates=c.updates, history=list(c.history or ()))


def _found(views: ViewsDep, run_id: str) -> tuple[RunView, Any]:
    fold, lock = views.run_views()
    run = fold.runs.get(run_id)
    if run is None:
        raise HTTPException(404, f"no run {run_id} (yet)")
    return run, lock


@router.get("/runs", response_model=list[RunSummaryOut], responses=READS)
async def runs(views: ViewsDep, request: Request, response: Response, who: Viewer,
               state: Annotated[str | None, Query(pattern=ID_PATTERN, description="e.g. running")] = None,
               strategy: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
               account: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
               mode: Annotated[Literal["paper", "backtest"] | None, Query(
                   description="paper runs (hosted by the strategy agent) or backtests (this API's and the "
                               "archive's); both when absent")] = None,
               started_after: Annotated[IsoTime | None, Query(description="ISO 8601")] = None,
               started_before: Annotated[IsoTime | None, Query(description="ISO 8601")] = None,
               limit: Annotated[int, Query(ge=1, le=1000)] = 100,
               offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> list[RunSummaryOut]:
    """The namespace's runs — paper runs and backtests — newest start first, filtered by mode, state,
    strategy, account and start time; paged, each with its ``performance`` (see ``RunPerformanceOut``:
    a paper run's from this API's replica, a backtest's from its report). A backtest's ``started`` is when
    it was asked for. When the archive cannot be read, the archive's backtests are left out and the
    ``X-Cryptick-Partial`` header says why."""
    lo = None if started_after is None else micros(started_after, "started_after")
    hi = None if started_before is None else micros(started_before, "started_before")
    found: list[dict[str, Any]] = []
    if mode in (None, "paper"):
        fold, lock = views.run_views()
        with lock:
            found = [_summary(r) | {"_ts": r.start_ts or 0, "_given": list(r.allocations)}
                     for r in fold.runs.values()]
        prices = views.mids()
        for r in found:
            r["performance"] = _paper_performance(views, r["account"], r["wallet_set_id"], r.pop("_given"),
                                                  prices)
    if mode in (None, "backtest"):
        found += await _backtests(request, response)
    chosen = [r for r in found
              if (r["mode"] == "backtest" or who.sees(r["account"]))  # backtests move no account's funds
              and (state is None or r["state"] == state) and (strategy is None or r["strategy"] == strategy)
              and (account is None or r["account"] == account)
              and (lo is None or r["_ts"] >= lo) and (hi is None or r["_ts"] < hi)]
    chosen.sort(key=lambda r: (-r["_ts"], r["run_id"]))
    page = chosen[offset:offset + limit]
    return [RunSummaryOut(**{k: v for k, v in r.items() if k != "_ts"}) for r in page]


def _paper_performance(views: AgentViews, account: str, wallet_set_id: str, given: list[tuple[str, str, int]],
                       prices: dict[tuple[str, str], int]) -> RunPerformanceOut | None:
    ledger, lock = views.ledger(account)
    with lock:
        wallet_set = ledger.wallet_set(account, wallet_set_id) if ledger else None
    return _performance_out(paper_performance(wallet_set, given, prices))


def _performance_out(p: Performance | None) -> RunPerformanceOut | None:
    if p is None:
        return None

    def usd(v: int | float | None) -> str | None:
        return None if v is None else show(v) if isinstance(v, int) else f"{v:.2f}"

    return RunPerformanceOut(equity_usd=usd(p.equity_usd), start_usd=usd(p.start_usd),
                             total_return=p.total_return, max_drawdown=p.max_drawdown,
                             basis="report" if p.basis == "report" else "replica")


def _job_performance(report: Any) -> RunPerformanceOut | None:
    if report is None:
        return None
    r = report.result
    return _performance_out(report_performance(r.start_value, r.end_value, r.total_return, r.max_drawdown))


async def _backtests(request: Request, response: Response) -> list[dict[str, Any]]:
    """This API's backtests and the archive's, as run summaries."""
    jobs = request.app.state.backtests
    out, seen = [], set()
    for j in jobs.jobs():
        seen.add(j.run_id)
        ts = int(j.submitted * 1_000_000)
        out.append({"run_id": j.run_id, "strategy": j.opts.strategy, "mode": "backtest",
                    "account": "backtest", "wallet_set_id": "", "state": j.state, "detail": j.detail,
                    "started": iso_time(ts), "state_changed": iso_time(int((j.ended or j.started
                                                                            or j.submitted) * 1_000_000)),
                    "component_count": 0, "performance": _job_performance(j.report), "_ts": ts})
    try:
        stored = await asyncio.to_thread(jobs.stored)
    except Exception as exc:  # a locked embedded store, a server down: the paper runs still answer
        response.headers["X-Cryptick-Partial"] = partial_header(f"stored backtests left out: "
                                                                f"{archive_left_out(exc)}")
        return out
    for r in stored:
        if r.run_id not in seen:
            ts = int(r.created_at.timestamp() * 1_000_000)
            out.append({"run_id": r.run_id, "strategy": r.strategy, "mode": "backtest", "account": "backtest",
                        "wallet_set_id": "", "state": "done", "detail": "stored", "started": iso_time(ts),
                        "state_changed": iso_time(ts), "component_count": 0, "_ts": ts,
                        "performance": _stored_performance(jobs.stored_metrics.get(r.run_id))})
    return out


def _stored_performance(figures: tuple[float, float, float, float] | None) -> RunPerformanceOut | None:
    return None if figures is None else _performance_out(report_performance(*figures))


@router.get("/runs/{run_id}", response_model=RunDetailOut,
            responses={**READS, 404: NOT_FOUND, 503: ARCHIVE_UNAVAILABLE})
async def run_detail(run_id: IdPath, views: ViewsDep, request: Request, settings: SettingsDep, _: RunViewer
                     ) -> RunDetailOut:
    """One run: parameters, allocations, state and reason, message counts, components with their data
    (a backtest: as ``GET /backtests/{id}`` has it, its report at ``/runs/{id}/report``)."""
    fold, lock = views.run_views()
    with lock:
        known = run_id in fold.runs
    if not known:
        return await _backtest_detail(run_id, request, settings.dsn)
    run, lock = _found(views, run_id)
    with lock:
        given = list(run.allocations)
        detail = RunDetailOut(
            **_summary(run), params=dict(run.params),
            allocations=[HoldingOut(venue=v, currency=c, amount=show(a)) for v, c, a in run.allocations],
            end=iso_time(run.end_ts), duration_s=None if run.duration_us is None else run.duration_us / 1e6,
            stop_requested=run.stop_requested, inbox=dict(run.inbox), outputs=dict(run.outputs),
            components=[_component(c) for c in run.components.values()])
    detail.performance = _paper_performance(views, detail.account, detail.wallet_set_id, given, views.mids())
    return detail


async def _backtest_detail(run_id: str, request: Request, dsn: str) -> RunDetailOut:
    from api.routes.backtests import find_backtest
    from replay.runs import REPORT_FIGURES

    try:
        b = await find_backtest(request, dsn, run_id)
    except HTTPException as exc:
        if exc.status_code == 404:
            raise HTTPException(404, f"no run {run_id} (yet)") from None
        raise
    return RunDetailOut(
        run_id=b.backtest_id, strategy=b.strategy, mode="backtest", account="backtest", wallet_set_id="",
        state=b.state, detail=b.detail, started=b.submitted, state_changed=b.ended or b.started,
        component_count=0, params=b.params, allocations=b.balances, end=b.end, duration_s=None,
        stop_requested=None, inbox={}, outputs={}, components=[],
        performance=None if b.report is None else _performance_out(report_performance(
            *(float(b.report["result"][k]) for k in REPORT_FIGURES))))


@router.get("/runs/{run_id}/report", response_model=RunReportOut,
            responses={**READS, 404: NOT_FOUND, 503: ARCHIVE_UNAVAILABLE})
async def run_report(run_id: IdPath, request: Request, settings: SettingsDep, _: RunViewer) -> RunReportOut:
    """The run's report with its equity and benchmark series: a backtest's as it was stored; a paper
    run's computed from its archived inbox (as ``cryptick report``), also while it runs (``404`` until
    the archive holds its start)."""
    from api.routes.backtests import find_backtest

    try:
        b = await find_backtest(request, settings.dsn, run_id)
    except HTTPException as exc:
        if exc.status_code != 404:
            raise
    else:
        if b.report is None:
            raise HTTPException(404, f"backtest {run_id} has no report ({b.state}: {b.detail or 'not done'})")
        return RunReportOut(run_id=run_id, mode="backtest", report=b.report)
    jobs = request.app.state.backtests
    if not jobs.has_archive:
        raise HTTPException(404, f"no report of {run_id} here ({jobs.no_archive})")
    try:
        report = await asyncio.to_thread(_paper_report, settings.dsn, run_id)
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None
    except Exception as exc:  # a locked embedded store, a server down
        raise archive_unreadable(exc) from None
    from replay.runs import report_to_json

    return RunReportOut(run_id=run_id, mode="paper", report=json.loads(report_to_json(report)))


def _paper_report(dsn: str, run_id: str) -> Any:
    from replay.paper_runs import paper_runs, report_of
    from streams.archive.clickhouse import thread_client

    client = thread_client(dsn)
    found = paper_runs(client, run_id)
    if not found:
        raise LookupError(f"no run {run_id} in the archive (yet)")
    try:
        return report_of(client, found[0])
    except ValueError as exc:  # no data to report on yet
        raise LookupError(f"run {run_id} has nothing to report yet: {exc}") from None


@router.get("/runs/{run_id}/components", response_model=list[ComponentOut],
            responses={**READS, 404: NOT_FOUND})
def run_components(run_id: IdPath, views: ViewsDep, _: RunViewer) -> list[ComponentOut]:
    """The run's UI components in declaration order, each with its latest data."""
    run, lock = _found(views, run_id)
    with lock:
        return [_component(c) for c in run.components.values()]


@router.get("/runs/{run_id}/messages", response_model=RunMessagesOut,
            responses={**READS, 503: ARCHIVE_UNAVAILABLE})
async def run_messages(
    run_id: IdPath, settings: SettingsDep, namespace: NamespaceDep, _: RunViewer,
    direction: Literal["inbox", "outputs", "all"] = "all",
    types: Annotated[str | None, Query(max_length=1000, description="comma-separated event types, "
                                       "e.g. OrderFilled,StrategyLogged")] = None,
    after: Annotated[str | None, Query(max_length=300, description="the `next` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> Response:
    """The run's messages in time order — what it received (``inbox``: its start, the markets it
    follows, its orders' reports, control messages) and what it emitted (``outputs``: orders, logs,
    components, state) — from the archive, paged (``503`` when the archive is held by another process;
    ``cryptick up`` serves it while archiving)."""
    from api.services.run_messages import decode_cursor

    names = [t.strip() for t in (types or "").split(",") if t.strip()]
    if after:
        try:
            decode_cursor(after)
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
    try:
        page, cursor = await asyncio.to_thread(_messages, settings.dsn, namespace, run_id, direction, names,
                                               after, limit)
    except Exception as exc:  # a locked embedded store, a server down
        raise archive_unreadable(exc) from None
    return json_response({"next": cursor, "messages": page})  # the shape of RunMessagesOut, directly


def _messages(dsn: str, namespace: str, run_id: str, direction: str, types: list[str], after: str | None,
              limit: int) -> tuple[list[Any], str | None]:
    from api.services.run_messages import run_messages as read
    from streams.archive.clickhouse import thread_client

    return read(thread_client(dsn), namespace, run_id, direction, types, after, limit)


@router.get("/runs/{run_id}/logs", response_model=list[LogOut], responses={**READS, 404: NOT_FOUND})
def run_logs(run_id: IdPath, views: ViewsDep, _: RunViewer,
             limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[LogOut]:
    """The run's latest log lines (at most the last 500 are kept), oldest first."""
    run, lock = _found(views, run_id)
    with lock:
        lines = list(run.logs)[-limit:]
    return [LogOut(ts=iso_time(ts) or "", level=level, message=message) for ts, level, message in lines]
