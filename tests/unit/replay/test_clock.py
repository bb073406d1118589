"""Timers and ``cancel_after`` are driven by clock ticks the scheduler delivers at their times."""

from __future__ import annotations

from replay.sources import MemoryJournal
from schemas.codec import default_codec
from schemas.events import ClockTick, OrderDone
from schemas.topics import STRATEGY_JOURNAL, VENUE_EVENTS, VENUE_JOURNAL
from tests.unit.replay.kit import MS, PAIR, T0, VENUE, P, S, Script, backtest, snapshot


def test_a_timer_fires_at_its_time_after_everything_else_at_that_time() -> None:
    s = Script({T0: lambda ctx: ctx.set_timer(T0 + 2 * S)})
    events = [snapshot(T0 + i * S, [(9000, 1)], [(9001, 1)]) for i in range(4)]
    journal = MemoryJournal({STRATEGY_JOURNAL})
    rid = backtest(events, s, journal=journal, end=T0 + 5 * S).runs[0].spec.run_id
    assert [(n, now) for n, now, _ in s.calls if n in ("book", "timer")] == [
        ("book", T0), ("book", T0 + S), ("book", T0 + 2 * S), ("timer", T0 + 2 * S), ("book", T0 + 3 * S)]
    ticks = [e for e in map(default_codec().decode, (m.value for m in journal.topic(STRATEGY_JOURNAL)))
             if isinstance(e, ClockTick)]
    assert [(t.key, t.ts) for t in ticks] == [(rid, T0 + 2 * S)]


def test_cancel_after_expires_the_order_on_a_tick_to_its_book() -> None:
    def rest(ctx: object) -> None:
        from strategies.context import Context

        assert isinstance(ctx, Context)
        ctx.submit_order(VENUE, PAIR, "buy", P // 10, 8000 * P, cancel_after_s=3)

    journal = MemoryJournal({VENUE_JOURNAL, VENUE_EVENTS})
    s = Script({T0: rest})
    backtest([snapshot(T0, [(9000, 1)], [(9001, 1)])], s, journal=journal, end=T0 + 10 * S)
    ticks = [default_codec().decode(m.value) for m in journal.topic(VENUE_JOURNAL)
             if isinstance(default_codec().decode(m.value), ClockTick)]
    assert [(t.key, t.ts) for t in ticks] == [(f"{VENUE}:{PAIR}", T0 + 3 * S)]  # type: ignore[union-attr]
    outputs = map(default_codec().decode, (m.value for m in journal.topic(VENUE_EVENTS)))
    done = [e for e in outputs if isinstance(e, OrderDone)]
    assert [(d.reason, d.ts) for d in done] == [("expired", T0 + 3 * S)]
    assert ("OrderDone", T0 + 3 * S + 50 * MS, "expired") not in s.calls  # the run's clock is its inbox:
    assert s.calls[-1] == ("OrderDone", T0 + 3 * S, "expired")  # nothing newer than the tick's ts seen
