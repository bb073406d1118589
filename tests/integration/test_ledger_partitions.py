"""Accounts on every ``ledger.journal`` partition trade: a market's listing reaches each partition's ledger,
not only the partitions of a few named accounts (an account whose key maps elsewhere got ``unknown_pair``
for every order). Real broker, real worker; the listings are published the way the feeds publish them."""

from __future__ import annotations

from pathlib import Path

import pytest

from cryptick import paper
from cryptick.flows import WorkerProcess, read_events
from floor.kafka import PartitionMismatch, check_partitions, create_topics, end_offsets, list_topics
from producers.feed_runner import publish_markets, synthetic_messages
from producers.publish import publish
from producers.scenario import Message
from producers.synthetic import SyntheticFeed
from schemas.events import (
    SCALE,
    Allocation,
    BookSnapshot,
    CreateWalletSet,
    DepositFunds,
    OrderAccepted,
    OrderFilled,
    OrderRejected,
    OrderRequested,
    WalletSetCreated,
)
from schemas.topics import (
    DEFAULT_PARTITIONS,
    LEDGER_EVENTS,
    LEDGER_JOURNAL,
    VENUE_EVENTS,
    TopicSpec,
    all_topics,
    partition_of,
    qualified,
)

pytestmark = pytest.mark.integration

ACCOUNTS = ("bob", "whale", "erin", "alice")
"""One account per partition of a 4-partition ``ledger.journal``."""
VENUE, PAIR = "synthetic", "BTC-USD"


def test_accounts_on_every_ledger_partition_deposit_allot_and_trade(
        kafka_bootstrap: str, namespace: str, tmp_path: Path) -> None:
    create_topics(kafka_bootstrap, all_topics(namespace))
    partitions = list_topics(kafka_bootstrap)[qualified(LEDGER_JOURNAL, namespace)]
    assert partitions == DEFAULT_PARTITIONS[LEDGER_JOURNAL] >= 3
    assert len({partition_of(LEDGER_JOURNAL, a.encode()) for a in ACCOUNTS}) >= 3

    listings, events = synthetic_messages(steps=120, seed=5)
    market = list(events)
    book = next(m.event for m in market if isinstance(m.event, BookSnapshot) and m.event.pair == PAIR)
    assert isinstance(book, BookSnapshot)
    tick = SCALE // 100
    protection = book.asks[0].price * 105 // 100 // tick * tick
    t = market[-1].event.ts
    commands: list[Message] = []
    for a in ACCOUNTS:
        ws, order = f"{a}-ws", f"{a}-o1"
        commands += [
            Message(LEDGER_JOURNAL, a, DepositFunds(f"{a}-dep", a, VENUE, "USD", 1_000 * SCALE, t)),
            Message(LEDGER_JOURNAL, a, CreateWalletSet(f"{a}-create", a, ws, f"{a}-run",
                                                       [Allocation(VENUE, "USD", 500 * SCALE)], t)),
            Message(LEDGER_JOURNAL, a, OrderRequested(order, order, a, f"{a}-run", ws, VENUE, PAIR, "buy",
                                                      "market", SCALE // 100, protection, False, None, t)),
        ]
    publish(kafka_bootstrap, [*listings, *market, *commands], namespace)
    worker = WorkerProcess(kafka_bootstrap, namespace, log_path=tmp_path / "worker.log").start()
    try:
        worker.wait_caught_up(timeout=90)
    finally:
        worker.stop()

    ledger = read_events(kafka_bootstrap, qualified(LEDGER_EVENTS, namespace))
    venue = read_events(kafka_bootstrap, qualified(VENUE_EVENTS, namespace))
    rejected = [(e.account, e.reason, e.detail) for e in ledger if isinstance(e, OrderRejected)]
    assert rejected == []
    for a in ACCOUNTS:
        assert any(isinstance(e, WalletSetCreated) and e.wallet_set_id == f"{a}-ws" for e in ledger), a
        assert any(isinstance(e, OrderAccepted) and e.order_id == f"{a}-o1" for e in ledger), a
        fills = [e for e in venue if isinstance(e, OrderFilled) and e.order_id == f"{a}-o1"]
        assert sum(f.size for f in fills) == SCALE // 100, a  # filled in full against the listed book


def test_start_up_refuses_a_topic_with_another_partition_count(kafka_bootstrap: str, namespace: str) -> None:
    """A namespace made when ``ledger.journal`` had 2 partitions: keys now map onto 4, so its topics are
    refused (with what to do), not silently used with accounts sent to the wrong inbox."""
    old = [TopicSpec(s.name, 2) if s.name == qualified(LEDGER_JOURNAL, namespace) else s
           for s in all_topics(namespace)]
    create_topics(kafka_bootstrap, old)
    with pytest.raises(PartitionMismatch) as refused:
        create_topics(kafka_bootstrap, all_topics(namespace))
    assert (f"{qualified(LEDGER_JOURNAL, namespace)} has 2 partitions, keys are mapped onto "
            f"{DEFAULT_PARTITIONS[LEDGER_JOURNAL]}") in str(refused.value)
    assert "cryptick topics create" in str(refused.value)
    with pytest.raises(PartitionMismatch):
        check_partitions(kafka_bootstrap, all_topics(namespace))
    check_partitions(kafka_bootstrap, old)  # what the topics are: no complaint
    # nor does a paper run start, nor listings go out, in such a namespace
    with pytest.raises(PartitionMismatch):
        paper.start(kafka_bootstrap, namespace, "hodl", {"bases": "BTC"}, [Allocation(VENUE, "USD", SCALE)])
    with pytest.raises(PartitionMismatch):
        publish_markets(kafka_bootstrap, namespace, SyntheticFeed().listings())
    assert end_offsets(kafka_bootstrap, qualified(LEDGER_JOURNAL, namespace)) == {0: 0, 1: 0}  # nothing sent
