"""Orders reach the venue ``latency`` after the decision; fills reach the run ``latency`` after they occur."""

from __future__ import annotations

import pytest

from tests.unit.replay.kit import MS, T0, P, Script, backtest, delta, market_buy, snapshot

BOOK = snapshot(T0, [(9000, 1)], [(9001, 1), (9005, 1)])
MOVE = delta(T0 + 30 * MS, ("ask", 9001, 0))  # the best ask is gone 30 ms after the decision


def fills(script: Script) -> list[object]:
    return [what for name, _now, what in script.calls if name == "fill"]


@pytest.mark.parametrize(("latency_ms", "price"), [(20, 9001), (50, 9005)])
def test_the_order_meets_the_book_as_it_is_when_it_arrives(latency_ms: int, price: int) -> None:
    s = Script({T0: market_buy(0.5, 9010)})
    backtest([BOOK, MOVE], s, latency_ms=latency_ms)
    assert fills(s) == [(price * P, P // 2)]


def test_an_order_arriving_at_the_same_time_as_a_market_event_sees_that_event_first() -> None:
    s = Script({T0: market_buy(0.5, 9010)})
    backtest([BOOK, delta(T0 + 50 * MS, ("ask", 9001, 0))], s, latency_ms=50)
    assert fills(s) == [(9005 * P, P // 2)]


def test_the_fill_reaches_the_run_one_latency_after_it_happened() -> None:
    s = Script({T0: market_buy(0.5, 9010)})
    # the order fills at the venue at T0 + 50 ms; the run hears of it at T0 + 100 ms
    events = [BOOK] + [delta(T0 + t * MS, ("bid", 8000 + t, 1)) for t in (60, 99, 100, 101)]
    backtest(events, s, latency_ms=50)
    seen = [(name, now) for name, now, _ in s.calls if name in ("book", "fill")]
    assert seen == [("book", T0), ("book", T0 + 60 * MS), ("book", T0 + 99 * MS), ("book", T0 + 100 * MS),
                    ("fill", T0 + 100 * MS), ("book", T0 + 101 * MS)]
