"""Demo quotes around the touch on a timer, cancels the previous quotes, and updates its table."""

from __future__ import annotations

import json

from schemas.events import CancelRequested, OrderRequested
from strategies.demo import DemoParams, DemoStrategy
from strategies.records import (
    ControlMessage,
    StrategyLogged,
    TimerSet,
    UiComponentDeclared,
    UiComponentUpdated,
)
from tests.unit.strategies.kit import T0, Harness, S, run_spec, snapshot, tick


def test_start_declares_components_and_sets_the_first_timer() -> None:
    h = Harness(DemoStrategy())
    out = h.feed(snapshot(9000, 9001, ts=T0))
    assert [type(o) for o in out] == [UiComponentDeclared, UiComponentDeclared, TimerSet]
    assert isinstance(out[2], TimerSet) and out[2].at_ts == T0 + 10 * S


def test_each_round_cancels_then_quotes_both_sides_when_funded() -> None:
    h = Harness(DemoStrategy(DemoParams(offset_bps=10)), run=run_spec("demo", usd=10_000, btc=1))
    h.feed(snapshot(9000, 9001, ts=T0))
    out = h.feed(tick(h.run, T0 + 10 * S))
    rid = h.run.run_id
    orders = [(o.side, o.price, o.size) for o in out if isinstance(o, OrderRequested)]
    # bid 9000 - 10 bps = 8991.00; ask 9001 + 10 bps = 9010.001 -> up to 9010.01
    assert orders == [("buy", 899100000000, 1_000_000), ("sell", 901001000000, 1_000_000)]
    assert isinstance(out[0], TimerSet) and out[0].at_ts == T0 + 20 * S
    update = next(o for o in out if isinstance(o, UiComponentUpdated))
    assert json.loads(update.data_json) == {
        "round": 1, "best_bid": "9000", "best_ask": "9001", "our_bid": "8991", "our_ask": "9010.01",
        "fills": 0, "base": "1", "quote": "10000"}
    again = h.feed(tick(h.run, T0 + 20 * S))
    cancels = [o.order_id for o in again if isinstance(o, CancelRequested)]
    assert cancels == [f"{rid}:o1", f"{rid}:o2"]
    assert [o.order_id for o in again if isinstance(o, OrderRequested)] == [f"{rid}:o3", f"{rid}:o4"]


def test_without_base_only_the_bid_is_quoted() -> None:
    h = Harness(DemoStrategy())
    h.feed(snapshot(9000, 9001, ts=T0))
    out = h.feed(tick(h.run, T0 + 10 * S))
    assert [o.side for o in out if isinstance(o, OrderRequested)] == ["buy"]


def test_a_control_message_changes_the_offset() -> None:
    h = Harness(DemoStrategy())
    h.feed(snapshot(9000, 9001, ts=T0))
    out = h.feed(ControlMessage("c1", h.run.run_id, "settings", '{"offset_bps": 100}', T0 + S))
    assert [o.message for o in out if isinstance(o, StrategyLogged)] == ["offset now 100 bps"]
    quoted = [o.price for o in h.feed(tick(h.run, T0 + 10 * S)) if isinstance(o, OrderRequested)]
    assert quoted == [891000000000]  # 9000 - 1 %
