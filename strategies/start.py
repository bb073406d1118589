"""Starting a paper run (pure): the one plan the API's ``POST /runs`` and ``cryptick paper`` both send.

A start is first checked without I/O (``check``: the strategy is runnable, its parameters parse, the run
has an allocation), refused with ``StartInvalid`` naming the fields it is about; each side says it its
own way (the API: 422 with the fields; the CLI: one line). Then it is planned (``plan``): the run's spec
and the messages in the order they must be sent — the deposits to the ledger (when asked), whose
outcomes a sender confirms before going on, then ``StartRun`` and the archived history for the run's
inbox (``commands``). What needs I/O stays with each side: the names of venues and currencies (the API's
replica), the partition counts (the CLI), reading the archive, and the transport.

The run's identity: under a client's ``key`` (the API's ``command_id``) the run id comes from the
strategy, the account and the key alone, so a retry is the same run whatever else it says; without one,
from the run's whole configuration and its ``tag`` (the CLI's: the command's time).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from schemas.events import Allocation, Event, HistoryLoaded
from schemas.topics import LEDGER_JOURNAL, STRATEGY_JOURNAL
from schemas.units import US
from strategies import commands, registry
from strategies.api import Strategy
from strategies.params import ParamError
from strategies.run import RunSpec, new_run


class StartInvalid(ValueError):
    """A start that cannot be, told before anything is sent: ``fields`` names what it is about
    (``strategy``, ``params.<name>``, ``allocations``, ``duration_s``; none when it cannot tell);
    ``unknown`` when the strategy is not a runnable one."""

    def __init__(self, message: str, fields: tuple[str, ...] = (), unknown: bool = False) -> None:
        super().__init__(message)
        self.fields = fields
        self.unknown = unknown


@dataclass(frozen=True, slots=True)
class StartRequest:
    """What a user asks for when starting a paper run."""

    strategy: str
    params: Mapping[str, str]
    allocations: Sequence[Allocation]
    account: str = "paper"
    deposit: bool = True
    """Deposit the allocations into the account first (paper money)."""
    duration_s: int | None = None
    """How long the run lasts on the market's clock, from the first market event it sees."""
    key: str | None = None
    """The client's idempotency key: the run id from the strategy, the account and the key alone."""
    tag: str = ""
    """Without a key: tells apart runs of the same configuration (see ``new_run``)."""


@dataclass(frozen=True, slots=True)
class Checked:
    """A start that passed ``check``: the run's strategy object and spec."""

    strategy: Strategy
    spec: RunSpec
    deposit: bool


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message of a start: to ``topic`` under ``key``."""

    topic: str
    key: str
    event: Event
    confirm: bool = False
    """The ledger must take it (its outcome, or at least its delivery) before the next one is sent."""


@dataclass(frozen=True, slots=True)
class StartPlan:
    spec: RunSpec
    messages: tuple[Outgoing, ...]
    """In the order they must be sent: deposits, the start, the history."""

    @property
    def history_candles(self) -> int:
        return sum(len(m.event.candles) for m in self.messages if isinstance(m.event, HistoryLoaded))


def check(request: StartRequest) -> Checked:
    """The run's strategy (its parameters parsed) and spec; ``StartInvalid`` for an unknown strategy, bad
    parameters, no allocation or a duration that is not positive."""
    try:
        strategy = registry.get(request.strategy).create(request.params)
    except registry.UnknownStrategy as exc:
        raise StartInvalid(_text(exc), ("strategy",), unknown=True) from None
    except ParamError as exc:
        raise StartInvalid(_text(exc), tuple(f"params.{f}" for f in exc.fields)) from None
    except (ValueError, TypeError) as exc:  # the strategy refused its parsed parameters
        raise StartInvalid(_text(exc)) from None
    if not request.allocations:
        raise StartInvalid("a run needs at least one allocation (venue, currency, amount)", ("allocations",))
    if request.duration_s is not None and request.duration_s <= 0:
        raise StartInvalid(f"a run's duration must be positive, not {request.duration_s} s", ("duration_s",))
    # the run's length counts on the market's clock from the first event the run sees (strategies.host):
    # a feed ahead of or behind the wall clock still gets the whole of it
    duration_us = request.duration_s * US if request.duration_s is not None else None
    spec = new_run(request.strategy, request.params, request.allocations, 0, None, mode="paper",
                   account=request.account, tag=request.tag, duration_us=duration_us)
    if request.key is not None:  # a retry is the same run, whatever else it says
        run_id = new_run(request.strategy, {}, [], 0, None, mode="paper", account=request.account,
                         tag=f"key:{request.key}").run_id
        spec = dataclasses.replace(spec, run_id=run_id)
    return Checked(strategy, spec, request.deposit)


def plan(checked: Checked, now: int, principal: str, history: Sequence[HistoryLoaded] = ()) -> StartPlan:
    """What to send, in order: funds first (the wallet set draws on them; each confirmed before going on),
    then the start, then the archived candles its lookback reads (``commands.history``, read by the caller
    before anything is sent). Each command at ``now`` from ``principal``; ids from the run's, so a retried
    start sends the same commands."""
    spec = checked.spec
    deposits = commands.deposits(spec, now, principal=principal) if checked.deposit else []
    return StartPlan(spec, (
        *(Outgoing(LEDGER_JOURNAL, spec.account, d, confirm=True) for d in deposits),
        Outgoing(STRATEGY_JOURNAL, spec.run_id, commands.start_run(spec, now, principal=principal)),
        *(Outgoing(STRATEGY_JOURNAL, spec.run_id, h) for h in history)))


def _text(exc: BaseException) -> str:
    return str(exc).strip("'\"")
