"""Issue #12 on a real broker: an input the ledger cannot process never leaves it changed.

The issue's sequence (three maximum deposits, a wallet set, a top-up, a large buy) through a real
worker gives rejections with reasons, and a later order sees what ``ledger.events`` says is
available. An injected encoding failure (a codec that refuses one output) gives a dead letter and
no change, and a worker restarted over the inbox holding that message rebuilds the live state."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cryptick.flows import WorkerProcess, read_events
from floor.kafka import create_topics, partition_history, producer
from schemas.codec import Codec, encode
from schemas.events import (
    MAX_UNITS,
    SCALE,
    AdjustWalletSet,
    Allocation,
    CommandRejected,
    CreateWalletSet,
    DeadLetter,
    DepositFunds,
    Event,
    FundsHeld,
    HoldReleased,
    MarketListed,
    OrderAccepted,
    OrderRejected,
    OrderRequested,
    WalletMovement,
)
from schemas.topics import DEAD_LETTERS, LEDGER_EVENTS, LEDGER_JOURNAL, all_topics, partition_of, qualified
from strategies.topology import account_of as output_key
from streams.ledger.engine import INBOX_TYPES, Ledger
from streams.money import to_decimal_str
from streams.runtime.direct import DirectWorker
from streams.runtime.inbox import InboxProcessor

pytestmark = pytest.mark.integration

ACCOUNT, VENUE, WS, RUN, TS = "main", "coinbase", "ws-poison", "run-poison", 1_700_000_000_000_000
P = SCALE


def listed() -> MarketListed:
    return MarketListed("listed", VENUE, "BTC-USD", "BTC", "USD", P // 100, P // 1000, P // 1000, None,
                        None, TS)


def deposit(event_id: str, amount: int) -> DepositFunds:
    return DepositFunds(event_id, ACCOUNT, VENUE, "USD", amount, TS)


def buy(order_id: str, size: int, price: int) -> OrderRequested:
    return OrderRequested(f"req:{order_id}", order_id, ACCOUNT, RUN, WS, VENUE, "BTC-USD", "buy", "limit",
                          size, price, False, None, TS)


def publish(bootstrap: str, namespace: str, events: list[Event]) -> None:
    prod = producer(bootstrap)
    topic = qualified(LEDGER_JOURNAL, namespace)
    for e in events:
        prod.produce(topic, key=ACCOUNT.encode(), value=encode(e),
                     partition=partition_of(LEDGER_JOURNAL, ACCOUNT.encode()))
    assert prod.flush(10) == 0


def available(events: list[Event]) -> int:
    """The wallet set's available USD as a reader of ``ledger.events`` sums it up."""
    total = 0
    for e in events:
        if isinstance(e, WalletMovement):
            total += sum(leg.amount for leg in e.legs
                         if leg.wallet == WS and leg.bucket == "available" and leg.currency == "USD")
        elif isinstance(e, FundsHeld):
            total -= e.amount
        elif isinstance(e, HoldReleased):
            total += e.amount
    return total


def by_cause(events: list[Event]) -> dict[str, Event]:
    return {e.event_id.rsplit(":", 1)[0]: e for e in events
            if isinstance(e, (CommandRejected, OrderRejected))}


@pytest.mark.parametrize("runtime", ["faust", "direct"])
def test_the_issue_sequence_gives_rejections_and_the_events_tell_the_truth(
    kafka_bootstrap: str, namespace: str, tmp_path: Path, runtime: str
) -> None:
    create_topics(kafka_bootstrap, all_topics(namespace))
    publish(kafka_bootstrap, namespace, [
        listed(), deposit("d1", MAX_UNITS), deposit("d2", MAX_UNITS), deposit("d3", MAX_UNITS),
        CreateWalletSet("c1", ACCOUNT, WS, RUN, [Allocation(VENUE, "USD", MAX_UNITS)], TS),
        AdjustWalletSet("a1", ACCOUNT, WS, [Allocation(VENUE, "USD", MAX_UNITS)], TS),
        buy("o1", 1000 * P, 92_233_720 * P),  # the hold would be 92.8 bn USD
        buy("o2", P, 90_000_000_000 * P),  # fits
        buy("o3", P, 2_000_000_000 * P),  # more than what is left
    ])
    worker = WorkerProcess(kafka_bootstrap, namespace, roles=("ledger",), runtime=runtime,
                           log_path=tmp_path / "worker.log").start()
    try:
        worker.wait_caught_up()
    finally:
        worker.stop()

    events = read_events(kafka_bootstrap, qualified(LEDGER_EVENTS, namespace))
    rejected = by_cause(events)
    assert {cause: e.reason for cause, e in rejected.items()} == {  # type: ignore[attr-defined]
        "d2": "balance_out_of_range", "d3": "balance_out_of_range", "a1": "insufficient_funds",
        "req:o1": "amount_out_of_range", "req:o3": "insufficient_funds"}
    assert [e.order_id for e in events if isinstance(e, OrderAccepted)] == ["o2"]
    left = available(events)
    assert left == MAX_UNITS - 90_540_000_000 * P
    assert rejected["req:o3"].detail.endswith(  # type: ignore[attr-defined]
        f"the wallet set has {to_decimal_str(left)} available")
    assert read_events(kafka_bootstrap, qualified(DEAD_LETTERS, namespace)) == []


