"""Every inbox event is applied once: a redelivered event yields nothing and changes nothing."""

from __future__ import annotations

import dataclasses

from schemas.events import ClockTick, Event
from streams.ledger.engine import LedgerConfig
from tests.unit.ledger.kit import (
    alloc,
    balance,
    cancel,
    create,
    deactivate,
    deposit,
    done,
    fill,
    funded,
    given,
    listed,
    opened,
    order,
    reported,
    u,
    withdraw,
)

INBOX: list[Event] = [
    listed(), deposit("d1", "USD", "10000"), deposit("d2", "BTC", "1"), withdraw("w1", "USD", "1"),
    create("c1", alloc("USD", "6000"), alloc("BTC", "1")),
    order("o1", "buy", "0.1", "50000"), opened("o1", "buy", "0.1", "50000"),
    fill("o1", 1, "buy", "0.05", "50000", "15"), cancel("o1"), cancel("o-unknown"),
    fill("o1", 2, "buy", "0.01", "49000", "2.94"), done("o1", "buy", "0.06", reason="cancelled"),
    order("o2", "sell", "0.5", "60000"), fill("o2", 1, "sell", "0.5", "60000", "180"),
    done("o2", "sell", "0.5"), order("o3", "buy", "100", "1"), reported("r1", "USD", "3"),
    create("c2", alloc("USD", "100"), ws="ws-2", run="run-2"), deactivate("x1", ws="ws-2"),
]


def test_each_event_delivered_twice_gives_the_outputs_of_once() -> None:
    once, twice = given(), given()
    outputs_once = [out for event in INBOX for out in once.handle(event)]
    outputs_twice = []
    for event in INBOX:
        outputs_twice.extend(twice.handle(event))
        assert twice.handle(event) == []
    assert outputs_twice == outputs_once
    assert twice.export_state() == once.export_state()


def test_the_whole_inbox_replayed_after_itself_changes_nothing() -> None:
    ledger = given(*INBOX)
    state = ledger.export_state()
    assert [out for event in INBOX for out in ledger.handle(event)] == []
    assert ledger.export_state() == state


def test_a_fill_with_a_new_event_id_but_a_known_fill_seq_is_applied_once() -> None:
    ledger = funded(usd="10000")
    ledger.handle(order("o1", "buy", "0.1", "50000"))
    first = fill("o1", 1, "buy", "0.05", "50000", "15")
    ledger.handle(first)
    copy = dataclasses.replace(first, event_id="copy")
    assert ledger.handle(copy) == []
    assert balance(ledger, "BTC")[0] == u("2.05")


def test_a_late_copy_of_a_fill_after_done_is_ignored() -> None:
    config = LedgerConfig(seen_window=2)  # the id window has forgotten the fill
    ledger = given(listed(), deposit("d1", "USD", "100000"), create("c1", alloc("USD", "10000")),
                   config=config)
    f1 = fill("o1", 1, "buy", "0.1", "50000", "30")
    for event in (order("o1", "buy", "0.1", "50000"), f1, done("o1", "buy", "0.1"),
                  deposit("d2", "USD", "1"), deposit("d3", "USD", "1")):
        ledger.handle(event)
    assert "o1:1" not in ledger.export_state()["seen"]
    assert ledger.handle(f1) == []
    assert balance(ledger, "BTC")[0] == u("0.1")


def test_clock_ticks_are_ignored_and_not_remembered() -> None:
    ledger = funded()
    state = ledger.export_state()
    assert ledger.handle(ClockTick(event_id="t1", ts=5, key="alice")) == []
    assert ledger.export_state() == state
