"""Components, logs and control messages: the dashboard's side of a run."""

from __future__ import annotations

import pytest

from strategies.records import ControlMessage, StrategyLogged, UiComponentDeclared, UiComponentUpdated
from tests.unit.strategies.kit import T0, Harness, S, snapshot
from tests.unit.strategies.recorder import Recorder


def test_declare_update_and_log_emit_records_with_run_ids() -> None:
    rec = Recorder()
    h = Harness(rec)

    def act(_: object) -> None:
        ctx = h.runtime.ctx
        ctx.declare_component("weights", "line_chart", {"series": ["BTC", "ETH"]})
        ctx.update_component("weights", {"BTC": 0.6, "ETH": 0.4})
        ctx.log("rebalanced", "warning")

    rec.on["start"] = act
    out = h.feed(snapshot(9000, 9001, ts=T0))
    rid = h.run.run_id
    assert out == [
        UiComponentDeclared(f"{rid}:ui1", rid, "weights", "line_chart", '{"series":["BTC","ETH"]}', T0),
        UiComponentUpdated(f"{rid}:ui2", rid, "weights", '{"BTC":0.6,"ETH":0.4}', T0),
        StrategyLogged(f"{rid}:log1", rid, "warning", "rebalanced", T0),
    ]


def test_a_control_message_reaches_on_control_and_starts_the_run() -> None:
    rec = Recorder()
    h = Harness(rec)
    h.feed(ControlMessage("c1", h.run.run_id, "settings", '{"offset_bps":3}', T0 + S))
    assert rec.calls == [("start", T0 + S), ("control", {"offset_bps": 3})]


def test_bad_log_level_fails_fast() -> None:
    h = Harness(Recorder())
    with pytest.raises(ValueError, match="log level"):
        h.runtime.ctx.log("x", "loud")
