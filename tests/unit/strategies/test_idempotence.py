"""A redelivered inbox item (same event id) yields nothing and changes nothing."""

from __future__ import annotations

from tests.unit.strategies.kit import T0, Harness, S, snapshot, tick
from tests.unit.strategies.recorder import Recorder


def test_redelivery_is_ignored() -> None:
    rec = Recorder()
    h = Harness(rec)
    rec.on["start"] = lambda ctx: ctx.set_timer(T0 + S)
    first = h.feed(snapshot(9000, 9001, ts=T0))
    assert len(first) == 1
    calls = list(rec.calls)
    assert h.feed(snapshot(9000, 9001, ts=T0)) == []
    assert rec.calls == calls
    h.feed(tick(h.run, T0 + S))
    h.feed(tick(h.run, T0 + S))
    assert rec.names().count("timer") == 1


def test_a_failing_handler_says_which_run_handler_and_input() -> None:
    import pytest

    from strategies.runtime import StrategyError

    rec = Recorder()
    h = Harness(rec)
    rec.on["book"] = lambda ctx: 1 / 0
    with pytest.raises(StrategyError, match=r"Recorder.on_book failed on BookSnapshot s\d+BTC-USD"):
        h.feed(snapshot(9000, 9001, ts=T0))
