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
   ends a waiting run ``failed`` (a running run has its wallet set; a late
   rejection of a re-sent create changes nothing).
3. ``StopRun``, the first event at or past the run's end (which the strategy
   does not see), or a handler raising (``StrategyError``) ends the run: its open
   orders are cancelled, its subscriptions end, and a ``RunStateChanged`` says
   why. An ended run's strategy sees nothing after. Its wallet set stays as it
   ended (the run's result).
4. A ``StopRun`` with ``release`` (at the stop, or any time after) gives the
   wallet set back to the account's pool: the host follows the ended run's
   cancelled orders and its pending create, and once the venue has ended every
   order and the set exists it sends ``DeactivateWalletSet`` (id
   ``<run>:release``, to ``ledger.journal``); an ``open_orders`` refusal (the
   ledger may see the last order end after the run does) is retried up to
   ``RELEASE_ATTEMPTS`` times; the ledger's answer is logged.

The run's end is on the clock of the events it trades on: ``end_ts`` if the
start gives one, and with ``duration_us`` the first market event the running
run sees (``MARKET_CLOCK``: a book, a trade, a tick; not a listing, stamped
whenever the market was listed) plus the duration, whichever is earlier. So a
feed running ahead of the wall clock (a fast synthetic feed, a replay) gets
the run's full length, and a replay of the inbox ends it at the same event.

While waiting, only wallet events, listings and archived history
(``HistoryLoaded``) reach the runtime; ticks are dropped (nothing is
subscribed yet). Control messages that arrive before the strategy has started
(on its first book) are kept, up to ``MAX_PENDING_CONTROLS``, and handed to it
in order right after the event that starts it, so a confirmation sent right
after the start is neither lost nor acted on blind. Outputs are
the runtime's (orders, cancels, timers, dashboard records, logs) and the
host's own records above; all keyed by run id. The commands among them
(orders, cancels, the wallet set's create and release) carry the principal
``run:<run id>`` (``strategies.run.run_principal``): the run issued them;
who started the run is the principal of its ``StartRun``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from schemas.events import (
    BookDelta,
    BookSnapshot,
    CancelRejected,
    ClockTick,
    CommandRejected,
    ControlMessage,
    CreateWalletSet,
    DeactivateWalletSet,
    Event,
    HistoryLoaded,
    MarketListed,
    MarketSubscription,
    OrderDone,
    OrderFilled,
    OrderOpened,
    OrderRejected,
    PublicTrade,
    RunState,
    RunStateChanged,
    StartRun,
    StopRun,
    StrategyLogged,
    WalletMovement,
    WalletSetCreated,
    WalletSetDeactivated,
)
from schemas.topics import run_create_command, run_of_wallet_set, run_release_command, run_wallet_set
from strategies.api import MarketRef, Strategy
from strategies.run import RunSpec, check_duration, run_principal
from strategies.runtime import StrategyError, StrategyRuntime
from strategies.wallet import WALLET_EVENTS

INBOX_TYPES: frozenset[type] = frozenset({
    BookSnapshot, BookDelta, PublicTrade, ClockTick, MarketListed, ControlMessage,
    OrderOpened, OrderFilled, OrderDone, OrderRejected, CancelRejected,
    *WALLET_EVENTS, CommandRejected, StartRun, StopRun, HistoryLoaded,
})
"""What ``strategy.journal`` carries."""

_WHILE_WAITING = (*WALLET_EVENTS, MarketListed, HistoryLoaded)

MARKET_CLOCK: frozenset[type] = frozenset({BookSnapshot, BookDelta, PublicTrade, ClockTick})
WALL_CLOCK: frozenset[type] = frozenset({HistoryLoaded, ControlMessage})
"""Inbox events whose ``ts`` is when a person or the CLI sent them, not the market's time: they never end
a run by time."""
"""Events stamped with the market's clock: the first a running run sees starts its ``duration_us``."""

MAX_PENDING_CONTROLS = 1000
"""Control messages a run keeps until its strategy has started; more are dropped, with a log line."""

RELEASE_ATTEMPTS = 3
"""Release commands sent while the ledger answers ``open_orders`` (it may see the run's last order end after
the run does); a refusal after that, or for another reason, is logged and a new release request may retry."""

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
    pending: list[ControlMessage] = field(default_factory=list)  # controls sent while it waits
    end: int | None = None  # the first event at or past it ends the run: end_ts, then the duration's end
    clock_started: bool = False  # the run has seen its first market event (its duration counts from it)


def spec_of(cmd: StartRun) -> RunSpec:
    params = json.loads(cmd.params_json) if cmd.params_json else {}
    if not isinstance(params, dict) or not all(isinstance(v, str) for v in params.values()):
        raise ValueError("params_json must be a JSON object of strings")
    check_duration(cmd.duration_us)
    return RunSpec(cmd.run_id, cmd.strategy, tuple(sorted(params.items())), tuple(cmd.allocations),
                   cmd.start_ts, cmd.end_ts, cmd.mode, cmd.account, cmd.duration_us)


@dataclass(slots=True)
class EndedRun:
    """What the host keeps of an ended run: enough to give its wallet set back when asked."""

    state: str
    account: str
    wallet_set_id: str
    open: set[str]  # its orders the venue has not ended yet (cancels on their way)
    funded: bool  # its wallet set exists
    creating: bool  # stopped while waiting: the create may still land
    release: str = ""  # '' | 'asked' | 'sent' | 'done' | 'refused'
    attempts: int = 0  # DeactivateWalletSet commands sent
    asks: set[str] = field(default_factory=set)  # ids of the StopRun(release) that asked


class StrategyHost:
    """Hosts the runs of one inbox partition; ``handle_keyed(run id, item, bytes)`` -> outputs."""

    def __init__(self, factory: StrategyFactory = registry_factory) -> None:
        self.factory = factory
        self.runs: dict[str, HostedRun] = {}
        self.ended: dict[str, EndedRun] = {}

    def state(self, run_id: str) -> str | None:
        run = self.runs.get(run_id)
        if run is not None:
            return run.state
        ended = self.ended.get(run_id)
        return ended.state if ended is not None else None

    def handle_keyed(self, key: str, event: Event, value: bytes = b"") -> list[Event]:
        kind = type(event)
        run = self.runs.get(key)
        if (run is not None and kind in MARKET_CLOCK and run.clock_started and not run.pending
                and (run.end is None or event.ts < run.end)):
            # the path of most messages (a running run's book, trade or tick before its end): what the
            # general path below would decide for it, without its checks
            try:
                return run.runtime.handle(event)
            except StrategyError as exc:
                return self._end(run, RunState.FAILED, str(exc), event.ts)
        if isinstance(event, StartRun):
            return self._start(event)
        if run is None:
            ended = self.ended.get(key)
            return self._after_end(key, ended, event) if ended is not None else []
        if isinstance(event, StopRun):
            return self._ended_by(run, event, RunState.STOPPED, event.reason or "stopped")
        waiting = run.state == RunState.WAITING
        if not run.clock_started and not waiting and kind in MARKET_CLOCK:
            run.clock_started = True
            duration = run.spec.duration_us
            if duration is not None:  # the duration counts on the market's clock, from here
                run.end = event.ts + duration if run.end is None else min(run.end, event.ts + duration)
        end = run.end
        if end is not None and event.ts >= end and kind not in WALL_CLOCK:
            # the first event at or past the end ends the run before the strategy sees it (an event stamped
            # by the wall clock, as a dashboard's control message is, cannot tell the market's time)
            detail = "end of the run reached" + (" before it was funded" if waiting else "")
            return self._ended_by(run, event, RunState.STOPPED, detail)
        if isinstance(event, CommandRejected):
            if waiting and event.command_id == run_create_command(key):
                return self._ended_by(run, event, RunState.FAILED,
                                      f"wallet set not created: {event.reason}: {event.detail}")
            return []
        if isinstance(event, ControlMessage) and run.markets and not run.runtime.started:
            # before the strategy has started on its first book, a control would start it blind (no book,
            # no listing): it waits, and is handed over right after the event that starts the strategy
            if len(run.pending) >= MAX_PENDING_CONTROLS:
                return [StrategyLogged(f"{key}:dropped:{event.event_id}", key, "warning",
                                       f"control message {event.event_id} dropped: more than "
                                       f"{MAX_PENDING_CONTROLS} wait for the run to start", event.ts)]
            run.pending.append(event)
            return []
        if waiting and not isinstance(event, _WHILE_WAITING):
            return []
        try:
            outputs: list[Event] = run.runtime.handle(event)
        except StrategyError as exc:
            return self._end(run, RunState.FAILED, str(exc), event.ts)
        if waiting and self._funded(run, event):
            outputs = [*outputs, *self._running(run, event.ts)]
        if run.pending and run.runtime.started:
            pending, run.pending = run.pending, []
            for msg in pending:  # the controls that came before it started, in order
                try:
                    outputs += run.runtime.handle(msg)
                except StrategyError as exc:
                    return [*outputs, *self._end(run, RunState.FAILED, str(exc), event.ts)]
        return outputs

    def _ended_by(self, run: HostedRun, event: Event, state: str, detail: str) -> list[Event]:
        """End the run because of ``event``, which then counts as its first event after the end (a stop
        asking for the release, the OrderDone or the create's answer that crossed the end)."""
        run_id = run.spec.run_id
        return self._end(run, state, detail, event.ts) + self._after_end(run_id, self.ended[run_id], event)

    # --- giving an ended run's funds back -------------------------------------------

    def _after_end(self, run_id: str, ended: EndedRun, event: Event) -> list[Event]:
        """An ended run ignores the market and the dashboard; the host follows its last orders and its
        wallet set so that a ``StopRun`` with ``release`` returns the set to the pool once nothing holds
        funds in it any more (``DeactivateWalletSet`` ``<run>:release``, refused by the ledger otherwise)."""
        if isinstance(event, OrderDone | OrderRejected):
            if not ended.open:
                return []
            ended.open.discard(event.order_id)
        elif (isinstance(event, WalletSetCreated) and event.wallet_set_id == ended.wallet_set_id) \
                or _created_by(run_id, event):
            # (another wallet set may name this run: the ledger routes its events here too)
            ended.funded, ended.creating = True, False
        elif isinstance(event, StopRun):
            if (not event.release or event.event_id in ended.asks
                    or ended.release in ("asked", "sent", "done")):
                return []
            ended.asks.add(event.event_id)  # a re-sent copy of this ask does not ask again
            ended.release = "asked"  # first ask, or again after a refusal
        elif isinstance(event, WalletSetDeactivated) and event.wallet_set_id == ended.wallet_set_id:
            ended.release = "done"
            ended.open.clear()
            return [StrategyLogged(f"{run_id}:released", run_id, "info",
                                   "wallet set released: its funds are back in the account's pool", event.ts)]
        elif isinstance(event, CommandRejected):
            cmd = event
            if cmd.command_id == run_create_command(run_id):
                ended.creating = False  # never funded: nothing to give back (said below, if asked)
            elif cmd.command_id == run_release_command(run_id, ended.attempts):
                if cmd.reason == "open_orders" and ended.attempts < RELEASE_ATTEMPTS:
                    # the ledger had not yet seen the last order end (it reaches the ledger by another hop
                    # than the run's copy): ask again
                    ended.release = "asked"
                else:
                    ended.release = "refused"
                    return [StrategyLogged(f"{run_id}:release-refused:{ended.attempts}", run_id, "warning",
                                           f"wallet set not released: {cmd.reason}: {cmd.detail}", cmd.ts)]
            else:
                return []
        else:
            return []
        if ended.release != "asked" or ended.open or ended.creating:
            return []
        if not ended.funded:
            ended.release = "done"
            return [StrategyLogged(f"{run_id}:released", run_id, "info",
                                   "nothing to release: the run's wallet set was never created", event.ts)]
        ended.release = "sent"
        ended.attempts += 1
        return [DeactivateWalletSet(run_release_command(run_id, ended.attempts), ended.account,
                                    ended.wallet_set_id, event.ts, principal=run_principal(run_id))]

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
            self.ended[run_id] = EndedRun(RunState.FAILED, cmd.account, run_wallet_set(run_id), set(), False,
                                          False)
            return [self._changed(run_id, cmd.strategy, RunState.FAILED, f"cannot start: {exc}", cmd.ts)]
        self.runs[run_id] = HostedRun(spec, runtime, markets, end=spec.end_ts)
        return [self._changed(run_id, cmd.strategy, RunState.WAITING, "waiting for the wallet set", cmd.ts),
                CreateWalletSet(event_id=run_create_command(run_id), account=spec.account,
                                wallet_set_id=spec.wallet_set_id, run_id=run_id,
                                allocations=list(spec.allocations), ts=cmd.ts, principal=spec.principal)]

    @staticmethod
    def _funded(run: HostedRun, event: Event) -> bool:
        if type(event) is WalletSetCreated:
            return not run.spec.allocations
        return _created_by(run.spec.run_id, event)

    def _running(self, run: HostedRun, ts: int) -> list[Event]:
        run.state = RunState.RUNNING
        spec = run.spec
        names = ", ".join(str(m) for m in run.markets) or "no markets"
        return [self._changed(spec.run_id, spec.strategy, RunState.RUNNING, f"subscribed to {names}", ts),
                *self._subscriptions(run, True, ts)]

    def _subscriptions(self, run: HostedRun, subscribed: bool, ts: int) -> list[Event]:
        spec, verb = run.spec, "sub" if subscribed else "unsub"
        return [MarketSubscription(event_id=f"{spec.run_id}:{verb}:{m.venue}:{m.pair}", run_id=spec.run_id,
                                   account=spec.account, venue=m.venue, pair=m.pair, subscribed=subscribed,
                                   ts=ts) for m in run.markets]

    def _end(self, run: HostedRun, state: str, detail: str, ts: int) -> list[Event]:
        spec = run.spec
        cancels, still_open = run.runtime.wind_down(ts)
        was_running = run.state == RunState.RUNNING
        del self.runs[spec.run_id]
        self.ended[spec.run_id] = EndedRun(state, spec.account, spec.wallet_set_id, still_open,
                                           funded=was_running, creating=not was_running)
        return [*cancels, *(self._subscriptions(run, False, ts) if was_running else []),
                self._changed(spec.run_id, spec.strategy, state, detail, ts)]

    @staticmethod
    def _changed(run_id: str, strategy: str, state: str, detail: str, ts: int) -> RunStateChanged:
        return RunStateChanged(event_id=f"{run_id}:state:{state}", run_id=run_id, strategy=strategy,
                               state=str(state), detail=detail, ts=ts)


def _created_by(run_id: str, event: Event) -> bool:
    """Whether ``event`` is the allocation of the run's wallet set (the movement its create caused)."""
    return type(event) is WalletMovement and event.cause_id == run_create_command(run_id)


def output_key(event: Event) -> str:
    """Every output of a run is keyed by its run id (a release names the run's wallet set)."""
    if isinstance(event, DeactivateWalletSet):
        return run_of_wallet_set(event.wallet_set_id) or event.wallet_set_id
    run_id: str = event.run_id  # type: ignore[union-attr,assignment]  # every other output of a run names it
    return run_id
