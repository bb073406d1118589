"""Paper runs (I/O): start one on the strategy agent, follow it, stop it.

A paper run lives in the namespace of the worker that hosts it (``''`` is the
live one): its orders go to the same virtual exchange as every other run
there, against the books the feeds journal. Starting one is two messages:
paper money deposited into the run's account (``DepositFunds`` per
allocation, unless the account is already funded), then ``StartRun`` to the
strategy agent, which asks the ledger for the run's wallet set and subscribes
the run to its markets once funded (``strategies.host``). ``strategies.start``
checks and plans them, as it does for ``POST /runs``; the commands sent from
here carry the principal ``cli:<OS user>`` (``cryptick.principal``).
Everything after that is in the run's topics: ``strategy.journal`` /
``strategy.events``, key run id. A follower of a run it started reads those from the start command's
time on (``since_us``), not the namespace's whole history. A run's duration
(``StartRun.duration_us``) counts on the market's clock from the first market
event the run sees, so a feed ahead of the wall clock (``--speed``) gets the
whole run; a follower still stops on the wall clock a run whose feed lags or
stopped (``overdue``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Literal

from confluent_kafka import Consumer, KafkaException, TopicPartition

from cryptick.principal import cli_principal
from schemas.codec import default_codec
from schemas.events import (
    Allocation,
    BookDelta,
    ClockTick,
    Event,
    OrderDone,
    OrderFilled,
    OrderRejected,
    OrderRequested,
    PublicTrade,
    RunState,
    RunStateChanged,
    StrategyLogged,
)
from schemas.topics import STRATEGY_EVENTS, STRATEGY_JOURNAL, partition_of, qualified
from schemas.units import US
from strategies import commands
from strategies.candles import HistorySource
from strategies.run import RunSpec
from strategies.wallet import WalletView

ENDED: tuple[str, ...] = (RunState.STOPPED.value, RunState.FAILED.value)
SKEW_MARGIN_US = 5 * US
"""A follower starts this long before its ``since_us``: the broker stamps messages with the producer's clock,
which may differ a little from the clock that stamped the command."""
STOP_GRACE_S = 10.0
"""How long past its ``--for`` on the wall clock a run may go before its follower stops it (a run ends on
event time, which trails the wall clock of a live feed a little)."""
STOP_WAIT_S = 30.0
"""How long a follower waits, once it asked a run to stop, for the run to say it stopped."""
FEED_SKEW_S = 60.0
"""A feed's event time this far from the wall clock is worth a warning: ``--for`` counts event time."""
FEED_STAMPED = (BookDelta, PublicTrade, ClockTick)
"""What a run receives stamped with the feed's clock (a subscription's first snapshot is stamped no earlier
than the subscription, so it does not show a feed that is behind)."""


class PaperError(RuntimeError):
    """A paper run could not be started, followed or stopped; the message says what to do."""


def now_us() -> int:
    return int(time.time() * US)  # a command's time is when the user gave it


def start(bootstrap: str, namespace: str, strategy: str, params: Mapping[str, str],
          allocations: Sequence[Allocation], account: str = "paper", deposit: bool = True,
          duration_s: int | None = None, tag: str = "", history: HistorySource | None = None,
          at_us: int | None = None) -> RunSpec:
    """Check the strategy and its parameters here (one-line errors), then journal the start
    (``strategies.start``); with ``history``, the archived candles its lookback reads follow the start into
    the run's inbox. ``at_us`` is the command's time (default: now); a follower of the run starts there."""
    from strategies.start import StartInvalid, StartRequest, check, plan

    now = at_us if at_us is not None else now_us()
    try:
        checked = check(StartRequest(strategy, params, allocations, account, deposit, duration_s,
                                     tag=tag or str(now)))
    except StartInvalid as exc:
        if "allocations" in exc.fields:
            raise PaperError("give at least one --balance VENUE:CURRENCY=AMOUNT, e.g. synthetic:USD=10000"
                             ) from None
        raise
    from floor.kafka import check_partitions
    from schemas.topics import all_topics

    # the run's commands go to its account's and its own inbox partitions: refuse (PartitionMismatch, a
    # ValueError) a namespace whose topics do not have the partition counts its keys are mapped onto
    check_partitions(bootstrap, all_topics(namespace))
    loaded = commands.history(checked.strategy, checked.spec, history, now) if history is not None else []
    planned = plan(checked, now, cli_principal(), loaded)
    # the deposits are delivered before the start is sent (the ledger's outcome is not awaited here)
    for _, batch in groupby(planned.messages, key=lambda m: m.confirm):
        _send(bootstrap, namespace, [(m.topic, m.key, m.event) for m in batch])
    return planned.spec


def stop(bootstrap: str, namespace: str, run_id: str, reason: str = "stopped by the user",
         release: bool = False) -> None:
    """Stop the run; with ``release``, its wallet set goes back to the pool once its orders are done."""
    _send(bootstrap, namespace,
          [(STRATEGY_JOURNAL, run_id, commands.stop_run(run_id, reason, now_us(), release,
                                                        principal=cli_principal()))])


def wait_for_release(bootstrap: str, namespace: str, run_id: str, timeout_s: float,
                     since_us: int | None = None) -> StrategyLogged | None:
    """The strategy agent's word on a release (``strategies.host``: released, or refused with the ledger's
    reason), None on timeout; ``since_us`` as for ``follow`` (the time the release was asked)."""
    released, refused = f"{run_id}:released", f"{run_id}:release-refused:"
    deadline = time.monotonic() + timeout_s
    for seen in follow(bootstrap, namespace, run_id, should_stop=lambda: time.monotonic() > deadline,
                       since_us=since_us):
        if seen is not None and type(seen.event) is StrategyLogged and (
                seen.event.event_id == released or seen.event.event_id.startswith(refused)):
            return seen.event
    return None


