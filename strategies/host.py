"""The strategy agent's engine: every run of one ``strategy.journal`` partition (pure).

Runs are keyed by run id. A run's life is all in its inbox:

1. ``StartRun`` builds the strategy by name (``strategies.registry``) and the
   run's ``StrategyRuntime``; the run is ``waiting`` and the host asks the
   ledger for its wallet set (a ``CreateWalletSet`` with id
   ``<run id>:create``, routed to ``ledger.journal``). An unknown strategy or
   bad parameters end the run ``failed`` at once, with the reason.
2. When the allocation of that wallet set reaches the inbox (the
   ``WalletMovement`` caused by the create command, or ``WalletSetCreated`` if
   nothing is allocated), the run is ``running`` and subscribes to its
   markets (``MarketSubscription`` -> ``venue.journal``, where the market
   fan-out starts forwarding the book's events). So a run never sees market
   data before it knows its funds. A ``CommandRejected`` of the create command
   ends the run ``failed``.
3. ``StopRun``, reaching ``end_ts``, or a handler raising (``StrategyError``)
   ends the run: its open orders are cancelled, its subscriptions end, and a
   ``RunStateChanged`` says why. An ended run ignores everything after.

While waiting, only wallet events, listings and archived history
(``HistoryLoaded``) reach the runtime (control messages and ticks are dropped:
there is nothing to control yet). Outputs are
the runtime's (orders, cancels, timers, dashboard records, logs) and the
host's own records above; all keyed by run id.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from schemas.events import (
    BookDelta,
    BookSnapshot,
    CancelRejected,
    ClockTick,
    CommandRejected,
    ControlMessage,
    CreateWalletSet,
    Event,
    HistoryLoaded,
    MarketListed,
    MarketSubscription,
    OrderDone,
    OrderFilled,
    OrderOpened,
    OrderRejected,
    OrderRequested,
    PublicTrade,
    RunState,
    RunStateChanged,
    StartRun,
    StopRun,
    WalletMovement,
    WalletSetCreated,
)
from schemas.topics import run_create_command, run_wallet_set
from strategies.api import MarketRef, Strategy
from strategies.run import RunSpec
from strategies.runtime import StrategyError, StrategyRuntime
from strategies.wallet import WALLET_EVENTS

INBOX_TYPES: frozenset[type] = frozenset({
    BookSnapshot, BookDelta, PublicTrade, ClockTick, MarketListed, ControlMessage,
    OrderOpened, OrderFilled, OrderDone, OrderRejected, CancelRejected,
    *WALLET_EVENTS, CommandRejected, StartRun, StopRun, HistoryLoaded,
})
"""What ``strategy.journal`` carries."""

_WHILE_WAITING = (*WALLET_EVENTS, MarketListed, HistoryLoaded)

StrategyFactory = Callable[[StartRun], Strategy]
"""The start command -> a fresh strategy object; raises for unknown names or bad parameters."""


def registry_factory(cmd: StartRun) -> Strategy:
    """The runnable named by the command, with its parameters (``strategies.registry``)."""
    from strategies.registry import get

    return get(cmd.strategy).create(dict(spec_of(cmd).params))


@dataclass(slots=True)
class HostedRun:
    spec: RunSpec
    runtime: StrategyRuntime
    markets: tuple[MarketRef, ...]
    state: str = RunState.WAITING


def spec_of(cmd: StartRun) -> RunSpec:
    params = json.loads(cmd.params_json) if cmd.params_json else {}
    if not isinstance(params, dict) or not all(isinstance(v, str) for v in params.values()):
        raise ValueError("params_json must be a JSON object of strings")
    return RunSpec(cmd.run_id, cmd.strategy, tuple(sorted(params.items())), tuple(cmd.allocations),
                   cmd.start_ts, cmd.end_ts, cmd.mode, cmd.account)


class StrategyHost:
    """Hosts the runs of one inbox partition; ``handle_keyed(run id, item, bytes)`` -> outputs."""

    def __init__(self, factory: StrategyFactory = registry_factory) -> None:
        self.factory = factory
        self.runs: dict[str, HostedRun] = {}
        self.ended: dict[str, str] = {}  # run id -> final state

    def state(self, run_id: str) -> str | None:
        run = self.runs.get(run_id)
        return run.state if run is not None else self.ended.get(run_id)

    def handle_keyed(self, key: str, event: Event, value: bytes = b"") -> list[Event]:
        kind = type(event)
        if kind is StartRun:
            return self._start(event)  # type: ignore[arg-type]
        run = self.runs.get(key)
        if run is None:
            return []
        if kind is StopRun:
            return self._end(run, RunState.STOPPED, event.reason or "stopped", event.ts)  # type: ignore[union-attr]
        if kind is CommandRejected:
            if event.command_id == run_create_command(key):  # type: ignore[union-attr]
                return self._end(run, RunState.FAILED, f"wallet set not created: {event.reason}: "  # type: ignore[union-attr]
                                 f"{event.detail}", event.ts)  # type: ignore[union-attr]
            return []
        waiting = run.state == RunState.WAITING
        if waiting and not isinstance(event, _WHILE_WAITING):
            return []
        try:
            outputs: list[Event] = run.runtime.handle(event)
        except StrategyError as exc:
            return self._end(run, RunState.FAILED, str(exc), event.ts)
        if waiting and self._funded(run, event):
            outputs = [*outputs, *self._running(run, event.ts)]
        end = run.spec.end_ts
        if end is not None and event.ts >= end and run.state == RunState.RUNNING:
            outputs = [*outputs, *self._end(run, RunState.STOPPED, "end of the run reached", event.ts)]
        return outputs

    # --- the life of a run ---------------------------------------------------------

    def _start(self, cmd: StartRun) -> list[Event]:
        run_id = cmd.run_id
        if run_id in self.runs or run_id in self.ended:
            return []
        try:
            wallet_set = run_wallet_set(run_id)
            if cmd.wallet_set_id != wallet_set:
                raise ValueError(f"a run's wallet set is {wallet_set!r}, not {cmd.wallet_set_id!r}")
            spec = spec_of(cmd)
            strategy = self.factory(cmd)
            markets = tuple(strategy.markets(spec.default_venue))
            runtime = StrategyRuntime(strategy, spec, markets)
        except Exception as exc:  # any construction error is the run's failure, with its reason
            self.ended[run_id] = RunState.FAILED
            return [self._changed(run_id, cmd.strategy, RunState.FAILED, f"cannot start: {exc}", cmd.ts)]
        self.runs[run_id] = HostedRun(spec, runtime, markets)
        return [self._changed(run_id, cmd.strategy, RunState.WAITING, "waiting for the wallet set", cmd.ts),
                CreateWalletSet(run_create_command(run_id), spec.account, spec.wallet_set_id, run_id,
                                list(spec.allocations), cmd.ts)]

    def _funded(self, run: HostedRun, event: Event) -> bool:
        create = run_create_command(run.spec.run_id)
        if type(event) is WalletMovement:
            return event.cause_id == create
        return type(event) is WalletSetCreated and not run.spec.allocations

    def _running(self, run: HostedRun, ts: int) -> list[Event]:
        run.state = RunState.RUNNING
        spec = run.spec
        names = ", ".join(str(m) for m in run.markets) or "no markets"
        return [self._changed(spec.run_id, spec.strategy, RunState.RUNNING, f"subscribed to {names}", ts),
                *self._subscriptions(run, True, ts)]

    def _subscriptions(self, run: HostedRun, subscribed: bool, ts: int) -> list[Event]:
        spec, verb = run.spec, "sub" if subscribed else "unsub"
        return [MarketSubscription(f"{spec.run_id}:{verb}:{m.venue}:{m.pair}", spec.run_id, spec.account,
                                   m.venue, m.pair, subscribed, ts) for m in run.markets]

    def _end(self, run: HostedRun, state: str, detail: str, ts: int) -> list[Event]:
        spec = run.spec
        ctx = run.runtime.ctx
        ctx.now = max(ctx.now, ts)
        # what a failing handler asked for before it raised was never sent: drop it, orders included
        for unsent in ctx.outputs:
            if type(unsent) is OrderRequested:
                ctx.orders.pop(unsent.order_id, None)
        ctx.outputs = []
        ctx.cancel_all()
        cancels, ctx.outputs = ctx.outputs, []
        was_running = run.state == RunState.RUNNING
        del self.runs[spec.run_id]
        self.ended[spec.run_id] = state
        return [*cancels, *(self._subscriptions(run, False, ts) if was_running else []),
                self._changed(spec.run_id, spec.strategy, state, detail, ts)]

    @staticmethod
    def _changed(run_id: str, strategy: str, state: str, detail: str, ts: int) -> RunStateChanged:
        return RunStateChanged(f"{run_id}:state:{state}", run_id, strategy, str(state), detail, ts)


def output_key(event: Event) -> str:
    """Every output of a run is keyed by its run id."""
    return event.run_id  # type: ignore[union-attr]
