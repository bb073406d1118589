"""Strategy runs: the runnable strategies, paper runs started and stopped, dashboard control messages.

Commands go to the strategy agent's inbox (``strategy.journal``, key run id);
what the run does comes back on ``/streams/events?kinds=runs`` (states,
dashboard components, logs) and the order and wallet streams.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, HTTPException, status

from api.deps import CommandsDep, IdPath, SettingsDep
from api.errors import SENDS
from api.fields import ID_PATTERN
from api.models import RunIn, RunOut, SentOut, StopIn
from api.services.names import check_names
from schemas.events import Allocation
from schemas.topics import LEDGER_JOURNAL, STRATEGY_JOURNAL
from strategies import commands, registry
from strategies.params import ParamError
from strategies.run import new_run

router = APIRouter(tags=["runs"])
Payload = Annotated[Any, Body(description="Any JSON: what the component's control sends.")]


def _now() -> int:
    return int(time.time() * 1_000_000)  # a command's time is when it was given


@router.get("/strategies")
def strategies() -> list[dict[str, Any]]:
    """The runnable strategies, with their parameters and defaults."""
    out = []
    for name in registry.names():
        r = registry.get(name)
        fields = {f.name: repr(f.default) if f.default is not dataclasses.MISSING else None
                  for f in dataclasses.fields(r.params_type)}
        out.append({"name": name, "description": r.description, "params": fields})
    return out


@router.post("/runs", response_model=RunOut, status_code=status.HTTP_202_ACCEPTED, responses=SENDS)
def start(body: RunIn, bus: CommandsDep, settings: SettingsDep) -> RunOut:
    """Start a paper run; 422 with the reason for an unknown strategy, bad parameters or an unknown
    venue or currency. Everything is checked before anything is sent; with a ``command_id`` the start
    is idempotent (the same key and request start one run, with one deposit, however often sent).
    Whether it runs (funded, subscribed) or fails is on the ``runs`` event stream."""
    try:
        strategy = registry.get(body.strategy).create(body.params)
    except (registry.UnknownStrategy, ParamError, ValueError, TypeError) as exc:
        raise HTTPException(status_code=422, detail=str(exc).strip("'\"")) from None
    check_names(bus.views, [(a.venue, a.currency) for a in body.balances])
    now = _now()
    allocations = [Allocation(a.venue, a.currency, a.amount) for a in body.balances]
    duration = body.duration_s * 1_000_000 if body.duration_s else None  # on the market's clock
    tag = f"key:{body.command_id}" if body.command_id else str(now)
    spec = new_run(body.strategy, body.params, allocations, 0, None, mode="paper", account=body.account,
                   tag=tag, duration_us=duration)
    loaded, note = [], None
    if body.history and strategy.history_candles:  # read before anything is sent: a slow archive
        try:                                         # delays the start, never splits it
            from replay.history import ArchiveHistory
            from streams.archive.clickhouse import get_client

            loaded = commands.history(strategy, spec, ArchiveHistory(get_client(settings.dsn)), now)
        except Exception as exc:  # the run goes on without archived history; say why
            note = f"no archived history: {type(exc).__name__}: {exc}"
    if body.deposit:
        for deposit in commands.deposits(spec, now):
            bus.append(LEDGER_JOURNAL, spec.account, deposit)
    cmd = commands.start_run(spec, now)
    bus.append(STRATEGY_JOURNAL, spec.run_id, cmd)
    for h in loaded:
        bus.append(STRATEGY_JOURNAL, spec.run_id, h)
    return RunOut(run_id=spec.run_id, wallet_set_id=spec.wallet_set_id, account=spec.account,
                  command_id=cmd.event_id, history_candles=sum(len(h.candles) for h in loaded),
                  history_note=note)


@router.post("/runs/{run_id}/stop", response_model=SentOut, status_code=status.HTTP_202_ACCEPTED,
             responses=SENDS)
def stop(run_id: IdPath, body: StopIn, bus: CommandsDep) -> SentOut:
    """Stop a run: its open orders are cancelled, its market data stops. A run stops once: a retry, or a
    second stop, changes nothing."""
    cmd = commands.stop_run(run_id, body.reason, _now(), body.release)
    bus.append(STRATEGY_JOURNAL, run_id, cmd)
    return SentOut(command_id=cmd.event_id)


@router.post("/runs/{run_id}/components/{component_id}", response_model=SentOut,
             status_code=status.HTTP_202_ACCEPTED, responses=SENDS)
def post_to_component(run_id: IdPath, component_id: IdPath, bus: CommandsDep, payload: Payload,
                      idempotency_key: Annotated[str | None, Header(pattern=ID_PATTERN)] = None) -> SentOut:
    """Send a control message to one of the run's dashboard components (a slider moved, a confirm).
    With an ``Idempotency-Key`` header, a retry with the same key is delivered once."""
    try:
        cmd = commands.control(run_id, component_id, payload, _now(), idempotency_key)
    except (TypeError, ValueError) as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    bus.append(STRATEGY_JOURNAL, run_id, cmd)
    return SentOut(command_id=cmd.event_id)