def control(bootstrap: str, namespace: str, run_id: str, component_id: str, payload: object) -> None:
    _send(bootstrap, namespace,
          [(STRATEGY_JOURNAL, run_id, commands.control(run_id, component_id, payload, now_us(),
                                                       principal=cli_principal()))])


def _send(bootstrap: str, namespace: str, messages: Sequence[tuple[str, str, Event]]) -> None:
    from producers.publish import publish
    from producers.scenario import Message

    publish(bootstrap, [Message(t, k, e) for t, k, e in messages], namespace)


@dataclass(frozen=True, slots=True)
class Seen:
    topic: str  # logical: strategy.journal (what the run received) or strategy.events (what it did)
    event: Event


def follow(bootstrap: str, namespace: str, run_id: str, topics: Sequence[str] = (STRATEGY_EVENTS,),
           idle_s: float = 0.5, should_stop: Callable[[], bool] = lambda: False,
           since_us: int | None = None) -> Iterator[Seen | None]:
    """The run's messages on ``topics`` as they come: those the broker received from ``since_us`` on (less
    ``SKEW_MARGIN_US``), or the partition's whole history if None. ``None`` when idle for ``idle_s`` (so the
    caller can check a deadline or a signal). Ends when ``should_stop()``."""
    key = run_id.encode()
    decode = default_codec().decode
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"cryptick-follow-{run_id}",
                         "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    names = {qualified(t, namespace): t for t in topics}
    try:
        consumer.assign(start_offsets(consumer, [TopicPartition(q, partition_of(t, key))
                                                 for q, t in names.items()], since_us))
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


def start_offsets(consumer: Consumer, partitions: Sequence[TopicPartition], since_us: int | None,
                  timeout_s: float = 10.0) -> list[TopicPartition]:
    """Where to read ``partitions`` from: the first message the broker stamped at ``since_us`` (less
    ``SKEW_MARGIN_US``) or later, the end if there is none yet; offset 0 if ``since_us`` is None, or if the
    broker cannot say (a topic not created yet has no history to skip)."""
    from_start = [TopicPartition(tp.topic, tp.partition, 0) for tp in partitions]
    if since_us is None:
        return from_start
    try:
        # the ends first: a message produced between the two questions is then read, not skipped
        ends: dict[tuple[str, int], int] = {}
        for tp in partitions:
            marks = consumer.get_watermark_offsets(tp, timeout_s)
            if marks is None:  # no answer within the timeout
                return from_start
            ends[(tp.topic, tp.partition)] = marks[1]
        ms = max(0, (since_us - SKEW_MARGIN_US) // 1000)  # Kafka timestamps are in milliseconds
        found = consumer.offsets_for_times([TopicPartition(tp.topic, tp.partition, ms) for tp in partitions],
                                           timeout_s)
    except KafkaException:
        return from_start
    return [TopicPartition(f.topic, f.partition, _offset(f, ends[(f.topic, f.partition)])) for f in found]


def _offset(found: TopicPartition, end: int) -> int:
    if found.error is not None:
        return 0
    return found.offset if found.offset >= 0 else end  # -1 (OFFSET_END): nothing stamped that late yet


def wait_for_state(bootstrap: str, namespace: str, run_id: str, states: Sequence[str], timeout_s: float,
                   since_us: int | None = None) -> RunStateChanged | None:
    """The first state change of the run into one of ``states`` (or an ended state), None on timeout;
    ``since_us`` as for ``follow`` (the time of the command that started the run, say)."""
    deadline = time.monotonic() + timeout_s
    for seen in follow(bootstrap, namespace, run_id, should_stop=lambda: time.monotonic() > deadline,
                       since_us=since_us):
        if seen is not None and type(seen.event) is RunStateChanged and (
                seen.event.state in states or seen.event.state in ENDED):
            return seen.event
    return None


Overdue = Literal["follow", "stop", "give up"]


def overdue(now_us: int, start_us: int, duration_s: float | None, stop_sent_us: int | None, ended: bool,
            grace_s: float = STOP_GRACE_S, wait_s: float = STOP_WAIT_S) -> Overdue:
    """What a follower does about the wall clock: ``stop`` a run ``grace_s`` past its duration (which it
    counts in event time: a feed that stops or lags would keep it going), ``give up`` on a run that has not
    said it stopped ``wait_s`` after a stop was sent (by this rule or by the user), else ``follow``."""
    if ended:
        return "follow"
    if stop_sent_us is not None:
        return "give up" if now_us - stop_sent_us >= wait_s * US else "follow"
    if duration_s is not None and now_us - start_us >= (duration_s + grace_s) * US:
        return "stop"
    return "follow"


def feed_clock_warning(event_ts: int, now_us: int, limit_s: float = FEED_SKEW_S) -> str | None:
    """A warning line if an event stamped by the feed at ``event_ts`` is over ``limit_s`` from the wall
    clock, else None."""
    skew_s = (event_ts - now_us) / US
    if abs(skew_s) <= limit_s:
        return None
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(event_ts / US))
    side = "ahead of" if skew_s > 0 else "behind"
    return (f"warning: the market feed's clock is {_span(abs(skew_s))} {side} the wall clock (its events are "
            f"stamped {when} UTC: a feed started with --start?); --for counts the feed's event time")


def _span(seconds: float) -> str:
    for unit, size in (("years", 365.25 * 86400), ("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= 2 * size:
            return f"{seconds / size:.0f} {unit}"
    return f"{seconds:.0f} s"


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
