"""The exported state is JSON, deterministic, and a ledger rebuilt from it carries on identically."""

from __future__ import annotations

import json

import pytest

from schemas.events import Event
from streams.ledger.engine import Ledger, LedgerConfig
from streams.ledger.markets import MarketRules
from tests.unit.ledger.kit import (
    alloc,
    cancel,
    create,
    deposit,
    done,
    fill,
    given,
    listed,
    opened,
    order,
    u,
    withdraw,
)

BEFORE: list[Event] = [
    listed(), deposit("d1", "USD", "10000"), deposit("d2", "BTC", "1"),
    deposit("d3", "USD", "5", account="bob"), create("c1", alloc("USD", "6000"), alloc("BTC", "1")),
    order("o1", "buy", "0.1", "50000"), opened("o1", "buy", "0.1", "50000"),
    fill("o1", 1, "buy", "0.05", "50000", "15"), order("o2", "sell", "0.5", "60000"),
    order("o3", "buy", "100", "50000"),
]
AFTER: list[Event] = [
    fill("o1", 1, "buy", "0.05", "50000", "15"),  # a redelivery across the restart
    fill("o1", 2, "buy", "0.05", "49000", "14.7"), done("o1", "buy", "0.1"), cancel("o2"),
    fill("o2", 1, "sell", "0.5", "60000", "180"), done("o2", "sell", "0.5"),
    order("o3", "buy", "0.01", "50000", event_id="again"), withdraw("w1", "USD", "4000"),
]


def _run(ledger: Ledger, events: list[Event]) -> list[Event]:
    return [out for event in events for out in ledger.handle(event)]


def test_the_state_is_json_and_survives_a_json_trip() -> None:
    state = given(*BEFORE).export_state()
    text = json.dumps(state, sort_keys=True)
    assert json.loads(text) == state


def test_a_restored_ledger_continues_exactly_like_the_original() -> None:
    config = LedgerConfig()
    original = given(*BEFORE)
    restored = Ledger.from_state(config, json.loads(json.dumps(original.export_state())))
    assert restored.export_state() == original.export_state()
    assert _run(restored, AFTER) == _run(original, AFTER)
    assert restored.export_state() == original.export_state()
    assert restored.problems() == []


def test_equal_histories_export_equal_text() -> None:
    a, b = given(*BEFORE), given(*BEFORE)
    assert json.dumps(a.export_state()) == json.dumps(b.export_state())


def test_static_rules_fill_gaps_but_listings_win() -> None:
    static = MarketRules(venue="coinbase", pair="BTC-USD", base="BTC", quote="USD",
                         price_increment=u("1"), size_increment=u("1"), min_size=u("1"))
    other = MarketRules(venue="kraken", pair="ETH-USD", base="ETH", quote="USD",
                        price_increment=u("1"), size_increment=u("1"), min_size=u("1"))
    config = LedgerConfig(markets=(static, other))
    original = given(*BEFORE, config=config)  # BEFORE lists coinbase BTC-USD itself
    restored = Ledger.from_state(config, original.export_state())
    markets = {(m["venue"], m["pair"]): m for m in restored.export_state()["markets"]}
    assert markets[("coinbase", "BTC-USD")]["size_increment"] == u("0.001")
    assert ("kraken", "ETH-USD") in markets


def test_an_unknown_version_is_refused() -> None:
    state = given().export_state()
    with pytest.raises(ValueError, match="version"):
        Ledger.from_state(LedgerConfig(), {**state, "version": 99})
