"""Backtests over HTTP: start one, follow its progress (JSON or SSE), cancel it, read its report.

The API runs them one at a time on a thread of its own (``api.services.backtests``)
through the CLI's code, and stores them in the archive as the CLI does; a stored
backtest (from the CLI, or from before a restart) is read back from the archive.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from sse_starlette.sse import EventSourceResponse

from api.deps import IdPath, SettingsDep, Trader, Viewer
from api.errors import ARCHIVE_UNAVAILABLE, CONFLICT, NOT_FOUND, READS, TOO_LARGE, archive_unreadable
from api.models import (
    BacktestIn,
    BacktestOut,
    BacktestProgressOut,
    ErrorOut,
    HoldingOut,
    iso_time,
    micros,
    partial_header,
    show,
)
from api.services.backtests import FINAL, BacktestJobs, Conflict, Job, NoArchive, QueueFull
from replay.backtests import Options

router = APIRouter(tags=["backtests"])
QUEUE_FULL: dict[str, Any] = {
    "model": ErrorOut, "description": "Too many backtests are waiting: retry after a while.",
    "headers": {"Retry-After": {"description": "Seconds to wait before retrying.",
                                "schema": {"type": "integer"}}}}


def _jobs(request: Request) -> BacktestJobs:
    jobs: BacktestJobs = request.app.state.backtests
    return jobs


def _iso(seconds: float | None) -> str | None:
    return None if seconds is None else iso_time(int(seconds * 1_000_000))


def _options(body: BacktestIn) -> Options:
    start, end = micros(body.start, "start"), micros(body.end, "end")
    return Options(
        strategy=body.strategy,
        balances=tuple(f"{a.venue}:{a.currency}={show(a.amount)}" for a in body.balances),
        start=datetime.fromtimestamp(start / 1e6, UTC).isoformat(),
        end=datetime.fromtimestamp(end / 1e6, UTC).isoformat(),
        params=tuple(f"{k}={v}" for k, v in sorted(body.params.items())),
        latency_ms=body.latency_ms, source=body.source, namespace=body.namespace, seed=body.seed,
        step_ms=body.step_ms, sample_s=body.sample_s, datasets=tuple(body.datasets))


def _report(report: Any) -> dict[str, Any] | None:
    if report is None:
        return None
    from replay.runs import report_to_json

    out: dict[str, Any] = json.loads(report_to_json(report))
    return out


def _held(allocations: Any) -> list[HoldingOut]:
    return [HoldingOut(venue=a.venue, currency=a.currency, amount=show(a.amount)) for a in allocations]


def job_out(job: Job, with_report: bool = True) -> BacktestOut:
    p, o = job.prepared, job.opts
    source: dict[str, Any] = {"kind": o.source}
    if o.source == "archive":
        source.update(datasets=list(o.datasets), namespace=o.namespace, read=list(job.datasets))
    else:
        source.update(seed=o.seed, step_ms=o.step_ms)
    return BacktestOut(
        backtest_id=job.run_id, command_id=job.key, state=job.state,  # type: ignore[arg-type]
        detail=job.detail, strategy=o.strategy, params=dict(p.params),
        balances=_held(p.allocations),
        start=iso_time(p.start_ts) or "", end=iso_time(p.end_ts) or "", source=source,
        latency_ms=o.latency_ms,
        submitted=_iso(job.submitted), started=_iso(job.started), ended=_iso(job.ended),
        progress=BacktestProgressOut(events=job.events, time=iso_time(job.event_ts), fraction=job.fraction(),
                                     events_per_s=job.rate()),
        report=_report(job.report) if with_report else None, digest=job.digest)


def stored_out(run: Any, with_report: bool = True) -> BacktestOut:
    """A backtest the archive holds (``replay.runs.StoredRun``)."""
    return BacktestOut(
        backtest_id=run.run_id, command_id=None, state="done", detail="stored", strategy=run.strategy,
        params=dict(run.params),
        balances=_held(run.balances),
        start=iso_time(run.start_ts) or "", end=iso_time(run.end_ts) or "", source=dict(run.source),
        latency_ms=run.order_latency_us // 1000, submitted=run.created_at.isoformat(), started=None,
        ended=run.created_at.isoformat(),
        progress=BacktestProgressOut(events=0, time=iso_time(run.end_ts), fraction=1.0, events_per_s=None),
        report=_report(run.report) if with_report else None, digest=run.outputs_sha256 or None)


@router.post("/backtests", response_model=BacktestOut, status_code=status.HTTP_202_ACCEPTED,
             responses={**READS, 409: CONFLICT, 413: TOO_LARGE, 429: QUEUE_FULL})
def start(body: BacktestIn, request: Request, _who: Trader) -> BacktestOut:
    """Queue a backtest; 422 with the reason for an unknown strategy, bad parameters or an empty window
    (checked before it is queued; missing market data fails the backtest, with the reason). Backtests
    run one at a time, in order. Follow it on ``GET /backtests/{id}/events`` (SSE) or
    ``GET /backtests/{id}``; stop it with ``POST /backtests/{id}/cancel``."""
    from replay.backtests import UsageError
    from strategies.params import ParamError
    from strategies.registry import UnknownStrategy

    opts = _options(body)
    try:
        job, _ = _jobs(request).submit(opts, body.command_id or f"backtest-{uuid.uuid4().hex}", body.store)
    except (UsageError, UnknownStrategy, ParamError, ValueError, TypeError) as exc:
        if isinstance(exc, Conflict):
            raise HTTPException(409, str(exc)) from None
        raise HTTPException(422, str(exc.args[0] if exc.args else exc).strip("'\"")) from None
    except QueueFull as exc:
        raise HTTPException(429, str(exc), headers={"Retry-After": "10"}) from None
    except NoArchive as exc:
        raise HTTPException(422, str(exc)) from None
    return job_out(job)


@router.get("/backtests", response_model=list[BacktestOut], responses={**READS, 503: ARCHIVE_UNAVAILABLE})
async def backtests(request: Request, response: Response, _: Viewer,
                    state: Annotated[str | None, Query(pattern=r"^(queued|running|done|failed|cancelled)$")
                                     ] = None,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[BacktestOut]:
    """The backtests of this API (queued, running, recent) and those the archive holds, newest first,
    without their reports (``GET /backtests/{id}`` has it). A stored backtest that this API also ran
    shows once, as this API knows it."""
    jobs = _jobs(request).jobs()
    out = [job_out(j, with_report=False) for j in jobs]
    seen = {j.run_id for j in jobs}
    if state in (None, "done"):
        try:
            stored = await asyncio.to_thread(_jobs(request).stored)
        except NoArchive as exc:  # this API's own backtests only, and why
            response.headers["X-Cryptick-Partial"] = partial_header(str(exc))
            stored = []
        except Exception as exc:  # a locked embedded store, a server down: say so
            raise archive_unreadable(exc) from None
        out += [stored_out(r, with_report=False) for r in stored if r.run_id not in seen]
    if state is not None:
        out = [b for b in out if b.state == state]
    out.sort(key=lambda b: b.submitted or "", reverse=True)
    return out[:limit]


def _stored_one(dsn: str, run_id: str) -> Any:
    from replay.runs import get_run
    from streams.archive.clickhouse import thread_client

    return get_run(thread_client(dsn), run_id)


async def find_backtest(request: Request, dsn: str, backtest_id: str) -> BacktestOut:
    jobs = _jobs(request)
    job = jobs.get(backtest_id)
    if job is not None:
        return job_out(job)
    if not jobs.has_archive:
        raise HTTPException(404, f"no backtest {backtest_id} here ({jobs.no_archive})")
    try:
        run = await asyncio.to_thread(_stored_one, dsn, backtest_id)
    except Exception as exc:
        raise archive_unreadable(exc) from None
    if run is None or run.mode != "backtest":
        raise HTTPException(404, f"no backtest {backtest_id}")
    return stored_out(run)


@router.get("/backtests/{backtest_id}", response_model=BacktestOut,
            responses={**READS, 404: NOT_FOUND, 503: ARCHIVE_UNAVAILABLE})
async def backtest(backtest_id: IdPath, request: Request, settings: SettingsDep, _: Viewer) -> BacktestOut:
    """One backtest: its state and progress, and its report (with the equity series) once done."""
    return await find_backtest(request, settings.dsn, backtest_id)


@router.post("/backtests/{backtest_id}/cancel", response_model=BacktestOut,
             status_code=status.HTTP_202_ACCEPTED, responses={**READS, 404: NOT_FOUND})
def cancel(backtest_id: IdPath, request: Request, _: Trader) -> BacktestOut:
    """Stop a queued or running backtest of this API (a running one stops within 1,000 market events and
    stores nothing); one that has ended is answered as it is."""
    job = _jobs(request).cancel(backtest_id)
    if job is None:
        raise HTTPException(404, f"no backtest {backtest_id} queued or running here")
    return job_out(job)


@router.get("/backtests/{backtest_id}/events",
            responses={**READS, 404: NOT_FOUND, 503: ARCHIVE_UNAVAILABLE})
async def backtest_events(backtest_id: IdPath, request: Request, settings: SettingsDep, _: Viewer
                          ) -> EventSourceResponse:
    """Follow a backtest (SSE): ``progress`` (its state and progress, the ``BacktestOut`` shape without
    the report) on every change, at most 4 a second, then one last event named by how it ended —
    ``done`` (with the report), ``failed`` or ``cancelled`` — and the stream ends. A stream opened (or
    reopened) at any time starts with the backtest as it is now."""
    jobs = _jobs(request)
    first = await find_backtest(request, settings.dsn, backtest_id)  # 404 before the stream opens
    heartbeat = settings.sse_heartbeat_s

    async def stream() -> AsyncIterator[dict[str, Any]]:
        if jobs.get(backtest_id) is None:  # only the archive knows it: it is done
            yield {"event": first.state, "data": first.model_dump_json()}
            return
        wake = jobs.watch(backtest_id)
        try:
            while True:
                wake.clear()
                job = jobs.get(backtest_id)
                if job is None:
                    return
                if job.state in FINAL:
                    yield {"event": job.state, "data": job_out(job).model_dump_json()}
                    return
                yield {"event": "progress", "data": job_out(job, with_report=False).model_dump_json()}
                with contextlib.suppress(TimeoutError):  # else the same state again: it still runs
                    await asyncio.wait_for(wake.wait(), heartbeat)
        finally:
            jobs.unwatch(backtest_id, wake)

    return EventSourceResponse(stream(), ping=heartbeat)