class Refusing(Codec):
    """The real codec, except that it cannot encode the hold of order ``o1``."""

    def encode(self, event: Event) -> bytes:
        if isinstance(event, FundsHeld) and event.order_id == "o1":
            raise ValueError("FundsHeld of o1: value out of range")
        return super().encode(event)


def run_worker(bootstrap: str, namespace: str, until: Callable[[], bool]) -> None:
    """A direct-runtime ledger worker whose codec refuses o1's hold, until ``until()`` holds."""
    topic = qualified(LEDGER_JOURNAL, namespace)
    proc = InboxProcessor(inbox=LEDGER_JOURNAL, engine_factory=Ledger, accepts=INBOX_TYPES,
                          output_topic=LEDGER_EVENTS, key_of=output_key,
                          history=partition_history(bootstrap, topic), source=topic, codec=Refusing())
    worker = DirectWorker(bootstrap, namespace, {LEDGER_JOURNAL: proc}, f"poison-{namespace}")
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not until():
            assert thread.is_alive() and time.monotonic() < deadline, "the worker did not get there"
            time.sleep(0.25)
    finally:
        stop.set()
        thread.join(30)


def outputs(bootstrap: str, namespace: str) -> Iterator[Event]:
    yield from read_events(bootstrap, qualified(LEDGER_EVENTS, namespace))


def test_an_output_that_cannot_be_encoded_is_a_dead_letter_and_a_restart_rebuilds_the_live_state(
    kafka_bootstrap: str, namespace: str
) -> None:
    create_topics(kafka_bootstrap, all_topics(namespace))
    publish(kafka_bootstrap, namespace, [
        listed(), deposit("d1", 1000 * P),
        CreateWalletSet("c1", ACCOUNT, WS, RUN, [Allocation(VENUE, "USD", 1000 * P)], TS),
        buy("o1", P, 900 * P), buy("o2", P, 990 * P)])

    def accepted(order_id: str) -> Callable[[], bool]:
        return lambda: any(isinstance(e, OrderAccepted) and e.order_id == order_id
                           for e in outputs(kafka_bootstrap, namespace))

    run_worker(kafka_bootstrap, namespace, accepted("o2"))
    [letter] = read_events(kafka_bootstrap, qualified(DEAD_LETTERS, namespace))
    assert isinstance(letter, DeadLetter) and letter.offset == 3
    assert letter.reason == "processing failed: ValueError('FundsHeld of o1: value out of range')"
    assert not [e for e in outputs(kafka_bootstrap, namespace) if getattr(e, "order_id", None) == "o1"]

    # a new worker resumes after the poison message: it rebuilds the ledger from the inbox by the
    # live rule, so o1's hold is not there either, and the next order sees what the events say
    publish(kafka_bootstrap, namespace, [buy("o3", P, 49 * P)])  # fits only if o1's hold were there
    run_worker(kafka_bootstrap, namespace,
               lambda: "req:o3" in by_cause(list(outputs(kafka_bootstrap, namespace))))
    events = list(outputs(kafka_bootstrap, namespace))
    left = available(events)
    assert left == 1000 * P - 990 * P * 10_060 // 10_000  # 4.06 USD: o2 holds the rest
    rejected = by_cause(events)["req:o3"]
    assert isinstance(rejected, OrderRejected) and rejected.reason == "insufficient_funds"
    assert rejected.detail.endswith(f"the wallet set has {to_decimal_str(left)} available")
    assert len(read_events(kafka_bootstrap, qualified(DEAD_LETTERS, namespace))) == 1
