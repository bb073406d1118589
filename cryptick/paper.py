"""Paper runs (I/O): start one on the strategy agent, follow it, stop it.

A paper run lives in the namespace of the worker that hosts it (``''`` is the
live one): its orders go to the same virtual exchange as every other run
there, against the books the feeds journal. Starting one is two messages:
paper money deposited into the run's account (``DepositFunds`` per
allocation, unless the account is already funded), then ``StartRun`` to the
strategy agent, which asks the ledger for the run's wallet set and subscribes
the run to its markets once funded (``strategies.host``). Everything after
that is in the run's topics: ``strategy.journal`` / ``strategy.events``, key
run id.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from confluent_kafka import Consumer, TopicPartition

from schemas.codec import default_codec
from schemas.events import (
    Allocation,
    Event,
    OrderDone,
    OrderFilled,
    OrderRejected,
    OrderRequested,
    RunState,
    RunStateChanged,
    StrategyLogged,
)
from schemas.topics import LEDGER_JOURNAL, STRATEGY_EVENTS, STRATEGY_JOURNAL, partition_of, qualified
from strategies import commands
from strategies.candles import HistorySource
from strategies.run import RunSpec, new_run
from strategies.wallet import WalletView

US = 1_000_000
ENDED: tuple[str, ...] = (RunState.STOPPED.value, RunState.FAILED.value)


class PaperError(RuntimeError):
    """A paper run could not be started, followed or stopped; the message says what to do."""


def now_us() -> int:
    return int(time.time() * US)  # a command's time is when the user gave it


def start(bootstrap: str, namespace: str, strategy: str, params: Mapping[str, str],
          allocations: Sequence[Allocation], account: str = "paper", deposit: bool = True,
          duration_s: int | None = None, tag: str = "", history: HistorySource | None = None) -> RunSpec:
    """Check the strategy and its parameters here (one-line errors), then journal the start; with
    ``history``, the archived candles its lookback reads follow the start into the run's inbox."""
    from strategies.registry import get

    built = get(strategy).create(params)  # raises UnknownStrategy / ParamError with what to fix
    if not allocations:
        raise PaperError("give at least one --balance VENUE:CURRENCY=AMOUNT, e.g. synthetic:USD=10000")
    now = now_us()
    end = now + duration_s * US if duration_s is not None else None
    spec = new_run(strategy, params, allocations, 0, end, mode="paper", account=account, tag=tag or str(now))
    if deposit:  # funds first: the wallet set draws on them
        _send(bootstrap, namespace, [(LEDGER_JOURNAL, account, d) for d in commands.deposits(spec, now)])
    loaded = commands.history(built, spec, history, now) if history is not None else []
    _send(bootstrap, namespace, [(STRATEGY_JOURNAL, spec.run_id, commands.start_run(spec, now)),
                                 *((STRATEGY_JOURNAL, spec.run_id, h) for h in loaded)])
    return spec


def stop(bootstrap: str, namespace: str, run_id: str, reason: str = "stopped by the user") -> None:
    _send(bootstrap, namespace, [(STRATEGY_JOURNAL, run_id, commands.stop_run(run_id, reason, now_us()))])


def control(bootstrap: str, namespace: str, run_id: str, component_id: str, payload: object) -> None:
    _send(bootstrap, namespace,
          [(STRATEGY_JOURNAL, run_id, commands.control(run_id, component_id, payload, now_us()))])


def _send(bootstrap: str, namespace: str, messages: Sequence[tuple[str, str, Event]]) -> None:
    from producers.publish import publish
    from producers.scenario import Message

    publish(bootstrap, [Message(t, k, e) for t, k, e in messages], namespace)


@dataclass(frozen=True, slots=True)
class Seen:
    topic: str  # logical: strategy.journal (what the run received) or strategy.events (what it did)
    event: Event


def follow(bootstrap: str, namespace: str, run_id: str, topics: Sequence[str] = (STRATEGY_EVENTS,),
           idle_s: float = 0.5, should_stop: Callable[[], bool] = lambda: False) -> Iterator[Seen | None]:
    """The run's messages on ``topics`` from the beginning, as they come; ``None`` when idle for ``idle_s``
    (so the caller can check a deadline or a signal). Ends when ``should_stop()``."""
    key = run_id.encode()
    decode = default_codec().decode
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"cryptick-follow-{run_id}",
                         "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    names = {qualified(t, namespace): t for t in topics}
    consumer.assign([TopicPartition(q, partition_of(t, key), 0) for q, t in names.items()])
    try:
        while not should_stop():
            msg = consumer.poll(idle_s)
            if msg is None:
                yield None
                continue
            if msg.error() is not None or msg.key() != key:
                continue
            yield Seen(names[msg.topic() or ""], decode(msg.value() or b""))
    finally:
        consumer.close()


def wait_for_state(bootstrap: str, namespace: str, run_id: str, states: Sequence[str], timeout_s: float
                   ) -> RunStateChanged | None:
    """The first state change of the run into one of ``states`` (or an ended state), None on timeout."""
    deadline = time.monotonic() + timeout_s
    for seen in follow(bootstrap, namespace, run_id, should_stop=lambda: time.monotonic() > deadline):
        if seen is not None and type(seen.event) is RunStateChanged and (
                seen.event.state in states or seen.event.state in ENDED):
            return seen.event
    return None


def describe(seen: Seen) -> str | None:
    """One line for the terminal, or None for what a person following a run need not see."""
    from streams.money import to_decimal_str as fmt

    e = seen.event
    when = time.strftime("%H:%M:%S", time.gmtime(e.ts / US)) if e.ts else "--:--:--"
    match e:
        case RunStateChanged():
            return f"{when} run {e.state}: {e.detail}"
        case StrategyLogged():
            return f"{when} [{e.level}] {e.message}"
        case OrderRequested():
            price = fmt(e.price) if e.price is not None else "market"
            return (f"{when} order {e.order_id}: {e.side} {fmt(e.size)} {e.venue}:{e.pair} {e.order_type} "
                    f"@ {price}")
        case OrderFilled():
            return (f"{when} fill {e.order_id}: {e.side} {fmt(e.size)} {e.pair} @ {fmt(e.price)}, "
                    f"fee {fmt(e.fee)} {e.fee_currency}")
        case OrderRejected():
            return f"{when} rejected {e.order_id}: {e.reason}"
        case OrderDone():
            return f"{when} done {e.order_id}: {e.reason}"
        case _:
            return None


def wallet_line(view: WalletView) -> str:
    """``USD 9910.2 (hold 89.8), BTC 0.02`` per (venue, currency) of a run's wallet set."""
    from streams.money import to_decimal_str as fmt

    parts = [f"{venue}:{currency} {fmt(b.balance)}" + (f" (hold {fmt(b.hold)})" if b.hold else "")
             for (venue, currency), b in sorted(view.balances.items())]
    return ", ".join(parts) or "empty"
