"""Timers fire on a clock tick for the run at or after their time, in (time, id) order."""

from __future__ import annotations

from schemas.events import ClockTick
from strategies.api import Timer
from strategies.records import TimerSet
from tests.unit.strategies.kit import T0, Harness, S, snapshot, tick
from tests.unit.strategies.recorder import Recorder


def test_set_timer_emits_timer_set_for_the_clock() -> None:
    rec = Recorder()
    h = Harness(rec)
    rec.on["start"] = lambda ctx: ctx.set_timer(T0 + 10 * S, "wake")
    out = h.feed(snapshot(9000, 9001, ts=T0))
    rid = h.run.run_id
    assert out == [TimerSet(f"{rid}:t1", rid, f"{rid}:t1", "wake", T0 + 10 * S, T0)]


def test_due_timers_fire_in_time_order_on_a_tick() -> None:
    rec = Recorder()
    h = Harness(rec)

    def two(ctx: object) -> None:
        h.runtime.ctx.set_timer(T0 + 20 * S, "late")
        h.runtime.ctx.set_timer(T0 + 10 * S, "early")

    rec.on["start"] = two
    h.feed(snapshot(9000, 9001, ts=T0))
    h.feed(tick(h.run, T0 + 5 * S))
    assert rec.names() == ["start", "book"]
    h.feed(tick(h.run, T0 + 30 * S))
    rid = h.run.run_id
    assert rec.calls[2:] == [("timer", Timer(f"{rid}:t2", "early", T0 + 10 * S)),
                             ("timer", Timer(f"{rid}:t1", "late", T0 + 20 * S))]


def test_a_tick_for_another_key_fires_nothing() -> None:
    rec = Recorder()
    h = Harness(rec)
    rec.on["start"] = lambda ctx: ctx.set_timer(T0 + S)
    h.feed(snapshot(9000, 9001, ts=T0))
    h.feed(ClockTick("tick:other", T0 + 5 * S, "other-run"))
    assert "timer" not in rec.names()
    h.feed(ClockTick("tick:all", T0 + 6 * S, "*"))
    assert rec.names()[-1] == "timer"
